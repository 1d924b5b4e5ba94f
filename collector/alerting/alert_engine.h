// The alert engine: evaluates the rules on a fixed interval, moves each
// alert (one per rule + label set) through pending → firing → resolved,
// persists every state and transition (AlertStore), and hands the alerts
// due for (re)sending to a sender (the Notifier).
//
// Time comes from the injected Clock; tests call EvaluateOnce() with a
// ManualClock instead of Start(). Start() runs evaluations on one engine
// thread; Alerts()/Rules()/Stats() may be called from any thread.
//
// Semantics:
//  * `for`: an alert is pending from the first evaluation that matched and
//    fires on the first evaluation at least `for` later; a miss in between
//    drops it (pending → inactive), so a flapping condition never fires.
//  * A firing alert that stops matching is resolved and re-sent as resolved
//    every resend_interval for resolved_retention, so a restarted
//    Alertmanager still learns of it; if it matches again it is a new alert.
//  * A rule whose evaluation fails keeps its alerts as they are (an error
//    reading data must not resolve anything) and counts the failure.
//  * For startup_grace after Init nothing resolves and absence rules raise
//    nothing: after a collector restart agents are still reconnecting.
//  * Firing alerts are sent when they start firing and every
//    resend_interval, with endsAt = now + 4 × max(resend, evaluation)
//    intervals, so receivers resolve them by themselves if Scout dies.
//  * Silenced alerts (any active silence whose matchers match the labels)
//    keep their state but are not sent.
//  * The rules file is re-read when its modification time or size changed
//    and then stayed the same for one more cycle (a file being written is
//    not read half-way); a broken file keeps the previous rules running and
//    logs the error once.
//    Alerts of a removed rule are resolved.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/alerting/alert.h"
#include "collector/alerting/alert_store.h"
#include "collector/promql/eval.h"
#include "collector/alerting/notification.h"
#include "collector/alerting/rules.h"
#include "collector/promql/series_source.h"
#include "shared/clock.h"

namespace scout::collector::alerting {

struct EngineOptions {
  std::chrono::milliseconds evaluation_interval{15000};
  std::chrono::milliseconds resend_interval{60000};
  std::chrono::milliseconds resolved_retention{15 * 60000};
  // After Init, nothing resolves and absence rules (absent_for) raise
  // nothing for this long: agents are still reconnecting and replaying.
  std::chrono::milliseconds startup_grace{120000};
  promql::EvalOptions eval;
  std::string generator_url;  // e.g. the collector's address, for receivers
};

struct RuleStatus {
  std::string name, expr, where;
  std::chrono::milliseconds for_duration{0};
  Labels labels;
  std::string last_error;  // "" when the last evaluation worked
  // Failed evaluations of this rule since the collector started (kept
  // across reloads while the rule keeps its name): self-metrics write it
  // as scout_collector_rule_evaluation_failures_total{rule="<name>"}, which
  // the default rule ScoutRuleFailing watches.
  uint64_t evaluation_failures_total = 0;
  int64_t last_evaluation_ms = 0;
  double last_duration_seconds = 0;
  int pending = 0, firing = 0;
};

struct AlertView {
  Alert alert;
  bool silenced = false;  // matched by an active silence: kept, not sent
};

struct EngineStats {
  uint64_t evaluations_total = 0;
  uint64_t rule_failures_total = 0;
  uint64_t notifications_queued_total = 0;
  double last_cycle_seconds = 0;
  size_t rules = 0;
  bool rules_file_ok = true;  // the last (re)load succeeded
  std::string rules_file_error;  // why it did not
  int64_t rules_loaded_ms = 0;
  size_t pending = 0, firing = 0, resolved = 0, silenced = 0;
};

class AlertEngine {
 public:
  using Sender = std::function<void(std::vector<AlertNotification>)>;

  AlertEngine(std::string rules_path, promql::SeriesSource& source, AlertStore& store, Sender sender,
              const Clock& clock, EngineOptions options);
  ~AlertEngine();

  // Loads the rules (an error here is fatal: the collector refuses to start
  // with a broken rules file) and the persisted alerts.
  absl::Status Init();
  // Evaluates every evaluation_interval on the engine thread.
  void Start();
  void Stop();

