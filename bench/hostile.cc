#include "bench/hostile.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "scout/v1/query.grpc.pb.h"

namespace scout::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
using v1::AgentMessage;
using v1::CollectorMessage;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

v1::Series* AddSeries(v1::Batch* batch, const std::string& metric) {
  auto* s = batch->add_series();
  s->set_metric(metric);
  return s;
}

void AddLabel(v1::Series* s, std::string name, std::string value) {
  auto* l = s->add_labels();
  l->set_name(std::move(name));
  l->set_value(std::move(value));
}

// What the acks of one stream said, summed.
struct AckTally {
  uint64_t batches_acked = 0;
  uint64_t batches_rejected = 0;  // Rejection messages
  uint64_t points_stored = 0;
  uint64_t points_rejected = 0;
  std::map<std::string, uint64_t> rejected_by_reason;
  std::vector<double> ack_ms;

  void Print(const char* prefix) const {
    std::printf("%s_batches_acked=%llu\n%s_batches_rejected=%llu\n", prefix,
                static_cast<unsigned long long>(batches_acked), prefix,
                static_cast<unsigned long long>(batches_rejected));
    std::printf("%s_points_stored=%llu\n%s_points_rejected=%llu\n", prefix,
                static_cast<unsigned long long>(points_stored), prefix,
                static_cast<unsigned long long>(points_rejected));
    for (const auto& [reason, n] : rejected_by_reason) {
      std::printf("%s_rejected_%s=%llu\n", prefix, reason.c_str(),
                  static_cast<unsigned long long>(n));
    }
    std::printf("%s_ack_p50_ms=%.1f\n%s_ack_p99_ms=%.1f\n", prefix, Percentile(ack_ms, 0.5),
                prefix, Percentile(ack_ms, 0.99));
  }
};

// One Ingest stream with a window of batches awaiting an answer: the
// caller Send()s, a reader thread tallies the answers.
class WindowedStream {
 public:
  WindowedStream(const Target& target, const std::string& agent_id, int window)
      : window_(window), stub_(v1::Ingest::NewStub(target.Connect())) {
    target.Prepare(ctx_);
    stream_ = stub_->Stream(&ctx_);
    open_ = stream_->Write(Hello(agent_id));
    reader_ = std::thread([this] { ReadAnswers(); });
  }
  ~WindowedStream() {
    if (reader_.joinable()) Finish();
  }

  // Waits for room in the window; false when the stream has ended.
  bool Send(AgentMessage& msg, uint64_t seq) {
    {
      absl::MutexLock lock(&mu_);
      auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return reader_done_ || static_cast<int>(sent_.size()) < window_;
      };
      mu_.Await(absl::Condition(&room));
      if (reader_done_ || !open_) return false;
      sent_[seq] = SteadyClock::now();
    }
    msg.mutable_batch()->set_seq(seq);
    return stream_->Write(msg);
  }

  // Half-closes, waits for every answer, returns the stream's status.
  grpc::Status Finish() {
    stream_->WritesDone();
    reader_.join();
    return stream_->Finish();
  }

  AckTally tally() {
    absl::MutexLock lock(&mu_);
    return tally_;
  }

 private:
  void ReadAnswers() {
    CollectorMessage msg;
    while (stream_->Read(&msg)) {
      if (!msg.has_ack() && !msg.has_rejection()) continue;
      absl::MutexLock lock(&mu_);
      const uint64_t seq = msg.has_ack() ? msg.ack().seq() : msg.rejection().seq();
      auto it = sent_.find(seq);
      if (it == sent_.end()) continue;
      if (msg.has_ack()) {
        ++tally_.batches_acked;
        tally_.points_stored += msg.ack().points_stored();
        tally_.points_rejected += msg.ack().points_rejected();
        for (const auto& r : msg.ack().rejected()) {
          tally_.rejected_by_reason[v1::RejectReason_Name(r.reason())] += r.points();
        }
        tally_.ack_ms.push_back(
            std::chrono::duration<double, std::milli>(SteadyClock::now() - it->second).count());
      } else {
        ++tally_.batches_rejected;
      }
      sent_.erase(it);
    }
    absl::MutexLock lock(&mu_);
    reader_done_ = true;
  }

  const int window_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<AgentMessage, CollectorMessage>> stream_;
  bool open_ = false;
  std::thread reader_;
  absl::Mutex mu_;
  std::map<uint64_t, SteadyClock::time_point> sent_ ABSL_GUARDED_BY(mu_);
  bool reader_done_ ABSL_GUARDED_BY(mu_) = false;
  AckTally tally_ ABSL_GUARDED_BY(mu_);
};

