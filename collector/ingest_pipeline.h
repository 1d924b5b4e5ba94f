// IngestPipeline: the steps every way into the collector's storage shares,
// the gRPC Ingest stream (ingest_service.h) and remote write in
// (remote_write/remote_write_in.h):
//
//   Prepare: validate point by point (batch_validation.h) -> series limits
//            (ingest_limits.h, series that are valid only) -> count the
//            rejections per agent and reason
//   Submit:  hand what is left to the WriteQueue; `done` runs after the
//            commit, the series limiter's pending count is released first.
//
// The two steps are separate because callers hold their own locks while
// deciding and must submit after releasing them: a stopping WriteQueue runs
// `done` inline. A Prepared with points == 0 has already been released and
// must not be submitted.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/batch_validation.h"
#include "collector/ingest_limits.h"
#include "collector/storage/storage.h"
#include "collector/write_queue.h"
#include "scout/v1/ingest.pb.h"
#include "shared/clock.h"

namespace scout::collector {

// One series of scout_collector_samples_rejected_total{agent, reason}.
struct RejectedCount {
  std::string agent;
  std::string reason;  // lower-case RejectReason name, e.g. "series_limit"
  uint64_t points = 0;
};

class IngestPipeline {
 public:
  // `storage` answers the series limits' questions (HasSeries, Gauges).
  IngestPipeline(WriteQueue& writes, const Storage& storage, const Clock& clock,
                 SeriesLimits series);

  struct Prepared {
    WriteBatch batch;            // what may be written
    uint32_t points = 0;         // in `batch`
    Rejections rejections;       // every reason, SERIES_LIMIT included
    uint32_t series_limited = 0; // of which SERIES_LIMIT
    int64_t new_series = 0;      // for the WriteQueue and Released()
  };
  // Validates `batch` from `agent_id` at `received_ms` and applies the
  // series limits; rejections are counted before it returns.
  Prepared Prepare(const v1::Batch& batch, const std::string& agent_id, int64_t received_ms,
                   const PointLimits& limits, bool bind_host);

  // REQUIRES: prepared.points > 0. `done` runs once, after the commit (or
  // at once with UNAVAILABLE when the queue is stopping).
  void Submit(Prepared prepared, WriteQueue::Done done);

  WriteQueue& writes() { return writes_; }
  const SeriesLimiter& limiter() const { return limiter_; }

  // Points rejected per agent and reason since start. Bounded: at most
  // kMaxRejectedAgents agents are named, the rest are summed as "_other".
  std::vector<RejectedCount> RejectedByAgent() const;
  static constexpr size_t kMaxRejectedAgents = 10'000;

 private:
  void CountRejections(const std::string& agent_id, const Rejections& rejections);

  WriteQueue& writes_;
  SeriesLimiter limiter_;

  mutable absl::Mutex rejected_mu_;
  std::map<std::pair<std::string, int>, uint64_t> rejected_ ABSL_GUARDED_BY(rejected_mu_);
  std::set<std::string> rejected_agents_ ABSL_GUARDED_BY(rejected_mu_);  // named ones
};

}  // namespace scout::collector
