// collector/prom_api's pure parts on literal input: Prometheus's time,
// duration, step and match[] parameters, and the JSON encodings.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "collector/prom_api/api_json.h"
#include "collector/prom_api/api_params.h"

namespace scout::collector::prom_api {
namespace {

TEST(PromApiParams, TimesAsFloatSecondsAndRfc3339) {
  EXPECT_EQ(*ParseTimeMs("1435781451.781"), 1435781451781);
  EXPECT_EQ(*ParseTimeMs("1435781451"), 1435781451000);
  EXPECT_EQ(*ParseTimeMs("1e9"), 1'000'000'000'000);
  EXPECT_EQ(*ParseTimeMs("0.0005"), 1);  // rounded to ms, as Prometheus
  EXPECT_EQ(*ParseTimeMs("-1.5"), -1500);
  EXPECT_EQ(*ParseTimeMs("2015-07-01T20:10:51.781Z"), 1435781451781);
  EXPECT_EQ(*ParseTimeMs("2015-07-01T20:10:51Z"), 1435781451000);
  EXPECT_EQ(*ParseTimeMs("2015-07-01T22:10:51.781+02:00"), 1435781451781);
  EXPECT_EQ(*ParseTimeMs("2015-07-01T20:10:51.781999999Z"), 1435781451781);
  for (const char* bad : {"", "abc", "2015-07-01", "1435781451x", "NaN", "Inf", " 1"}) {
    absl::StatusOr<int64_t> t = ParseTimeMs(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().message(),
              std::string("cannot parse \"") + bad + "\" to a valid timestamp");
  }
}

TEST(PromApiParams, DurationsAsSecondsOrPrometheusDurations) {
  EXPECT_EQ(*ParseDurationMs("15"), 15000);
  EXPECT_EQ(*ParseDurationMs("0.5"), 500);
  EXPECT_EQ(*ParseDurationMs("1m30s"), 90000);
  EXPECT_EQ(*ParseDurationMs("5m"), 300000);
  EXPECT_EQ(*ParseDurationMs("250ms"), 250);
  EXPECT_EQ(*ParseDurationMs("1h1m1s1ms"), 3661001);
  EXPECT_EQ(*ParseDurationMs("2d"), 2 * 86400000LL);
  EXPECT_EQ(*ParseDurationMs("1w"), 7 * 86400000LL);
  EXPECT_EQ(*ParseDurationMs("1y"), 365 * 86400000LL);
  for (const char* bad : {"", "1s1m", "1m1m", "5x", "m", "-1", "1.5m"}) {
    absl::StatusOr<int64_t> d = ParseDurationMs(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().message(),
              std::string("cannot parse \"") + bad + "\" to a valid duration");
  }
}

TEST(PromApiParams, RangeValidation) {
  absl::StatusOr<RangeParams> ok = ParseRangeParams("100", "200", "10s");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->start_ms, 100000);
  EXPECT_EQ(ok->end_ms, 200000);
  EXPECT_EQ(ok->step_ms, 10000);