// Series number `i` of the bomb: mostly valid and new (the cardinality
// part), one in 50 with 100 labels, one in 50 with a label name 10x the
// default limit, one in 50 with a metric name 10x the limit, one in 500
// with a label value 10x the limit.
void AddBombSeries(v1::Batch* batch, const std::string& agent, int64_t i, int64_t ts) {
  const int64_t kind = i % 500;
  v1::Series* s = AddSeries(batch, kind % 50 == 3 ? std::string(2560, 'm') : "bomb_series");
  AddLabel(s, "host", agent);
  AddLabel(s, "id", std::to_string(i));
  if (kind % 50 == 1) {
    for (int l = 0; l < 100; ++l) AddLabel(s, "l" + std::to_string(l), "v");
  } else if (kind % 50 == 2) {
    AddLabel(s, std::string(2560, 'n'), "v");
  } else if (kind == 4) {
    AddLabel(s, "big", std::string(40960, 'v'));
  } else {
    AddLabel(s, "pod", "checkout-7d9f8c6b5-" + std::to_string(i % 100000));
    AddLabel(s, "path", "/api/v1/items/" + std::to_string(i));
  }
  auto* p = s->add_points();
  p->set_timestamp_ms(ts);
  p->set_value(static_cast<double>(i));
}

}  // namespace

int RunBomb(const Target& target, const BombOptions& o) {
  WindowedStream stream(target, o.agent_id, o.window);
  const int64_t batches = (o.series + o.batch_series - 1) / o.batch_series;
  const auto period = o.duration / std::max<int64_t>(batches, 1);
  const auto start = SteadyClock::now();
  int64_t sent_series = 0;
  bool open = true;
  for (int64_t b = 0; b < batches && open; ++b) {
    std::this_thread::sleep_until(start + period * b);
    AgentMessage msg;
    const int64_t ts = NowMs();
    for (int k = 0; k < o.batch_series && sent_series < o.series; ++k, ++sent_series) {
      AddBombSeries(msg.mutable_batch(), o.agent_id, sent_series, ts);
    }
    open = stream.Send(msg, static_cast<uint64_t>(b + 1));
  }
  const grpc::Status status = stream.Finish();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::printf("bomb_series_sent=%lld\nbomb_seconds=%.1f\n", static_cast<long long>(sent_series),
              seconds);
  stream.tally().Print("bomb");
  std::printf("bomb_stream_open_to_end=%d\nbomb_status=%d\nbomb_status_message=%s\n",
              open ? 1 : 0, static_cast<int>(status.error_code()),
              status.error_message().c_str());
  return 0;
}

int RunBigBatches(const Target& target, const BigBatchOptions& o) {
  std::vector<std::thread> threads;
  std::vector<AckTally> tallies(static_cast<size_t>(o.streams));
  std::vector<int> codes(static_cast<size_t>(o.streams), 0);
  std::atomic<uint64_t> sent{0};
  const auto stop_at = SteadyClock::now() + o.duration;
  for (int i = 0; i < o.streams; ++i) {
    threads.emplace_back([&, i] {
      WindowedStream stream(target, "big-" + std::to_string(i), o.window);
      AgentMessage msg;
      v1::Series* s = AddSeries(msg.mutable_batch(), "big_batch_value");
      AddLabel(s, "host", "big-" + std::to_string(i));
      AddLabel(s, "blob", std::string(static_cast<size_t>(std::max<int64_t>(o.batch_bytes - 200, 1)), 'x'));
      auto* p = s->add_points();
      for (uint64_t seq = 1; SteadyClock::now() < stop_at; ++seq) {
        p->set_timestamp_ms(NowMs());
        p->set_value(static_cast<double>(seq));
        if (!stream.Send(msg, seq)) break;
        ++sent;
      }
      codes[static_cast<size_t>(i)] = static_cast<int>(stream.Finish().error_code());
      tallies[static_cast<size_t>(i)] = stream.tally();
    });
  }
  for (auto& t : threads) t.join();
  AckTally total;
  for (const AckTally& t : tallies) {
    total.batches_acked += t.batches_acked;
    total.batches_rejected += t.batches_rejected;
    total.points_stored += t.points_stored;
    total.points_rejected += t.points_rejected;
  }
  std::printf("bigbatch_sent=%llu\n", static_cast<unsigned long long>(sent.load()));
  total.Print("bigbatch");
  int bad = 0;
  for (int c : codes) bad += c != 0;
  std::printf("bigbatch_streams_not_ok=%d\n", bad);
  return 0;
}

