#include "collector/http/http_config.h"

#include "shared/status_macros.h"

namespace scout::collector {
namespace {

absl::Status ReadCount(ConfigMap& map, const std::string& key, int64_t min, int64_t max,
                       unsigned* out) {
  int64_t v = *out;
  SCOUT_RETURN_IF_ERROR(map.Read(key, &v));
  if (v < min || v > max) {
    return map.ErrorAt(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  *out = static_cast<unsigned>(v);
  return absl::OkStatus();
}

absl::Status ReadRateLimit(ConfigMap& http, HttpRateLimitConfig* out) {
  SCOUT_ASSIGN_OR_RETURN(std::optional<ConfigMap> limit, http.Child("rate_limit"));
  if (!limit) return absl::OkStatus();
  SCOUT_RETURN_IF_ERROR(limit->Read("requests_per_second", &out->requests_per_second));
  if (!(out->requests_per_second >= 0 && out->requests_per_second <= 1e6)) {
    return limit->ErrorAt("requests_per_second", "must be between 0 (off) and 1000000");
  }
  SCOUT_RETURN_IF_ERROR(ReadCount(*limit, "burst", 1, 1'000'000, &out->burst));
  SCOUT_RETURN_IF_ERROR(ReadCount(*limit, "max_callers", 1, 10'000'000, &out->max_callers));
  return limit->CheckNoUnknownKeys();
}

}  // namespace

absl::Status ReadHttpConfig(ConfigMap& root, HttpConfig* out) {
  SCOUT_ASSIGN_OR_RETURN(std::optional<ConfigMap> http, root.Child("http"));
  if (!http) return absl::OkStatus();
  SCOUT_RETURN_IF_ERROR(http->Read("listen", &out->listen));
  SCOUT_RETURN_IF_ERROR(ReadCount(*http, "threads", 1, 64, &out->threads));
  SCOUT_RETURN_IF_ERROR(ReadCount(*http, "max_connections", 1, 1'000'000, &out->max_connections));
  SCOUT_RETURN_IF_ERROR(
      ReadCount(*http, "max_connections_per_ip", 0, 1'000'000, &out->max_connections_per_ip));
  SCOUT_RETURN_IF_ERROR(http->ReadDuration("connection_timeout", &out->connection_timeout));
  if (out->connection_timeout < std::chrono::seconds(1)) {
    return http->ErrorAt("connection_timeout", "must be at least 1s");
  }
  unsigned header_bytes = static_cast<unsigned>(out->max_header_bytes);
  SCOUT_RETURN_IF_ERROR(ReadCount(*http, "max_header_bytes", 4096, 16 << 20, &header_bytes));
  out->max_header_bytes = header_bytes;
  SCOUT_RETURN_IF_ERROR(ReadRateLimit(*http, &out->rate_limit));
  return http->CheckNoUnknownKeys();
}

}  // namespace scout::collector