  EXPECT_EQ(ParseRangeParams("x", "200", "10").status().message(),
            "invalid parameter \"start\": cannot parse \"x\" to a valid timestamp");
  EXPECT_EQ(ParseRangeParams("100", std::nullopt, "10").status().message(),
            "invalid parameter \"end\": cannot parse \"\" to a valid timestamp");
  EXPECT_EQ(ParseRangeParams("200", "100", "10").status().message(),
            "invalid parameter \"end\": end timestamp must not be before start time");
  EXPECT_EQ(ParseRangeParams("100", "200", "x").status().message(),
            "invalid parameter \"step\": cannot parse \"x\" to a valid duration");
  EXPECT_EQ(ParseRangeParams("100", "200", "0").status().message(),
            "zero or negative query resolution step widths are not accepted. Try a positive "
            "integer");
  // 11,000 points per series is the cap: (end - start) / step > 11000 refused.
  EXPECT_TRUE(ParseRangeParams("0", "11000", "1").ok());
  EXPECT_EQ(ParseRangeParams("0", "11001", "1").status().message(),
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
            "query resolution (?step=XX)");
}

TEST(PromApiParams, LimitAndMatchers) {
  EXPECT_EQ(*ParseLimit(std::nullopt), 0u);
  EXPECT_EQ(*ParseLimit("25"), 25u);
  EXPECT_EQ(ParseLimit("-1").status().message(),
            "invalid parameter \"limit\": cannot parse \"-1\" to a valid limit");

  absl::StatusOr<std::vector<CompiledSelector>> sels =
      ParseMatchers({"up", "node_load1{host=\"a\"}", "{__name__=~\"node_.*\"}"});
  ASSERT_TRUE(sels.ok()) << sels.status();
  ASSERT_EQ(sels->size(), 3u);
  EXPECT_TRUE((*sels)[1].Matches({"node_load1", {{"host", "a"}}}));
  EXPECT_FALSE((*sels)[1].Matches({"node_load1", {{"host", "b"}}}));
  EXPECT_TRUE((*sels)[2].Matches({"node_load5", {}}));

  for (const char* everything : {"{}", "{host=~\".*\"}", "{host=\"\"}", "{host!=\"x\"}"}) {
    absl::StatusOr<std::vector<CompiledSelector>> s = ParseMatchers({everything});
    ASSERT_FALSE(s.ok()) << everything;
    EXPECT_EQ(s.status().message(),
              "invalid parameter \"match[]\": match[] must contain at least one non-empty "
              "matcher");
  }
  EXPECT_EQ(ParseMatchers(std::vector<std::string>(kMaxMatchers + 1, "up")).status().message(),
            "invalid parameter \"match[]\": more than 256 selectors");
  absl::StatusOr<std::vector<CompiledSelector>> bad = ParseMatchers({"up{"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("invalid parameter \"match[]\": ", 0), 0u);
}

TEST(PromApiJson, ValuesFormattedLikeGo) {
  // strconv.FormatFloat(v, 'f', -1, 64)
  EXPECT_EQ(FormatValue(1e-7), "0.0000001");
  EXPECT_EQ(FormatValue(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatValue(1), "1");
  EXPECT_EQ(FormatValue(-2.5), "-2.5");
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(123456789.125), "123456789.125");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatValue(5e-324), std::string("0.") + std::string(323, '0') + "5");
  // 'e' (alert values): strconv.FormatFloat(v, 'e', -1, 64)
  EXPECT_EQ(FormatValueExp(1), "1e+00");
  EXPECT_EQ(FormatValueExp(1234.5), "1.2345e+03");
  EXPECT_EQ(FormatValueExp(2.5e-7), "2.5e-07");
}

TEST(PromApiJson, TimestampsAndSamples) {
  EXPECT_EQ(TimestampJson(1435781451781).dump(), "1435781451.781");
  EXPECT_EQ(TimestampJson(1435781451000).dump(), "1435781451");
  EXPECT_EQ(TimestampJson(1435781451500).dump(), "1435781451.5");
  EXPECT_EQ(SampleJson(1000, 0.5).dump(), "[1,\"0.5\"]");
  EXPECT_EQ(FormatRfc3339(1435781451781), "2015-07-01T20:10:51.781Z");
  EXPECT_EQ(FormatRfc3339(1435781451000), "2015-07-01T20:10:51Z");
  EXPECT_EQ(FormatRfc3339(0), "0001-01-01T00:00:00Z");
  EXPECT_EQ(MetricJson("up", {{"job", "x"}}).dump(), R"({"__name__":"up","job":"x"})");
}

// The streamed form of a sample is the DOM's, whatever the value's size.
TEST(PromApiJson, AppendedSamplesEqualTheDomForm) {
  const std::vector<double> values = {0.5, -2, 1e-300, -1e308, 1e21, 123456789.125, 0,
                                      std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::denorm_min()};
  for (int64_t ms : {int64_t{1435781451781}, int64_t{1000}, int64_t{-1500}, int64_t{0}}) {
    for (double v : values) {
      std::string out = "x";
      AppendSampleJson(ms, v, &out);
      EXPECT_EQ(out, "x" + SampleJson(ms, v).dump()) << ms << " " << v;
    }
  }
}

// Prometheus's key order: resultType before result.
TEST(PromApiJson, QueryAnswerKeyOrder) {
  std::string body = BeginQueryAnswer("vector");
  body += "[]";
  http::Response r = EndQueryAnswer(std::move(body));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  EXPECT_NO_THROW((void)nlohmann::json::parse(r.body));
}

TEST(PromApiJson, EnvelopeAndErrors) {
  http::Response ok = SuccessResponse(nlohmann::json::array({"a"}));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "application/json");
  EXPECT_EQ(ok.body, R"({"status":"success","data":["a"]})");
  http::Response warned = SuccessResponse(nlohmann::json::array(), {"truncated"});
  EXPECT_EQ(warned.body, R"({"status":"success","data":[],"warnings":["truncated"]})");
  EXPECT_EQ(ErrorResponse(ErrorType::kBadData, "a \"b\"").body,
            R"({"status":"error","errorType":"bad_data","error":"a \"b\""})");

  struct Case {
    ErrorType type;
    int status;
    const char* name;
  };
  for (const Case& c : {Case{ErrorType::kBadData, 400, "bad_data"},
                        Case{ErrorType::kExecution, 422, "execution"},
                        Case{ErrorType::kTimeout, 503, "timeout"},
                        Case{ErrorType::kCanceled, 499, "canceled"},
                        Case{ErrorType::kInternal, 500, "internal"},
                        Case{ErrorType::kUnavailable, 503, "unavailable"}}) {
    http::Response r = ErrorResponse(c.type, "why");
    EXPECT_EQ(r.status, c.status) << c.name;
    nlohmann::json body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["status"], "error");
    EXPECT_EQ(body["errorType"], c.name);
    EXPECT_EQ(body["error"], "why");
  }
  EXPECT_EQ(ErrorResponse(absl::InvalidArgumentError("x")).status, 400);
  EXPECT_EQ(ErrorResponse(absl::ResourceExhaustedError("x")).status, 422);
  EXPECT_EQ(ErrorResponse(absl::DeadlineExceededError("x")).status, 503);
  EXPECT_EQ(ErrorResponse(absl::InternalError("x")).status, 500);
}

}  // namespace
}  // namespace scout::collector::prom_api