int RunIdleFlood(const Target& target, const IdleOptions& o) {
  struct Idle {
    std::unique_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<grpc::ClientReaderWriter<AgentMessage, CollectorMessage>> stream;
    SteadyClock::time_point opened;
    std::atomic<bool> done{false};
    double closed_after_s = -1;
    int code = -1;
  };
  const size_t total = static_cast<size_t>(o.connections) * o.streams_per_connection;
  std::vector<std::unique_ptr<Idle>> idle(total);
  std::vector<std::unique_ptr<v1::Ingest::Stub>> stubs(static_cast<size_t>(o.connections));
  const int kThreads = 16;
  const auto t0 = SteadyClock::now();
  auto for_each_slice = [&](auto fn) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (size_t i = static_cast<size_t>(t); i < total; i += kThreads) fn(i);
      });
    }
    for (auto& th : threads) th.join();
  };
  for (int c = 0; c < o.connections; ++c) {
    stubs[static_cast<size_t>(c)] = v1::Ingest::NewStub(target.Connect());
  }
  for_each_slice([&](size_t i) {
    auto s = std::make_unique<Idle>();
    s->ctx = std::make_unique<grpc::ClientContext>();
    target.Prepare(*s->ctx);
    s->opened = SteadyClock::now();
    s->stream = stubs[i / static_cast<size_t>(o.streams_per_connection)]->Stream(s->ctx.get());
    idle[i] = std::move(s);
  });
  std::printf("idle_opened=%zu\nidle_open_seconds=%.1f\n", total,
              std::chrono::duration<double>(SteadyClock::now() - t0).count());
  std::fflush(stdout);
  // Watchdog: what the collector has not closed by `hold` is cancelled here.
  std::atomic<bool> finished{false};
  std::atomic<size_t> cancelled{0};
  std::thread watchdog([&] {
    const auto deadline = t0 + o.hold;
    while (!finished && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (finished) return;
    for (auto& s : idle) {
      if (!s->done) {
        ++cancelled;
        s->ctx->TryCancel();
      }
    }
  });
  for_each_slice([&](size_t i) {
    Idle& s = *idle[i];
    CollectorMessage msg;
    while (s.stream->Read(&msg)) {
    }
    s.closed_after_s = std::chrono::duration<double>(SteadyClock::now() - s.opened).count();
    s.done = true;
    s.code = static_cast<int>(s.stream->Finish().error_code());
  });
  finished = true;
  watchdog.join();
  std::map<int, size_t> by_code;
  double max_close = 0;
  for (const auto& s : idle) {
    ++by_code[s->code];
    max_close = std::max(max_close, s->closed_after_s);
  }
  std::printf("idle_cancelled_by_client=%zu\nidle_max_close_seconds=%.1f\n", cancelled.load(),
              max_close);
  for (const auto& [code, n] : by_code) std::printf("idle_status_%d=%zu\n", code, n);
  return 0;
}

namespace {
// The value of series s at its k-th point: gauges wander in 0..999;
// counters grow by a varying step and reset to 0 every 100 points (each
// series at another point).
double BackfillValue(const BackfillOptions& o, int s, int64_t k) {
  if (!o.counter) return static_cast<double>((k * 7 + s) % 1000);
  const int64_t since_reset = (k + s) % 100;
  return static_cast<double>(since_reset * (since_reset + 1) / 2 * (1 + s % 5));
}

std::string BackfillHost(const BackfillOptions& o, int s) {
  return o.hosts > 0 ? "host-" + std::to_string(s % o.hosts) : o.agent_id;
}

// OpenMetrics text of every sample (timestamps in seconds), one family.
bool WriteOpenMetrics(const BackfillOptions& o, int64_t end, int64_t points_per_series) {
  FILE* f = std::fopen(o.openmetrics_file.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot write %s\n", o.openmetrics_file.c_str());
    return false;
  }
  std::fprintf(f, "# TYPE %s %s\n", o.metric.c_str(), o.counter ? "unknown" : "gauge");
  for (int s = 0; s < o.series; ++s) {
    const std::string host = BackfillHost(o, s);
    for (int64_t k = 0; k < points_per_series; ++k) {
      const int64_t t = end - (points_per_series - k) * o.interval.count();
      std::fprintf(f, "%s{host=\"%s\",series=\"%d\"} %.17g %lld.%03lld\n", o.metric.c_str(),
                   host.c_str(), s, BackfillValue(o, s, k), static_cast<long long>(t / 1000),
                   static_cast<long long>(t % 1000));
    }
  }
  std::fprintf(f, "# EOF\n");
  return std::fclose(f) == 0;
}
}  // namespace

