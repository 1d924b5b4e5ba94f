#include "collector/alerting/alertmanager_payload.h"

#include "shared/json_string.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "absl/strings/str_cat.h"

namespace scout::collector::alerting {
namespace {

constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";  // Go's time.Time{}

// Length of the valid UTF-8 sequence at s[i], 0 if invalid.

void AppendObject(std::string* out, const Labels& labels) {
  out->push_back('{');
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out->push_back(',');
    absl::StrAppend(out, JsonString(labels[i].first), ":", JsonString(labels[i].second));
  }
  out->push_back('}');
}

// The pairs present, with the same value, in every set.
Labels Common(const std::vector<AlertNotification>& alerts, Labels AlertNotification::*field) {
  if (alerts.empty()) return {};
  Labels common = alerts.front().*field;
  for (const AlertNotification& a : alerts) {
    const Labels& set = a.*field;
    common.erase(std::remove_if(common.begin(), common.end(),
                                [&set](const std::pair<std::string, std::string>& kv) {
                                  return std::find(set.begin(), set.end(), kv) == set.end();
                                }),
                 common.end());
  }
  return common;
}

}  // namespace

std::string FormatRfc3339Ms(int64_t unix_ms) {
  int64_t secs = unix_ms / 1000, ms = unix_ms % 1000;
  if (ms < 0) ms += 1000, secs -= 1;
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}


std::string AlertmanagerPayload(const std::vector<AlertNotification>& alerts) {
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    const AlertNotification& a = alerts[i];
    if (i > 0) out.push_back(',');
    out += "{\"labels\":";
    AppendObject(&out, a.labels);
    out += ",\"annotations\":";
    AppendObject(&out, a.annotations);
    // Zero times are left out: Alertmanager then uses "now" / its resolve_timeout.
    if (a.starts_at_ms != 0) absl::StrAppend(&out, ",\"startsAt\":\"", FormatRfc3339Ms(a.starts_at_ms), "\"");
    if (a.ends_at_ms != 0) absl::StrAppend(&out, ",\"endsAt\":\"", FormatRfc3339Ms(a.ends_at_ms), "\"");
    if (!a.generator_url.empty()) absl::StrAppend(&out, ",\"generatorURL\":", JsonString(a.generator_url));
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

std::string WebhookPayload(const std::string& receiver, const std::string& external_url,
                           const std::vector<AlertNotification>& alerts) {
  const bool firing = std::any_of(alerts.begin(), alerts.end(),
                                  [](const AlertNotification& a) { return !a.resolved; });
  std::string out = absl::StrCat(
      "{\"version\":\"4\",\"groupKey\":\"{}:{}\",\"truncatedAlerts\":0,\"status\":\"",
      firing ? "firing" : "resolved", "\",\"receiver\":", JsonString(receiver),
      ",\"groupLabels\":{},\"commonLabels\":");
  AppendObject(&out, Common(alerts, &AlertNotification::labels));
  out += ",\"commonAnnotations\":";
  AppendObject(&out, Common(alerts, &AlertNotification::annotations));
  absl::StrAppend(&out, ",\"externalURL\":", JsonString(external_url), ",\"alerts\":[");
  for (size_t i = 0; i < alerts.size(); ++i) {
    const AlertNotification& a = alerts[i];
    if (i > 0) out.push_back(',');
    absl::StrAppend(&out, "{\"status\":\"", a.resolved ? "resolved" : "firing", "\",\"labels\":");
    AppendObject(&out, a.labels);
    out += ",\"annotations\":";
    AppendObject(&out, a.annotations);
    absl::StrAppend(
        &out, ",\"startsAt\":\"", a.starts_at_ms != 0 ? FormatRfc3339Ms(a.starts_at_ms) : kZeroTime,
        "\",\"endsAt\":\"", a.resolved ? FormatRfc3339Ms(a.ends_at_ms) : kZeroTime,
        "\",\"generatorURL\":", JsonString(a.generator_url), ",\"fingerprint\":",
        JsonString(a.fingerprint), "}");
  }
  out += "]}";
  return out;
}

}  // namespace scout::collector::alerting
