// scout-bench: load generator for a running scout-collector.
//
//   scout-bench ingest --collector ADDR --agents 100 --series 1000 --duration 30s
//     N simulated agents, each on its own connection and stream, each
//     sending batches of one point for each of its M series, either paced
//     to --rate samples/s in total (open loop, as real agents send) or as
//     fast as acks allow (window of 8 batches). Reports samples/s acked
//     after commit and ack latency (batch written -> Ack read) p50/p99.
//     --batches K sends exactly K batches per agent instead (a fixed load).
//
//   scout-bench remote-write --url http://HOST:PORT/api/v1/write --senders 50 --series 1000
//     The same workload as Prometheus remote write 1.0 over HTTP, unpaced,
//     one request in flight per sender (bench/remote_write_load.h).
//
//   scout-bench verify --collector ADDR --host ID --series N --samples K
//     Checks an agent's stored synthetic stream exactly (fault tests).
//
//   scout-bench query --collector ADDR [--points 8640]
//     Backfills one series with 24 h at 10 s, then times QueryRange over it.
//
//   scout-bench bomb|bigbatch|idle|backfill|querystorm ...
//     Hostile clients (bench/hostile.h; tests/limits/ and docs/limits.md).
//
// With --collector-pid PID both print the collector's peak RSS (VmHWM).
//
// Security, as sctl: --ca F --cert F --key F --server-name N (each turns TLS
// on), --token-file F (else $SCOUT_TOKEN_FILE, else $SCOUT_TOKEN), --insecure
// for plaintext to a non-local collector. Without them: plaintext, as
// before (`remote-write`: the TLS flags for an https:// URL, see
// bench/remote_write_load.h). `ingest` needs an agent (or admin) token,
// `query` both Ingest and Query (admin), `verify` a reader token.
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "scout/v1/query.grpc.pb.h"
#include "agent/self/synthetic_plugin.h"
#include "shared/duration.h"
#include "bench/bench_target.h"
#include "bench/hostile.h"
#include "bench/remote_write_load.h"
#include "shared/mutex_mode.h"