int RunBackfill(const Target& target, const BackfillOptions& o) {
  const int64_t end = NowMs() / o.interval.count() * o.interval.count();
  const int64_t points_per_series = o.span.count() / o.interval.count();
  if (!o.openmetrics_file.empty() && !WriteOpenMetrics(o, end, points_per_series)) return 1;
  WindowedStream stream(target, o.agent_id, 8);
  const int64_t per_batch = std::max<int64_t>(1, 2000 / o.series);  // points per series per batch
  uint64_t seq = 0;
  const auto t0 = SteadyClock::now();
  for (int64_t first = 0; first < points_per_series; first += per_batch) {
    AgentMessage msg;
    for (int s = 0; s < o.series; ++s) {
      v1::Series* series = AddSeries(msg.mutable_batch(), o.metric);
      AddLabel(series, "host", BackfillHost(o, s));
      AddLabel(series, "series", std::to_string(s));
      for (int64_t k = first; k < std::min(points_per_series, first + per_batch); ++k) {
        auto* p = series->add_points();
        p->set_timestamp_ms(end - (points_per_series - k) * o.interval.count());
        p->set_value(BackfillValue(o, s, k));
      }
    }
    if (!stream.Send(msg, ++seq)) break;
  }
  const grpc::Status status = stream.Finish();
  AckTally tally = stream.tally();
  std::printf("backfill_seconds=%.1f\n",
              std::chrono::duration<double>(SteadyClock::now() - t0).count());
  tally.Print("backfill");
  std::printf("backfill_end_ms=%lld\n", static_cast<long long>(end));
  std::printf("backfill_status=%d\n", static_cast<int>(status.error_code()));
  return status.ok() && tally.points_rejected == 0 && tally.batches_rejected == 0 ? 0 : 1;
}

int RunQueryStorm(const Target& target, const QueryStormOptions& o) {
  auto channel = target.Connect(1 << 30);
  auto stub = v1::Query::NewStub(channel);
  std::mutex mu;
  std::map<int, int> by_code;
  std::map<int, std::string> example;
  std::vector<double> ms;
  std::vector<std::thread> threads;
  for (int t = 0; t < o.parallel; ++t) {
    threads.emplace_back([&] {
      for (int r = 0; r < o.rounds; ++r) {
        v1::QueryRangeRequest req;
        req.mutable_selector()->set_metric(o.metric);
        if (!o.series_regex.empty()) {
          auto* m = req.mutable_selector()->add_matchers();
          m->set_name("series");
          m->set_op(v1::Matcher::REGEX_MATCH);
          m->set_value(o.series_regex);
        }
        const int64_t now = NowMs();
        req.set_start_ms(now - o.range.count());
        req.set_end_ms(now);
        req.set_step_ms(o.step_ms);
        req.set_aggregation(v1::AVG);
        req.set_series_limit(o.series_limit);
        grpc::ClientContext ctx;
        target.Prepare(ctx);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
        v1::QueryRangeResponse resp;
        const auto q0 = SteadyClock::now();
        const grpc::Status status = stub->QueryRange(&ctx, req, &resp);
        const double elapsed =
            std::chrono::duration<double, std::milli>(SteadyClock::now() - q0).count();
        std::lock_guard<std::mutex> lock(mu);
        ++by_code[static_cast<int>(status.error_code())];
        example.emplace(static_cast<int>(status.error_code()), status.error_message());
        ms.push_back(elapsed);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& [code, n] : by_code) {
    std::printf("query_status_%d=%d\nquery_message_%d=%s\n", code, n, code, example[code].c_str());
  }
  std::printf("query_p50_ms=%.1f\nquery_max_ms=%.1f\n", Percentile(ms, 0.5), Percentile(ms, 1.0));
  return 0;
}

}  // namespace scout::bench
