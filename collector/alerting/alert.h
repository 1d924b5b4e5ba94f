// Alerts and silences as the engine keeps them and the store persists them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared/metric.h"

namespace scout::collector::alerting {

// inactive → pending → firing → resolved. Inactive alerts are not kept; a
// resolved one is kept (and re-sent) for a while so receivers learn of it.
enum class AlertState { kPending, kFiring, kResolved };
const char* AlertStateName(AlertState s);  // "pending", "firing", "resolved"
bool ParseAlertState(const std::string& name, AlertState* out);

struct Alert {
  std::string fingerprint;  // AlertFingerprint(rule, labels)
  std::string rule;
  Labels labels;       // series labels + rule labels + alertname, sorted
  Labels annotations;  // templated at the last evaluation
  AlertState state = AlertState::kPending;
  int64_t active_since_ms = 0;  // first evaluation that matched (the `for` timer)
  int64_t fired_ms = 0;         // 0 while pending
  int64_t resolved_ms = 0;      // 0 unless resolved
  double value = 0;             // at the last evaluation that matched
  int64_t last_sent_ms = 0;     // 0 = never sent
};

// One state transition, for the history table.
struct AlertTransition {
  int64_t at_ms = 0;
  std::string fingerprint, rule;
  Labels labels;
  std::string from, to;  // "inactive", "pending", "firing", "resolved"
  double value = 0;
};

// Silence changes are kept in the alert history too (the audit trail,
// docs/security.md): rule kSilenceHistoryRule, fingerprint = the silence
// id, labels {matchers, principal}, "none" -> "active" when added and
// "active" -> "expired" when expired early.
inline constexpr char kSilenceHistoryRule[] = "(silence)";
struct Silence;
AlertTransition SilenceTransition(const Silence& silence, const std::string& principal,
                                  bool added, int64_t at_ms);

// Stable hex id of (rule, labels); labels must be sorted.
std::string AlertFingerprint(const std::string& rule, const Labels& labels);

struct Silence {
  std::string id;
  std::string matchers;  // selector text without a metric name: {host="db-1",severity=~"warn.*"}
  int64_t starts_ms = 0, ends_ms = 0;
  std::string comment, created_by;
  int64_t created_ms = 0;
  bool ActiveAt(int64_t now_ms) const { return starts_ms <= now_ms && now_ms < ends_ms; }
};

}  // namespace scout::collector::alerting