  // One cycle at clock.NowMs(): reload check, every rule, store, send.
  // Not concurrently with itself (the engine thread, or a test, calls it).
  void EvaluateOnce();

  std::vector<AlertView> Alerts() const;  // pending, firing, resolved (being re-sent)
  std::vector<RuleStatus> Rules() const;
  EngineStats Stats() const;

 private:
  struct RuleEntry {
    // Shared with a cycle's evaluation, which runs without mu_; a reload
    // replaces the pointer, never the Rule it points to.
    std::shared_ptr<const Rule> rule;
    RuleStatus status;
  };
  // What one cycle hands from its locked part to the store and the sender.
  struct CycleOutput {
    std::vector<AlertTransition> transitions;
    std::vector<AlertNotification> due;
    std::vector<Alert> to_save;
    std::vector<std::string> to_remove;
    std::map<std::string, bool> saved_keys;  // what this cycle's Save covers
  };

  bool IsSilenced(const Alert& alert) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReloadIfChanged(int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Evaluates `rules` against the source; called without mu_.
  std::vector<absl::StatusOr<promql::EvalResult>> EvaluateRules(
      const std::vector<std::shared_ptr<const Rule>>& rules, int64_t now_ms,
      std::vector<double>* durations) const;
  // Moves every alert by this cycle's results and collects what to save
  // and send.
  CycleOutput ApplyCycle(const std::vector<std::shared_ptr<const Rule>>& rules,
                         const std::vector<absl::StatusOr<promql::EvalResult>>& results,
                         const std::vector<double>& durations, int64_t now_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops resolved alerts past their retention; fills to_save/to_remove.
  void CollectChanges(int64_t now_ms, CycleOutput* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CountStates() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves the rule's alerts according to its evaluation result.
  void ApplyResult(RuleEntry& entry, const absl::StatusOr<promql::EvalResult>& result, int64_t now_ms,
                   std::vector<AlertTransition>& transitions,
                   std::map<std::string, bool>& changed /* by alerts_ key */)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After ApplyResult's matches: counts the rule's pending/firing alerts,
  // drops pending ones that did not match and resolves firing ones.
  void SettleRuleAlerts(RuleEntry& entry, const std::set<std::string>& matched, bool in_grace,
                        int64_t now_ms, std::vector<AlertTransition>& transitions,
                        std::map<std::string, bool>& changed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void LogTransitions(const std::vector<AlertTransition>& transitions);
  void ResolveAlertsOf(const std::string& rule, int64_t now_ms,
                       std::vector<AlertTransition>& transitions,
                       std::map<std::string, bool>& changed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<AlertNotification> DueNotifications(int64_t now_ms,
                                                  std::map<std::string, bool>& changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RefreshSilences(int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();

  const std::string rules_path_;
  promql::SeriesSource& source_;
  AlertStore& store_;
  Sender sender_;
  const Clock& clock_;
  const EngineOptions options_;

  // Held for the bookkeeping of a cycle, not while its rules are evaluated.
  mutable absl::Mutex mu_;
  std::vector<RuleEntry> rules_ ABSL_GUARDED_BY(mu_);
  // by rule NUL fingerprint (Key() in the .cc)
  std::map<std::string, Alert> alerts_ ABSL_GUARDED_BY(mu_);
  // alerts_ keys changed since the last successful Save (false: removed);
  // cleared only when the store took them, so a failed save is retried.
  std::map<std::string, bool> dirty_ ABSL_GUARDED_BY(mu_);
  int64_t grace_until_ms_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::pair<Silence, CompiledSelector>> silences_ ABSL_GUARDED_BY(mu_);
  EngineStats stats_ ABSL_GUARDED_BY(mu_);
  int64_t rules_mtime_ns_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rules_size_ ABSL_GUARDED_BY(mu_) = -1;
  // A change seen last cycle, reloaded if still the same.
  int64_t candidate_mtime_ns_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t candidate_size_ ABSL_GUARDED_BY(mu_) = -1;
  std::string reload_error_ ABSL_GUARDED_BY(mu_);  // logged once per distinct error

  absl::Mutex run_mu_;
  bool stopping_ ABSL_GUARDED_BY(run_mu_) = false;
  std::thread thread_;
};

}  // namespace scout::collector::alerting
