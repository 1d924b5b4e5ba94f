// MetadataSender: remote write 1.0 metric metadata for one target, sent the
// way Prometheus does (metadata_config): a full round of every known
// metric's type, help and unit in requests of their own (no samples), at
// most `metadata.max_samples_per_send` entries each, every
// `metadata.send_interval`. The first round goes out at start.
//
// Source: by default the metric catalog (docs/metrics.md), the same table
// /api/v1/metadata answers from. Metadata is not filtered by the target's
// keep/drop selectors (those select series; Prometheus does not relabel
// metadata either): a receiver ignores metadata of metrics it has no
// samples of.
//
// Failures: 5xx, 429 and transport errors are retried with the same body
// after the target's backoff (min_backoff doubling to max_backoff; a
// Retry-After in seconds honoured), until the next round is due; the
// entries not delivered by then are dropped and counted — the next round
// carries the same metadata anyway. Other 4xx drop the request's entries at
// once. Samples never wait for metadata: the sender has its own thread
// ("scout-rwmeta-<n>") and its own connection.
//
// Thread safety: Stats() from any thread; Start/Stop from the owner.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/remote_write/http_poster.h"
#include "collector/remote_write/remote_write_config.h"
#include "prometheus/remote.pb.h"

namespace scout::collector::remote_write {

using MetadataSource = std::function<std::vector<prometheus::MetricMetadata>()>;

// Every metric of the catalog (shared/metric_catalog.h), sorted by name.
std::vector<prometheus::MetricMetadata> CatalogMetadata();

struct MetadataStats {
  uint64_t sent = 0;              // entries the receiver accepted (2xx)
  uint64_t dropped = 0;           // entries given up: 4xx, or not delivered within the round
  uint64_t requests = 0;          // requests sent, retries included
  uint64_t requests_failed = 0;   // non-2xx or transport error
  uint64_t requests_retried = 0;  // retried after a 5xx, 429 or transport error
};

class MetadataSender {
 public:
  // `target` must outlive the sender. An empty `source` = CatalogMetadata.
  MetadataSender(const RemoteWriteTarget& target, MetadataSource source);
  ~MetadataSender();  // Stop()s
  MetadataSender(const MetadataSender&) = delete;
  MetadataSender& operator=(const MetadataSender&) = delete;

  void Start();
  // Joins the thread; a request in flight finishes or times out first.
  void Stop();

  MetadataStats Stats() const;

 private:
  void Run();
  // Sends one round until `round_end`; false when stopping.
  bool SendRound(std::chrono::steady_clock::time_point round_end);
  // Sends one body until a 2xx, a 4xx or `round_end`; false when stopping.
  bool SendBody(const std::string& body, uint64_t entries,
                std::chrono::steady_clock::time_point round_end);
  // Sleeps until `until` unless Stop() comes first; false when stopping.
  bool SleepUntil(std::chrono::steady_clock::time_point until);

  const RemoteWriteTarget& target_;
  const MetadataSource source_;
  HttpPoster poster_;  // the sender thread only
  std::thread thread_;
  bool failing_ = false;  // the sender thread only; logs once per outage

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::atomic<uint64_t> sent_{0}, dropped_{0}, requests_{0}, requests_failed_{0},
      requests_retried_{0};
};

}  // namespace scout::collector::remote_write
