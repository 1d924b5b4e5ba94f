#include "collector/self_metrics.h"

#include <pthread.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "collector/histogram.h"
#include "shared/logging.h"

namespace scout::collector {

SelfMetrics::SelfMetrics(const IngestService& ingest, WriteQueue& writes,
                         const Storage& storage, const AgentTracker& tracker,
                         const Clock& clock, std::string host, std::chrono::milliseconds interval,
                         const alerting::AlertEngine* engine, const alerting::Notifier* notifier,
                         const auth::Authorizer* authorizer, const QueryGate* queries,
                         ExtraSeries extra)
    : ingest_(ingest), writes_(writes), storage_(storage), tracker_(tracker), clock_(clock),
      host_(std::move(host)), interval_(interval), engine_(engine), notifier_(notifier),
      authorizer_(authorizer), queries_(queries), extra_(std::move(extra)) {}

SelfMetrics::~SelfMetrics() { Stop(); }

void SelfMetrics::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "scout-self");
    Loop();
  });
}

void SelfMetrics::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

std::vector<SeriesPoints> SelfMetrics::Snapshot() const {
  const int64_t now = clock_.NowMs();
  std::vector<SeriesPoints> out;
  auto add = [&](const char* metric, double value, Labels extra = {}) {
    extra.emplace_back("host", host_);
    out.push_back({SeriesKey{metric, MakeLabels(std::move(extra))}, {Point{now, value}}});
  };
  const IngestCounters& c = ingest_.counters();
  const WriteStats w = writes_.stats();
  add("scout_collector_batches_received_total", static_cast<double>(c.batches_received));
  add("scout_collector_batches_acked_total", static_cast<double>(c.batches_acked));
  add("scout_collector_batches_rejected_total", static_cast<double>(c.batches_rejected));
  add("scout_collector_samples_stored_total", static_cast<double>(c.points_stored));
  add("scout_collector_samples_rejected_total", static_cast<double>(c.points_rejected));
  // Per agent and reason; the unlabelled series above is their sum.
  // Bounded by IngestService::kMaxRejectedAgents x reasons.
  for (const RejectedCount& r : ingest_.RejectedByAgent()) {
    add("scout_collector_samples_rejected_total", static_cast<double>(r.points),
        {{"agent", r.agent}, {"reason", r.reason}});
  }
  add("scout_collector_streams_refused_total", static_cast<double>(c.streams_refused));
  add("scout_collector_frames_invalid_total", static_cast<double>(c.frames_invalid));
  add("scout_collector_streams_closed_total", static_cast<double>(c.closed_hello_timeout),
      {{"reason", "hello_timeout"}});
  add("scout_collector_streams_closed_total", static_cast<double>(c.closed_idle),
      {{"reason", "idle"}});
  add("scout_collector_streams_closed_total", static_cast<double>(c.closed_peer_limit),
      {{"reason", "peer_limit"}});
  add("scout_collector_ingest_streams", ingest_.live_streams());
  add("scout_collector_agents_connected", static_cast<double>(tracker_.connected_count()));
  add("scout_collector_commits_total", static_cast<double>(w.commits));
  add("scout_collector_commit_failures_total", static_cast<double>(w.failed_commits));
  add("scout_collector_write_queue_samples", static_cast<double>(writes_.pending_points()));
  add("scout_collector_pending_bytes", static_cast<double>(writes_.pending_bytes()));
  const StorageGauges g = storage_.Gauges();
  add("scout_collector_head_samples", static_cast<double>(g.buffered_points));
  add("scout_collector_series", static_cast<double>(g.series));
  add("scout_collector_series_removed_total", static_cast<double>(g.series_removed));
  // Issue 17's ingestion dashboard: commit latency and size on disk.
  add("scout_storage_size_bytes", static_cast<double>(g.disk_bytes));
  const Labels host = {{"host", host_}};
  for (const auto& [name, histogram] :
       {std::pair{"scout_storage_commit_duration_seconds", &w.commit_seconds},
        std::pair{"scout_storage_commit_batches", &w.commit_batches},
        std::pair{"scout_storage_commit_samples", &w.commit_samples}}) {
    for (SeriesPoints& s : HistogramSeries(name, *histogram, host, now)) out.push_back(std::move(s));
  }
  if (queries_ != nullptr) {
    add("scout_collector_queries_running", queries_->running());
    for (QueryRefusal r : {QueryRefusal::kConcurrency, QueryRefusal::kSamples, QueryRefusal::kDeadline}) {
      add("scout_collector_queries_refused_total", static_cast<double>(queries_->refused(r)),
          {{"reason", QueryRefusalName(r)}});
    }
  }
  for (const auto& [agent, skew_ms] : tracker_.ClockSkews()) {
    add("scout_collector_agent_clock_skew_seconds", static_cast<double>(skew_ms) / 1000.0,
        {{"agent", agent}});
  }
  if (authorizer_ != nullptr) {
    // Bounded: principals come from the config and the tokens file.
    for (const auth::AuthFailureCount& f : authorizer_->Failures()) {
      add("scout_collector_auth_failures_total", static_cast<double>(f.count),
          {{"reason", f.reason}, {"principal", f.principal}});
    }
  }
  if (engine_ != nullptr) {
    const alerting::EngineStats e = engine_->Stats();
    add("scout_collector_rules", static_cast<double>(e.rules));
    add("scout_collector_rules_file_ok", e.rules_file_ok ? 1 : 0);
    add("scout_collector_rule_evaluations_total", static_cast<double>(e.evaluations_total));
    add("scout_collector_rule_evaluation_failures_total", static_cast<double>(e.rule_failures_total));
    add("scout_collector_rule_evaluation_cycle_seconds", e.last_cycle_seconds);
    add("scout_collector_alerts", static_cast<double>(e.pending), {{"state", "pending"}});
    add("scout_collector_alerts", static_cast<double>(e.firing), {{"state", "firing"}});
    add("scout_collector_alerts", static_cast<double>(e.resolved), {{"state", "resolved"}});
    add("scout_collector_alerts_silenced", static_cast<double>(e.silenced));
    for (SeriesPoints& rule : RuleFailureSeries(engine_->Rules(), host_, now)) {
      out.push_back(std::move(rule));
    }
  }
  if (notifier_ != nullptr) {
    for (const alerting::Notifier::ReceiverStats& r : notifier_->Stats()) {
      add("scout_collector_notifications_sent_total", static_cast<double>(r.sent_total), {{"receiver", r.name}});
      add("scout_collector_notification_failures_total", static_cast<double>(r.failed_total), {{"receiver", r.name}});
      add("scout_collector_notifications_dropped_total", static_cast<double>(r.dropped_total), {{"receiver", r.name}});
      add("scout_collector_notification_queue", static_cast<double>(r.queue_length), {{"receiver", r.name}});
      add("scout_collector_receiver_up", r.failing ? 0 : 1, {{"receiver", r.name}});
    }
  }
  if (extra_) {
    for (SeriesPoints& series : extra_(host_, now)) out.push_back(std::move(series));
  }
  return out;
}

