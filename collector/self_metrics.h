// SelfMetrics: the collector's own health, stored like any agent's data so
// `sctl query scout_collector_...` and later alert rules can use it, and
// logged as one "final counters:" line at shutdown (docs/metrics.md).
//
// Every `interval` it snapshots the counters and submits one batch through
// the WriteQueue (so it is committed like everything else), labelled
// host=<collector host>.
//
// Threads: Start() runs "scout-self"; Stop() joins it.
#pragma once

#include "collector/alerting/alert_engine.h"
#include "collector/alerting/notifier.h"

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/agent_tracker.h"
#include "collector/auth/authorizer.h"
#include "collector/ingest_service.h"
#include "collector/query_limits.h"
#include "collector/storage/storage.h"
#include "collector/write_queue.h"
#include "shared/clock.h"

namespace scout::collector {

// scout_collector_rule_evaluation_failures_total{host, rule} for every rule
// of the rules file, also at 0: a series that exists before the first
// failure lets increase() (rule ScoutRuleFailing) see that failure. Bounded
// by the rules file.
std::vector<SeriesPoints> RuleFailureSeries(const std::vector<alerting::RuleStatus>& rules,
                                            const std::string& host, int64_t now_ms);

class SelfMetrics {
 public:
  // Series of parts this library does not link (the Reports service), added
  // to every snapshot; called on the scout-self thread with host and now.
  using ExtraSeries = std::function<std::vector<SeriesPoints>(const std::string& host, int64_t now_ms)>;

  SelfMetrics(const IngestService& ingest, WriteQueue& writes, const Storage& storage,
              const AgentTracker& tracker, const Clock& clock, std::string host,
              std::chrono::milliseconds interval,
              const alerting::AlertEngine* engine = nullptr,  // null: alerting off
              const alerting::Notifier* notifier = nullptr,
              const auth::Authorizer* authorizer = nullptr,
              const QueryGate* queries = nullptr,
              ExtraSeries extra = nullptr);
  ~SelfMetrics();

  void Start();
  void Stop();

  // The current values, as stored.
  std::vector<SeriesPoints> Snapshot() const;
  // "batches_received=.. batches_acked=.. ..." for the shutdown log line.
  std::string CountersLine() const;

 private:
  void Loop();

  const IngestService& ingest_;
  WriteQueue& writes_;
  const Storage& storage_;
  const AgentTracker& tracker_;
  const Clock& clock_;
  const std::string host_;
  const std::chrono::milliseconds interval_;
  const alerting::AlertEngine* engine_;
  const alerting::Notifier* notifier_;
  const auth::Authorizer* authorizer_;
  const QueryGate* queries_;
  const ExtraSeries extra_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace scout::collector
