#include "bench/remote_write_load.h"

#include <pthread.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/remote_write/http_poster.h"
#include "collector/remote_write/remote_write_codec.h"

namespace scout::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace rw = scout::collector::remote_write;

struct SenderResult {
  uint64_t accepted_samples = 0;
  uint64_t requests = 0;
  std::map<int, uint64_t> errors;  // by HTTP status; 0 = transport
  std::string first_error;
  std::vector<double> latency_ms;
};

// The sender's series, labels sorted by name as remote write requires:
// __name__ < host < series. Samples are patched per request.
prometheus::WriteRequest MakeTemplate(const std::string& host, int series, int points) {
  prometheus::WriteRequest request;
  for (int s = 0; s < series; ++s) {
    prometheus::TimeSeries* ts = request.add_timeseries();
    auto add = [ts](const std::string& name, const std::string& value) {
      prometheus::Label* l = ts->add_labels();
      l->set_name(name);
      l->set_value(value);
    };
    add("__name__", "bench_metric_" + std::to_string(s % 20));
    add("host", host);
    add("series", std::to_string(s));
    for (int p = 0; p < points; ++p) ts->add_samples();
  }
  return request;
}

// Request `seq` (from 1) carries points (seq-1)*P+1 .. seq*P of each series,
// 10 s apart from base_ts; with P = 1 the timestamps of `ingest`.
void PatchSamples(prometheus::WriteRequest& request, uint64_t seq, int points, int64_t base_ts) {
  for (prometheus::TimeSeries& ts : *request.mutable_timeseries()) {
    for (int p = 0; p < points; ++p) {
      prometheus::Sample* sample = ts.mutable_samples(p);
      const int64_t n = static_cast<int64_t>(seq - 1) * points + p + 1;
      sample->set_timestamp(base_ts + n * 10'000);
      sample->set_value(static_cast<double>(seq));
    }
  }
}

void RunSender(const rw::RemoteWriteTarget* http, const RemoteWriteLoadOptions* options,
               int index, Clock::time_point stop_at, int64_t base_ts, SenderResult* result) {
  const std::string name = "scout-rwb-" + std::to_string(index);
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  rw::HttpPoster poster(*http);
  prometheus::WriteRequest request =
      MakeTemplate("bench-agent-" + std::to_string(index), options->series, options->points);
  const uint64_t samples_per_request =
      static_cast<uint64_t>(options->series) * static_cast<uint64_t>(options->points);
  for (uint64_t seq = 1;; ++seq) {
    if (options->requests > 0 ? seq > static_cast<uint64_t>(options->requests)
                              : Clock::now() >= stop_at) {
      break;
    }
    PatchSamples(request, seq, options->points, base_ts);
    const std::string body = rw::EncodeWriteRequest(request);
    const auto t0 = Clock::now();
    const rw::PostResult answer = poster.Post(body);
    result->latency_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ++result->requests;
    if (answer.http_status >= 200 && answer.http_status < 300) {
      result->accepted_samples += samples_per_request;
      continue;
    }
    ++result->errors[answer.http_status];
    if (result->first_error.empty()) {
      result->first_error = absl::StrCat("HTTP ", answer.http_status, ": ", answer.error);
    }
    std::this_thread::sleep_for(options->error_backoff);
  }
}

// The HttpPoster's view of the flags. The token is passed as a literal
// secret reference, so text that ResolveSecretRef would expand is refused.
absl::StatusOr<rw::RemoteWriteTarget> HttpTarget(const Target& target,
                                                 const RemoteWriteLoadOptions& options) {
  rw::RemoteWriteTarget http;
  http.name = "bench";
  http.url = options.url;
  http.timeout = options.timeout;
  const bool https = absl::StartsWithIgnoreCase(options.url, "https://");
  if (target.security.tls && !https) {
    return absl::InvalidArgumentError("--ca/--cert/--key need an https:// --url");
  }
  if (!target.security.server_name.empty()) {
    return absl::InvalidArgumentError(
        "--server-name is not used by remote-write: put the certificate's name in --url");
  }
  http.tls = {target.security.ca_file, target.security.cert_file, target.security.key_file};
  if (absl::StrContains(target.token, "${") || absl::StartsWith(target.token, "@file:")) {
    return absl::InvalidArgumentError("the token holds \"${\" or starts with \"@file:\"");
  }
  http.bearer_token_ref = target.token;
  return http;
}

void Report(const RemoteWriteLoadOptions& options, const std::vector<SenderResult>& results,
            double seconds, double client_cpu) {
  uint64_t samples = 0, requests = 0, failed = 0;
  std::map<int, uint64_t> errors;
  std::vector<double> latency;
  std::string first_error;
  for (const SenderResult& r : results) {
    samples += r.accepted_samples;
    requests += r.requests;
    for (const auto& [status, n] : r.errors) {
      errors[status] += n;
      failed += n;
    }
    if (first_error.empty()) first_error = r.first_error;
    latency.insert(latency.end(), r.latency_ms.begin(), r.latency_ms.end());
  }
  std::printf("senders=%d series/request=%d points/series=%d duration=%.1fs\n", options.senders,
              options.series, options.points, seconds);
  std::string by_status;
  for (const auto& [status, n] : errors) absl::StrAppend(&by_status, " ", status, ":", n);
  std::printf("accepted samples: %llu  requests: %llu  failed requests: %llu%s\n",
              static_cast<unsigned long long>(samples), static_cast<unsigned long long>(requests),
              static_cast<unsigned long long>(failed),
              by_status.empty() ? "" : (" (by status" + by_status + ")").c_str());
  if (!first_error.empty()) std::fprintf(stderr, "first error: %s\n", first_error.c_str());
  std::printf("throughput: %.0f samples/s answered 2xx (Scout: after commit)\n",
              static_cast<double>(samples) / seconds);
  std::printf("request latency: p50 %.1f ms  p99 %.1f ms  max %.1f ms (%zu requests)\n",
              Percentile(latency, 0.5), Percentile(latency, 0.99), Percentile(latency, 1.0),
              latency.size());
  size_t fewest = SIZE_MAX, most = 0;  // a starved sender shows here, not in the totals
  for (const SenderResult& r : results) {
    fewest = std::min(fewest, static_cast<size_t>(r.requests));
    most = std::max(most, static_cast<size_t>(r.requests));
  }
  std::printf("requests per sender: min %zu  max %zu\n", results.empty() ? 0 : fewest, most);
  std::printf("client CPU: %.2f s\n", client_cpu);
}

}  // namespace