namespace {

using Clock = std::chrono::steady_clock;
using scout::v1::AgentMessage;
using scout::v1::CollectorMessage;
using scout::bench::Hello;
using scout::bench::Percentile;
using scout::bench::ProcessCpuSeconds;
using scout::bench::ProcessMemory;
using scout::bench::Target;

// Batch template: series names and labels fixed, values/timestamps patched.
AgentMessage MakeTemplate(const std::string& agent, int series) {
  AgentMessage m;
  auto* batch = m.mutable_batch();
  for (int s = 0; s < series; ++s) {
    auto* ser = batch->add_series();
    ser->set_metric("bench_metric_" + std::to_string(s % 20));
    auto* l1 = ser->add_labels();
    l1->set_name("host");
    l1->set_value(agent);
    auto* l2 = ser->add_labels();
    l2->set_name("series");
    l2->set_value(std::to_string(s));
    ser->add_points();
  }
  return m;
}

struct AgentResult {
  uint64_t acked_points = 0;
  uint64_t rejected = 0;
  std::vector<double> ack_latency_ms;
  std::string error;
};

// `period` > 0 paces the agent to one batch per period (open loop, like a
// real agent on an interval); 0 sends as fast as the window allows.
// What an agent's sender and its ack reader share.
struct InFlight {
  absl::Mutex mu;
  std::map<uint64_t, Clock::time_point> sent ABSL_GUARDED_BY(mu);  // by seq
  bool reader_done ABSL_GUARDED_BY(mu) = false;
};

// `batches` > 0 stops after that many batches instead of at `stop_at`.
void RunAgent(const Target* target, int index, int series, int window,
              std::chrono::microseconds period, Clock::time_point stop_at, int64_t batches,
              int64_t base_ts, AgentResult* result) {
  const std::string id = "bench-agent-" + std::to_string(index);
  auto stub = scout::v1::Ingest::NewStub(target->Connect());
  grpc::ClientContext ctx;
  target->Prepare(ctx);
  auto stream = stub->Stream(&ctx);
  if (!stream->Write(Hello(id))) {
    result->error = stream->Finish().error_message();
    return;
  }
  InFlight shared;
  std::thread reader([&] {
    CollectorMessage msg;
    while (stream->Read(&msg)) {
      if (!msg.has_ack() && !msg.has_rejection()) continue;
      const uint64_t seq = msg.has_ack() ? msg.ack().seq() : msg.rejection().seq();
      absl::MutexLock lock(&shared.mu);
      auto it = shared.sent.find(seq);
      if (it == shared.sent.end()) continue;
      if (msg.has_ack()) {
        result->acked_points += msg.ack().points_stored();
        result->ack_latency_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - it->second).count());
      } else {
        ++result->rejected;
      }
      shared.sent.erase(it);
    }
    absl::MutexLock lock(&shared.mu);
    shared.reader_done = true;
  });

  AgentMessage msg = MakeTemplate(id, series);
  // Spread the agents' phases over one period, as a real fleet is.
  auto next_send = Clock::now() + period * index / 100;
  for (uint64_t seq = 1;
       batches > 0 ? seq <= static_cast<uint64_t>(batches) : Clock::now() < stop_at; ++seq) {
    if (period.count() > 0) {
      std::this_thread::sleep_until(next_send);
      next_send += period;
    }
    {
      absl::MutexLock lock(&shared.mu);
      auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared.mu) {
        return shared.reader_done || static_cast<int>(shared.sent.size()) < window;
      };
      shared.mu.Await(absl::Condition(&room));
      if (shared.reader_done) break;
    }
    auto* batch = msg.mutable_batch();
    batch->set_seq(seq);
    const int64_t ts = base_ts + static_cast<int64_t>(seq) * 10'000;
    for (auto& s : *batch->mutable_series()) {
      s.mutable_points(0)->set_timestamp_ms(ts);
      s.mutable_points(0)->set_value(static_cast<double>(seq));
    }
    {
      absl::MutexLock lock(&shared.mu);
      shared.sent[seq] = Clock::now();
    }
    if (!stream->Write(msg)) break;
  }
  stream->WritesDone();
  reader.join();
  grpc::Status status = stream->Finish();
  if (!status.ok()) result->error = status.error_message();
}

int Ingest(const Target& target, int agents, int series, int window, double rate,
           std::chrono::milliseconds duration, int64_t batches, int collector_pid) {
  const double cpu0 = ProcessCpuSeconds();
  // rate samples/s over agents*series series -> one batch per agent every period.
  const std::chrono::microseconds period(
      rate > 0 ? static_cast<int64_t>(1e6 * agents * series / rate) : 0);
  std::vector<AgentResult> results(agents);
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto stop_at = start + duration;
  const int64_t base_ts =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch()).count() - 86'400'000;
  for (int i = 0; i < agents; ++i) {
    threads.emplace_back(RunAgent, &target, i, series, window, period, stop_at, batches,
                         base_ts, &results[i]);
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  uint64_t points = 0, rejected = 0;
  std::vector<double> latency;
  int errors = 0;
  for (const AgentResult& r : results) {
    points += r.acked_points;
    rejected += r.rejected;
    latency.insert(latency.end(), r.ack_latency_ms.begin(), r.ack_latency_ms.end());
    if (!r.error.empty() && ++errors == 1) std::fprintf(stderr, "agent error: %s\n", r.error.c_str());
  }
  // An agent starved by the collector shows here, not in the totals.
  size_t fewest = SIZE_MAX, most = 0;
  for (const AgentResult& r : results) {
    fewest = std::min(fewest, r.ack_latency_ms.size());
    most = std::max(most, r.ack_latency_ms.size());
  }
  std::printf("agents=%d series/agent=%d window=%d offered=%s duration=%.1fs\n", agents, series,
              window, rate > 0 ? (std::to_string(static_cast<int64_t>(rate)) + " samples/s").c_str()
                               : "unlimited",
              seconds);
  std::printf("acked samples: %llu  rejected batches: %llu  stream errors: %d\n",
              static_cast<unsigned long long>(points), static_cast<unsigned long long>(rejected),
              errors);
  std::printf("throughput: %.0f samples/s acked after commit\n", points / seconds);
  std::printf("ack latency: p50 %.1f ms  p99 %.1f ms  max %.1f ms (%zu batches)\n",
              Percentile(latency, 0.5), Percentile(latency, 0.99),
              Percentile(latency, 1.0), latency.size());
  std::printf("acked batches per agent: min %zu  max %zu\n", agents > 0 ? fewest : 0, most);
  std::printf("collector peak RSS: %s\n", ProcessMemory(collector_pid).c_str());
  std::printf("client CPU: %.2f s\n", ProcessCpuSeconds() - cpu0);
  return errors == 0 && points > 0 ? 0 : 1;
}

