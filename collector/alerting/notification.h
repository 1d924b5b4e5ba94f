// One alert as sent to a receiver (Alertmanager v2 API, generic webhook).
#pragma once

#include <cstdint>
#include <string>

#include "shared/metric.h"

namespace scout::collector::alerting {

struct AlertNotification {
  Labels labels;        // includes alertname and the rule's labels (severity, team)
  Labels annotations;   // templated summary, description, ...
  int64_t starts_at_ms = 0;  // when the alert started firing
  // Firing: now + a few evaluation intervals (refreshed on every re-send,
  // so Alertmanager resolves it by itself if we stop sending).
  // Resolved: the time it resolved.
  int64_t ends_at_ms = 0;
  bool resolved = false;
  std::string fingerprint;    // stable id of (rule, labels), hex
  std::string generator_url;  // where to look (may be empty)
};

}  // namespace scout::collector::alerting
