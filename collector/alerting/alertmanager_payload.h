// Alertmanager's JSON formats, as pure functions: the body of its v2 API's
// POST /api/v2/alerts and the payload its webhook receiver sends (which the
// notifier's generic webhook reproduces). Deterministic output (key order as
// written here, labels in their given order), so tests compare strings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/alerting/notification.h"
#include "shared/json_string.h"

namespace scout::collector::alerting {

// UTC, RFC 3339 with milliseconds: "2024-05-01T12:00:00.000Z".
std::string FormatRfc3339Ms(int64_t unix_ms);

// JSON string literals: shared/json_string.h.
using ::scout::JsonString;

// Body of POST /api/v2/alerts: [{labels, annotations, startsAt, endsAt,
// generatorURL}, ...].
std::string AlertmanagerPayload(const std::vector<AlertNotification>& alerts);

// Alertmanager's webhook payload (version 4). Firing alerts carry endsAt
// "0001-01-01T00:00:00Z" as Alertmanager's own webhooks do.
std::string WebhookPayload(const std::string& receiver, const std::string& external_url,
                           const std::vector<AlertNotification>& alerts);

}  // namespace scout::collector::alerting