int Query(const Target& target, int points, int repeats, int collector_pid) {
  auto channel = target.Connect();
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const int64_t start = (now - 86'400'000) / 10'000 * 10'000;
  {  // backfill in batches of 1000 points
    auto stub = scout::v1::Ingest::NewStub(channel);
    grpc::ClientContext ctx;
    target.Prepare(ctx);
    auto stream = stub->Stream(&ctx);
    stream->Write(Hello("bench-query"));
    int batches = 0;
    for (int off = 0; off < points; off += 1000) {
      AgentMessage m;
      m.mutable_batch()->set_seq(++batches);
      auto* s = m.mutable_batch()->add_series();
      s->set_metric("bench_query_series");
      for (int i = off; i < std::min(points, off + 1000); ++i) {
        auto* p = s->add_points();
        p->set_timestamp_ms(start + static_cast<int64_t>(i) * 10'000);
        p->set_value(i % 97);
      }
      stream->Write(m);
    }
    stream->WritesDone();
    CollectorMessage reply;
    int acks = 0;
    while (stream->Read(&reply)) acks += reply.has_ack();
    if (!stream->Finish().ok() || acks != batches) {
      std::fprintf(stderr, "backfill failed (%d/%d acks)\n", acks, batches);
      return 1;
    }
  }
  std::printf("backfilled %d points; waiting 3 s so the collector can chunk them\n", points);
  std::this_thread::sleep_for(std::chrono::seconds(3));

  auto stub = scout::v1::Query::NewStub(channel);
  std::vector<double> latency;
  int returned = 0;
  for (int r = 0; r < repeats; ++r) {
    scout::v1::QueryRangeRequest req;
    req.mutable_selector()->set_metric("bench_query_series");
    req.set_start_ms(start);
    req.set_end_ms(start + static_cast<int64_t>(points) * 10'000);
    req.set_step_ms(10'000);
    req.set_aggregation(scout::v1::AVG);
    scout::v1::QueryRangeResponse resp;
    grpc::ClientContext ctx;
    target.Prepare(ctx);
    const auto t0 = Clock::now();
    grpc::Status status = stub->QueryRange(&ctx, req, &resp);
    latency.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!status.ok() || resp.series_size() != 1) {
      std::fprintf(stderr, "query failed: %s\n", status.error_message().c_str());
      return 1;
    }
    returned = resp.series(0).points_size();
  }
  std::printf("range query, 1 series, %d points at 10 s step: p50 %.2f ms  p99 %.2f ms (%d runs)\n",
              returned, Percentile(latency, 0.5), Percentile(latency, 0.99), repeats);
  std::printf("collector peak RSS: %s\n", ProcessMemory(collector_pid).c_str());
  return returned == points ? 0 : 1;
}

// Checks the synthetic stream (agent/self/synthetic_plugin.h) stored
// for one agent: every series 0..series-1 present, `samples` points each
// at consecutive multiples of the interval, each value exactly
// SyntheticValue(i, t / interval), each bucket holding exactly one point.
int Verify(const Target& target, const std::string& host, int series, int samples,
           int64_t interval_ms, std::chrono::milliseconds window) {
  auto stub = scout::v1::Query::NewStub(target.Connect(512 * 1024 * 1024));
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  auto fetch = [&](scout::v1::Aggregation agg, scout::v1::QueryRangeResponse* resp) {
    scout::v1::QueryRangeRequest req;
    req.mutable_selector()->set_metric("scout_synthetic_value");
    auto* m = req.mutable_selector()->add_matchers();
    m->set_name("host");
    m->set_op(scout::v1::Matcher::EQUAL);
    m->set_value(host);
    req.set_start_ms((now - window.count()) / interval_ms * interval_ms);
    req.set_end_ms(now + 60'000);
    req.set_step_ms(interval_ms);
    req.set_aggregation(agg);
    req.set_series_limit(static_cast<uint32_t>(series) + 10);
    grpc::ClientContext ctx;
    target.Prepare(ctx);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return stub->QueryRange(&ctx, req, resp);
  };
  scout::v1::QueryRangeResponse last, count;
  grpc::Status status = fetch(scout::v1::LAST, &last);
  if (status.ok()) status = fetch(scout::v1::COUNT, &count);
  if (!status.ok()) {
    std::printf("verify: query failed: %s\n", status.error_message().c_str());
    return 2;
  }
  int64_t stored = 0, wrong = 0, gaps = 0, duplicates = 0, bad_count = 0, missing_series = 0;
  std::vector<bool> seen(static_cast<size_t>(series), false);
  for (const auto& s : count.series()) {
    for (const auto& p : s.points()) duplicates += p.value() > 1 ? 1 : 0;
  }
  for (const auto& s : last.series()) {
    int64_t i = -1;
    for (const auto& l : s.labels()) {
      if (l.name() == "series") i = std::stoll(l.value());
    }
    if (i < 0 || i >= series) continue;
    seen[static_cast<size_t>(i)] = true;
    stored += s.points_size();
    if (s.points_size() != samples) ++bad_count;
    for (int k = 0; k < s.points_size(); ++k) {
      const auto& p = s.points(k);
      if (p.value() != scout::agent::SyntheticValue(i, p.timestamp_ms() / interval_ms)) ++wrong;
      if (k > 0 && p.timestamp_ms() - s.points(k - 1).timestamp_ms() != interval_ms) ++gaps;
    }
  }
  for (bool b : seen) missing_series += b ? 0 : 1;
  const int64_t expected = static_cast<int64_t>(series) * samples;
  std::printf("verify: expected=%lld stored=%lld missing=%lld wrong_values=%lld gaps=%lld "
              "duplicates=%lld series_with_wrong_count=%lld missing_series=%lld\n",
              static_cast<long long>(expected), static_cast<long long>(stored),
              static_cast<long long>(expected - stored), static_cast<long long>(wrong),
              static_cast<long long>(gaps), static_cast<long long>(duplicates),
              static_cast<long long>(bad_count), static_cast<long long>(missing_series));
  return stored == expected && wrong == 0 && gaps == 0 && duplicates == 0 && bad_count == 0 &&
                 missing_series == 0
             ? 0
             : 1;
}

}  // namespace

int main(int argc, char** argv) {
  scout::DisableMutexDeadlockDetection();
  CLI::App app{"scout-bench: load generator for scout-collector"};
  app.require_subcommand(1);
  std::string duration_text = "30s";
  Target target{"127.0.0.1:7070", {}, {}};
  scout::bench::SecurityFlags security_flags;
  int agents = 100, series = 1000, window = 8, pid = 0, points = 8640, repeats = 200;
  double rate = 0;
  app.add_option("--collector", target.address, "collector address");
  scout::bench::AddSecurityFlags(app, security_flags);
  app.add_option("--collector-pid", pid, "collector pid, to report its peak RSS");
  auto* ingest = app.add_subcommand("ingest", "stream from N simulated agents");
  ingest->add_option("--agents", agents);
  ingest->add_option("--series", series, "series per agent");
  ingest->add_option("--window", window, "batches in flight per agent");
  ingest->add_option("--duration", duration_text);
  ingest->add_option("--rate", rate, "offered samples/s in total (0 = as fast as acks allow)");
  int64_t batches = 0;
  ingest->add_option("--batches", batches, "batches per agent, then stop (0 = --duration)");
  scout::bench::RemoteWriteLoadOptions rw;
  std::string rw_duration = "30s", rw_timeout = "30s", rw_backdate = "24h";
  auto* rw_cmd = app.add_subcommand(
      "remote-write", "the ingest workload as Prometheus remote write 1.0 over HTTP");
  rw_cmd->add_option("--url", rw.url, "e.g. http://127.0.0.1:9470/api/v1/write")->required();
  rw_cmd->add_option("--senders", rw.senders, "parallel connections, one request in flight each")
      ->check(CLI::Range(1, 10'000));
  rw_cmd->add_option("--series", rw.series, "series per request")->check(CLI::Range(1, 1'000'000));
  rw_cmd->add_option("--points", rw.points, "points per series per request")
      ->check(CLI::Range(1, 100'000));
  rw_cmd->add_option("--requests", rw.requests, "requests per sender, then stop (0 = --duration)");
  rw_cmd->add_option("--duration", rw_duration);
  rw_cmd->add_option("--timeout", rw_timeout, "per request");
  rw_cmd->add_option("--backdate", rw_backdate, "first timestamp this far back (0s = now)");
  auto* query = app.add_subcommand("query", "time a 24 h range query of one series");
  query->add_option("--points", points);
  query->add_option("--repeats", repeats);
  auto* verify = app.add_subcommand("verify", "check an agent's stored synthetic stream exactly");
  std::string host, interval_text = "1s", window_text = "1h";
  verify->add_option("--host", host, "agent id")->required();
  verify->add_option("--series", series)->required();
  verify->add_option("--samples", points, "samples per series")->required();
  verify->add_option("--interval", interval_text);
  verify->add_option("--window", window_text, "how far back to look");
  // Hostile modes (bench/hostile.h).
  scout::bench::BombOptions bomb;
  std::string bomb_duration = "60s";
  auto* bomb_cmd = app.add_subcommand("bomb", "one agent creating new series (cardinality bomb)");
  bomb_cmd->add_option("--agent", bomb.agent_id);
  bomb_cmd->add_option("--series", bomb.series, "new series in all");
  bomb_cmd->add_option("--batch-series", bomb.batch_series);
  bomb_cmd->add_option("--duration", bomb_duration);
  scout::bench::BigBatchOptions big;
  std::string big_duration = "20s";
  auto* big_cmd = app.add_subcommand("bigbatch", "streams of huge one-point batches");
  big_cmd->add_option("--streams", big.streams);
  big_cmd->add_option("--window", big.window);
  big_cmd->add_option("--bytes", big.batch_bytes);
  big_cmd->add_option("--duration", big_duration);
  scout::bench::IdleOptions idle;
  std::string idle_hold = "60s";
  auto* idle_cmd = app.add_subcommand("idle", "connections x streams that never say Hello");
  idle_cmd->add_option("--connections", idle.connections);
  idle_cmd->add_option("--streams", idle.streams_per_connection, "streams per connection");
  idle_cmd->add_option("--hold", idle_hold, "cancel what is still open after this long");
  scout::bench::BackfillOptions backfill;
  std::string backfill_span = "14d", backfill_interval = "60s";
  auto* backfill_cmd = app.add_subcommand("backfill", "history for N series");
  backfill_cmd->add_option("--agent", backfill.agent_id);
  backfill_cmd->add_option("--metric", backfill.metric);
  backfill_cmd->add_option("--series", backfill.series);
  backfill_cmd->add_option("--span", backfill_span);
  backfill_cmd->add_option("--interval", backfill_interval);
  backfill_cmd->add_option("--hosts", backfill.hosts, "spread series over N host labels");
  backfill_cmd->add_flag("--counter", backfill.counter, "counters with resets instead of gauges");
  backfill_cmd->add_option("--openmetrics", backfill.openmetrics_file,
                           "also write the samples as OpenMetrics (for promtool)");
  scout::bench::QueryStormOptions storm;
  std::string storm_range = "15d";
  auto* storm_cmd = app.add_subcommand("querystorm", "concurrent range queries");
  storm_cmd->add_option("--metric", storm.metric);
  storm_cmd->add_option("--series-regex", storm.series_regex);
  storm_cmd->add_option("--range", storm_range);
  storm_cmd->add_option("--step-ms", storm.step_ms);
  storm_cmd->add_option("--series-limit", storm.series_limit);
  storm_cmd->add_option("--parallel", storm.parallel);
  storm_cmd->add_option("--rounds", storm.rounds);
  CLI11_PARSE(app, argc, argv);
  if (*rw_cmd) {  // the security checks apply to the URL's host
    auto address = scout::bench::RemoteWriteAddress(rw.url);
    if (!address.ok()) {
      std::fprintf(stderr, "scout-bench: %s\n", std::string(address.status().message()).c_str());
      return 2;
    }
    target.address = *address;
  }
  if (absl::Status ready = scout::bench::ResolveSecurity(security_flags, target); !ready.ok()) {
    std::fprintf(stderr, "scout-bench: %s\n", std::string(ready.message()).c_str());
    return 2;
  }
  auto duration = [](const std::string& text, std::chrono::milliseconds* out) {
    auto d = scout::ParseDuration(text);
    if (!d.ok()) {
      std::fprintf(stderr, "bad duration %s: %s\n", text.c_str(),
                   std::string(d.status().message()).c_str());
      return false;
    }
    *out = *d;
    return true;
  };
  if (*bomb_cmd) {
    return duration(bomb_duration, &bomb.duration) ? scout::bench::RunBomb(target, bomb) : 2;
  }
  if (*big_cmd) {
    return duration(big_duration, &big.duration) ? scout::bench::RunBigBatches(target, big) : 2;
  }
  if (*idle_cmd) {
    return duration(idle_hold, &idle.hold) ? scout::bench::RunIdleFlood(target, idle) : 2;
  }
  if (*backfill_cmd) {
    return duration(backfill_span, &backfill.span) &&
                   duration(backfill_interval, &backfill.interval)
               ? scout::bench::RunBackfill(target, backfill)
               : 2;
  }
  if (*rw_cmd) {
    return duration(rw_duration, &rw.duration) && duration(rw_timeout, &rw.timeout) &&
                   duration(rw_backdate, &rw.backdate)
               ? scout::bench::RunRemoteWriteLoad(target, rw)
               : 2;
  }
  if (*storm_cmd) {
    return duration(storm_range, &storm.range) ? scout::bench::RunQueryStorm(target, storm) : 2;
  }
  if (*verify) {
    auto interval = scout::ParseDuration(interval_text);
    auto lookback = scout::ParseDuration(window_text);
    if (!interval.ok() || !lookback.ok()) {
      std::fprintf(stderr, "bad --interval or --window\n");
      return 2;
    }
    return Verify(target, host, series, points, interval->count(), *lookback);
  }
  if (*ingest) {
    auto d = scout::ParseDuration(duration_text);
    if (!d.ok()) {
      std::fprintf(stderr, "--duration: %s\n", std::string(d.status().message()).c_str());
      return 2;
    }
    return Ingest(target, agents, series, window, rate, *d, batches, pid);
  }
  return Query(target, points, repeats, pid);
}