absl::StatusOr<std::string> RemoteWriteAddress(const std::string& url) {
  std::string rest, port;
  if (absl::StartsWithIgnoreCase(url, "http://")) {
    rest = url.substr(7);
    port = "80";
  } else if (absl::StartsWithIgnoreCase(url, "https://")) {
    rest = url.substr(8);
    port = "443";
  } else {
    return absl::InvalidArgumentError("--url must start with http:// or https://");
  }
  const std::string authority = rest.substr(0, rest.find('/'));
  if (authority.empty()) return absl::InvalidArgumentError("--url has no host");
  const size_t colon = authority.rfind(':');
  const bool has_port = colon != std::string::npos && authority.find(']', colon) == std::string::npos;
  if (has_port) return authority;
  return absl::StrCat(authority, ":", port);
}

int RunRemoteWriteLoad(const Target& target, const RemoteWriteLoadOptions& options) {
  absl::StatusOr<rw::RemoteWriteTarget> http = HttpTarget(target, options);
  if (!http.ok()) {
    std::fprintf(stderr, "scout-bench: %s\n", std::string(http.status().message()).c_str());
    return 2;
  }
  const int64_t base_ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          options.backdate.count();
  const double cpu0 = ProcessCpuSeconds();
  const auto start = Clock::now();
  std::vector<SenderResult> results(static_cast<size_t>(options.senders));
  std::vector<std::thread> threads;
  for (int i = 0; i < options.senders; ++i) {
    threads.emplace_back(RunSender, &*http, &options, i, start + options.duration, base_ts,
                         &results[static_cast<size_t>(i)]);
  }
  for (std::thread& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Report(options, results, seconds, ProcessCpuSeconds() - cpu0);
  uint64_t accepted = 0, failed = 0;
  for (const SenderResult& r : results) {
    accepted += r.accepted_samples;
    for (const auto& [status, n] : r.errors) failed += n;
  }
  return failed == 0 && accepted > 0 ? 0 : 1;
}

}  // namespace scout::bench