std::vector<SeriesPoints> RuleFailureSeries(const std::vector<alerting::RuleStatus>& rules,
                                            const std::string& host, int64_t now_ms) {
  std::vector<SeriesPoints> out;
  out.reserve(rules.size());
  for (const alerting::RuleStatus& r : rules) {
    out.push_back({SeriesKey{"scout_collector_rule_evaluation_failures_total",
                             MakeLabels({{"host", host}, {"rule", r.name}})},
                   {Point{now_ms, static_cast<double>(r.evaluation_failures_total)}}});
  }
  return out;
}

std::string SelfMetrics::CountersLine() const {
  const IngestCounters& c = ingest_.counters();
  const WriteStats w = writes_.stats();
  return absl::StrCat("batches_received=", c.batches_received.load(),
                      " batches_acked=", c.batches_acked.load(),
                      " batches_rejected=", c.batches_rejected.load(),
                      " samples_stored=", c.points_stored.load(),
                      " samples_rejected=", c.points_rejected.load(),
                      " frames_invalid=", c.frames_invalid.load(),
                      " streams_closed_hello_timeout=", c.closed_hello_timeout.load(),
                      " streams_closed_idle=", c.closed_idle.load(),
                      " streams_closed_peer_limit=", c.closed_peer_limit.load(),
                      " commits=", w.commits, " commit_failures=", w.failed_commits);
}

void SelfMetrics::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(interval_))) return;
    }
    WriteBatch batch;
    batch.received_ms = clock_.NowMs();
    batch.series = Snapshot();
    writes_.Submit(std::move(batch), [](const absl::Status& status) {
      if (!status.ok()) spdlog::debug("self metrics not stored: {}", status.message());
    });
  }
}

}  // namespace scout::collector
