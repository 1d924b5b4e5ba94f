#include "collector/alerting/alert.h"

#include <cstdio>

namespace scout::collector::alerting {

const char* AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
    case AlertState::kResolved: return "resolved";
  }
  return "?";
}

bool ParseAlertState(const std::string& name, AlertState* out) {
  for (AlertState s : {AlertState::kPending, AlertState::kFiring, AlertState::kResolved}) {
    if (name == AlertStateName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

AlertTransition SilenceTransition(const Silence& silence, const std::string& principal,
                                  bool added, int64_t at_ms) {
  AlertTransition t;
  t.at_ms = at_ms;
  t.fingerprint = silence.id;
  t.rule = kSilenceHistoryRule;
  t.labels = MakeLabels({{"matchers", silence.matchers}, {"principal", principal}});
  t.from = added ? "none" : "active";
  t.to = added ? "active" : "expired";
  return t;
}

std::string AlertFingerprint(const std::string& rule, const Labels& labels) {
  // FNV-1a 64 over rule NUL name NUL value NUL ...: stable across builds and
  // platforms (std::hash is not), which persisted ids need.
  uint64_t h = 1469598103934665603ULL;
  const auto add = [&h](const std::string& s) {
    for (const unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0;
    h *= 1099511628211ULL;
  };
  add(rule);
  for (const auto& [name, value] : labels) {
    add(name);
    add(value);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace scout::collector::alerting
