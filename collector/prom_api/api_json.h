// Prometheus HTTP API answers: the envelope, the error types and the
// result encodings (docs/prometheus.md, "Prometheus HTTP API").
//
//   {"status":"success","data":<data>[,"warnings":[...]]}
//   {"status":"error","errorType":"bad_data","error":"<message>"}
//
// Values are strings formatted like Go's strconv.FormatFloat(v,'f',-1,64)
// ("0.0000001", "1000000000000000000000", "+Inf", "-Inf", "NaN");
// timestamps are JSON numbers in seconds with millisecond precision.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "collector/prom_api/http.h"
#include "nlohmann/json.hpp"
#include "shared/metric.h"

namespace scout::collector::prom_api {

enum class ErrorType { kBadData, kExecution, kTimeout, kCanceled, kInternal, kUnavailable, kNotFound };

// "bad_data", "execution", "timeout", "canceled", "internal", "unavailable", "not_found".
const char* ErrorTypeName(ErrorType type);
// Prometheus's status codes: 400, 422, 503, 499, 500, 503, 404.
int ErrorHttpStatus(ErrorType type);
// The error type of a failed query: InvalidArgument/FailedPrecondition →
// bad_data, ResourceExhausted → execution (a limit of the query itself),
// DeadlineExceeded → timeout, Cancelled → canceled, Unavailable →
// unavailable, NotFound → not_found, anything else → internal.
ErrorType ErrorTypeFor(const absl::Status& status);

// Go's strconv.FormatFloat(v, 'f', -1, 64), and "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);
// Appends FormatValue(v) to *out (no temporary string: range answers
// format hundreds of thousands of values).
void AppendValue(double v, std::string* out);
// Go's strconv.FormatFloat(v, 'e', -1, 64) ("1e+00", "2.5e-07"): the
// alerts' "value" in /api/v1/rules and /api/v1/alerts.
std::string FormatValueExp(double v);
// RFC 3339 in UTC with the fraction's trailing zeros dropped (Go's
// time.RFC3339Nano); 0 → "0001-01-01T00:00:00Z" (Go's zero time).
std::string FormatRfc3339(int64_t ms);
// Seconds as a JSON number: 1435781451.781, or 1435781451 when whole.
nlohmann::json TimestampJson(int64_t ms);
// [<timestamp>, "<value>"]
nlohmann::json SampleJson(int64_t ms, double value);
// Appends SampleJson(ms, value)'s text to *out.
void AppendSampleJson(int64_t ms, double value, std::string* out);
// {"__name__": metric (when not empty), label: value, ...}
nlohmann::json MetricJson(const std::string& metric, const Labels& labels);
nlohmann::json LabelsJson(const Labels& labels);

// `j` as compact JSON text; an invalid UTF-8 byte in a string becomes U+FFFD.
std::string DumpJson(const nlohmann::json& j);
// A query's answer written in place, without building a DOM of every
// point and without copying the result: BeginQueryAnswer("matrix") gives
// the text up to the result, `{"status":"success","data":{"resultType":
// "matrix","result":` (Prometheus's key order, which nlohmann's sorted
// objects would not keep); the caller appends the result's JSON and
// EndQueryAnswer closes it.
std::string BeginQueryAnswer(std::string_view result_type);
http::Response EndQueryAnswer(std::string body);

http::Response SuccessResponse(nlohmann::json data, const std::vector<std::string>& warnings = {});
http::Response ErrorResponse(ErrorType type, absl::string_view message);
http::Response ErrorResponse(const absl::Status& status);

}  // namespace scout::collector::prom_api
