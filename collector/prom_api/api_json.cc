#include "collector/prom_api/api_json.h"

#include <charconv>
#include <cmath>

#include "absl/time/time.h"

namespace scout::collector::prom_api {

const char* ErrorTypeName(ErrorType type) {
  switch (type) {
    case ErrorType::kBadData: return "bad_data";
    case ErrorType::kExecution: return "execution";
    case ErrorType::kTimeout: return "timeout";
    case ErrorType::kCanceled: return "canceled";
    case ErrorType::kInternal: return "internal";
    case ErrorType::kUnavailable: return "unavailable";
    case ErrorType::kNotFound: return "not_found";
  }
  return "internal";
}

int ErrorHttpStatus(ErrorType type) {
  switch (type) {
    case ErrorType::kBadData: return 400;
    case ErrorType::kExecution: return 422;
    case ErrorType::kTimeout: return 503;
    case ErrorType::kCanceled: return 499;  // Prometheus: "client closed connection"
    case ErrorType::kInternal: return 500;
    case ErrorType::kUnavailable: return 503;
    case ErrorType::kNotFound: return 404;
  }
  return 500;
}

ErrorType ErrorTypeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange: return ErrorType::kBadData;
    case absl::StatusCode::kResourceExhausted: return ErrorType::kExecution;
    case absl::StatusCode::kDeadlineExceeded: return ErrorType::kTimeout;
    case absl::StatusCode::kCancelled: return ErrorType::kCanceled;
    case absl::StatusCode::kUnavailable: return ErrorType::kUnavailable;
    case absl::StatusCode::kNotFound: return ErrorType::kNotFound;
    default: return ErrorType::kInternal;
  }
}

void AppendValue(double v, std::string* out) {
  if (std::isnan(v)) {
    *out += "NaN";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else {
    // The shortest digits that read back as v, in fixed notation: exactly
    // what Go's 'f' with precision -1 prints. 1e308 needs 309 digits.
    char buf[400];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
    if (ec != std::errc()) {
      *out += "NaN";  // cannot happen with this buffer
    } else {
      out->append(buf, end);
    }
  }
}

std::string FormatValue(double v) {
  std::string out;
  AppendValue(v, &out);
  return out;
}

std::string FormatValueExp(double v) {
  if (std::isnan(v) || std::isinf(v)) return FormatValue(v);
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

std::string FormatRfc3339(int64_t ms) {
  if (ms == 0) return "0001-01-01T00:00:00Z";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

nlohmann::json TimestampJson(int64_t ms) {
  if (ms % 1000 == 0) return ms / 1000;
  return static_cast<double>(ms) / 1000.0;
}

nlohmann::json SampleJson(int64_t ms, double value) {
  return nlohmann::json::array({TimestampJson(ms), FormatValue(value)});
}

void AppendSampleJson(int64_t ms, double value, std::string* out) {
  // Written into one buffer and appended once: range answers hold
  // hundreds of thousands of samples. The timestamp in its shortest form,
  // as nlohmann (and Go) print the double.
  char buf[96];
  char* p = buf;
  *p++ = '[';
  if (ms % 1000 == 0) {
    p = std::to_chars(p, buf + sizeof(buf), ms / 1000).ptr;
  } else {
    p = std::to_chars(p, buf + sizeof(buf), static_cast<double>(ms) / 1000.0).ptr;
  }
  *p++ = ',';
  *p++ = '"';
  // Most values fit the buffer; a tiny one (1e-300) needs 300 digits.
  auto [end, ec] = std::to_chars(p, buf + sizeof(buf), value, std::chars_format::fixed);
  if (std::isfinite(value) && ec == std::errc()) {
    out->append(buf, end);
  } else {
    out->append(buf, p);
    AppendValue(value, out);
  }
  *out += "\"]";
}

nlohmann::json MetricJson(const std::string& metric, const Labels& labels) {
  nlohmann::json out = LabelsJson(labels);
  if (!metric.empty()) out["__name__"] = metric;
  return out;
}

nlohmann::json LabelsJson(const Labels& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : labels) out[name] = value;
  return out;
}

std::string DumpJson(const nlohmann::json& j) {
  // Label values are UTF-8 already (validated at ingest); `replace` keeps
  // one bad byte from turning the whole answer into an exception.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string BeginQueryAnswer(std::string_view result_type) {
  return "{\"status\":\"success\",\"data\":{\"resultType\":" +
         DumpJson(std::string(result_type)) + ",\"result\":";
}

namespace {

// The envelope's keys in Prometheus's order ("status" first), which
// nlohmann's sorted objects would not keep.
http::Response JsonResponse(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

}  // namespace

http::Response SuccessResponse(nlohmann::json data, const std::vector<std::string>& warnings) {
  std::string body = "{\"status\":\"success\",\"data\":" + DumpJson(data);
  if (!warnings.empty()) body += ",\"warnings\":" + DumpJson(warnings);
  body += "}";
  return JsonResponse(200, std::move(body));
}

http::Response EndQueryAnswer(std::string body) {
  body += "}}";
  return JsonResponse(200, std::move(body));
}

http::Response ErrorResponse(ErrorType type, absl::string_view message) {
  std::string body = "{\"status\":\"error\",\"errorType\":" + DumpJson(ErrorTypeName(type)) +
                     ",\"error\":" + DumpJson(std::string(message)) + "}";
  return JsonResponse(ErrorHttpStatus(type), std::move(body));
}

http::Response ErrorResponse(const absl::Status& status) {
  return ErrorResponse(ErrorTypeFor(status), status.message());
}

}  // namespace scout::collector::prom_api
