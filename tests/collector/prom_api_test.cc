// The Prometheus HTTP API handlers over a real SqliteStorage in a temp
// dir, called through the routes RegisterPromApi registers
// (PromApiRoutes); the HTTP server itself is not involved here.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "collector/auth/authorizer.h"
#include "collector/prom_api/prom_api.h"
#include "collector/storage/sqlite_alert_store.h"
#include "collector/storage/sqlite_storage.h"
#include "collector/storage_series_source.h"
#include "nlohmann/json.hpp"
#include "tests/common/test_dir.h"

namespace scout::collector {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1'764'200'000'000;  // a whole minute

class PromApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options;
    options.path = dir_.path() / "scout.db";
    auto opened = SqliteStorage::Open(options, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    storage_ = *std::move(opened);
    auto authorizer = auth::Authorizer::Create(std::nullopt, clock_);
    ASSERT_TRUE(authorizer.ok()) << authorizer.status();
    authorizer_ = *std::move(authorizer);
    WriteData();
    Register(QueryLimits{});
  }
  void TearDown() override {
    routes_.clear();  // joins the worker pool before the gate goes
  }

  void Register(QueryLimits limits, const alerting::AlertEngine* engine = nullptr) {
    routes_.clear();  // joins the previous worker pool
    gate_ = std::make_unique<QueryGate>(limits);
    routes_ = PromApiRoutes(PromApiDeps{*storage_, *gate_, limits, *authorizer_, engine, clock_});
  }

  // node_load1{host=a|b}: 0,1,2,... every 10 s for 10 minutes from kT0;
  // http_requests_total{host=a}: a counter rising 10 per 10 s.
  void WriteData() {
    WriteBatch b;
    b.agent_id = "a";
    b.received_ms = kT0;
    for (const char* host : {"a", "b"}) {
      SeriesPoints s{{"node_load1", MakeLabels({{"host", host}})}, {}};
      for (int i = 0; i < 60; ++i) {
        s.points.push_back({kT0 + i * 10'000, i + (host[0] == 'b' ? 100.0 : 0.0)});
      }
      b.series.push_back(std::move(s));
    }
    SeriesPoints c{{"http_requests_total", MakeLabels({{"host", "a"}})}, {}};
    for (int i = 0; i < 60; ++i) c.points.push_back({kT0 + i * 10'000, i * 10.0});
    b.series.push_back(std::move(c));
    ASSERT_TRUE(storage_->Write({&b}).ok());
    clock_.SetMs(kT0 + 600'000);
  }

  const http::Handler* Find(const std::string& method, const std::string& path) const {
    const http::Handler* prefix = nullptr;
    for (const PromApiRoute& r : routes_) {
      if (r.method != method) continue;
      if (!r.prefix && r.path == path) return &r.handler;
      if (r.prefix && path.rfind(r.path, 0) == 0) prefix = &r.handler;
    }
    return prefix;
  }

  http::Response Call(const std::string& method, const std::string& path,
                      std::vector<std::pair<std::string, std::string>> params = {}) {
    const http::Handler* h = Find(method, path);
    if (h == nullptr) {
      ADD_FAILURE() << "no route " << method << " " << path;
      return {};
    }
    http::Request req;
    req.method = method;
    req.path = path;
    req.params = std::move(params);
    req.peer = "ipv4:127.0.0.1:40000";
    auto promise = std::make_shared<std::promise<http::Response>>();
    std::future<http::Response> answer = promise->get_future();
    (*h)(std::move(req), [promise](http::Response r) { promise->set_value(std::move(r)); });
    EXPECT_EQ(answer.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    return answer.get();
  }

  static json Body(const http::Response& r) { return json::parse(r.body); }

  // Asserts an error envelope and returns its message.
  static std::string Error(const http::Response& r, int status, const std::string& type) {
    EXPECT_EQ(r.status, status) << r.body;
    json body = json::parse(r.body);
    EXPECT_EQ(body["status"], "error");
    EXPECT_EQ(body["errorType"], type) << r.body;
    return body.value("error", "");
  }

  ManualClock clock_{kT0};
  scout::testing::TestDir dir_{"scout-prom-api"};
  std::unique_ptr<SqliteStorage> storage_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<QueryGate> gate_;
  std::vector<PromApiRoute> routes_;
};

TEST_F(PromApiTest, RegistersEveryEndpoint) {
  for (const char* method : {"GET", "POST"}) {
    for (const char* path :
         {"/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels"}) {
      EXPECT_NE(Find(method, path), nullptr) << method << " " << path;
    }
  }
  for (const char* path : {"/api/v1/label/host/values", "/api/v1/metadata",
                           "/api/v1/status/buildinfo", "/api/v1/status/runtimeinfo",
                           "/api/v1/status/flags", "/api/v1/rules", "/api/v1/alerts"}) {
    EXPECT_NE(Find("GET", path), nullptr) << path;
  }
}

TEST_F(PromApiTest, InstantQueryVector) {
  const int64_t t = kT0 + 300'000;  // point i = 30
  http::Response r = Call("GET", "/api/v1/query",
                          {{"query", "node_load1"}, {"time", std::to_string(t / 1000) + ".000"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json body = Body(r);
  EXPECT_EQ(body["status"], "success");
  EXPECT_EQ(body["data"]["resultType"], "vector");
  json expected = json::parse(R"([
    {"metric":{"__name__":"node_load1","host":"a"},"value":[1764200300,"30"]},
    {"metric":{"__name__":"node_load1","host":"b"},"value":[1764200300,"130"]}])");
  EXPECT_EQ(body["data"]["result"], expected);
}

// A range selector alone: its raw points in [t - 30s, t] (both ends, as
// Prometheus 2.42), "matrix"; query_range refuses it.
TEST_F(PromApiTest, InstantQueryOfARangeSelectorGivesRawPoints) {
  const int64_t t = kT0 + 300'000;  // point i = 30
  http::Response r = Call("GET", "/api/v1/query",
                          {{"query", "node_load1{host=\"a\"}[30s]"},
                           {"time", std::to_string(t / 1000)}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["data"], json::parse(R"({"resultType":"matrix","result":[
      {"metric":{"__name__":"node_load1","host":"a"},
       "values":[[1764200270,"27"],[1764200280,"28"],[1764200290,"29"],[1764200300,"30"]]}]})"));
  EXPECT_EQ(r.body.find(R"({"status":"success","data":{"resultType":"matrix","result":[)"), 0u)
      << r.body;
  // With offset; both series, sorted by labels.
  r = Call("GET", "/api/v1/query",
           {{"query", "node_load1[10s] offset 100s"}, {"time", std::to_string(t / 1000)}});
  ASSERT_EQ(r.status, 200) << r.body;
  json result = Body(r)["data"]["result"];
  ASSERT_EQ(result.size(), 2u) << r.body;
  EXPECT_EQ(result[0]["values"], json::parse(R"([[1764200190,"19"],[1764200200,"20"]])"));
  EXPECT_EQ(result[1]["metric"]["host"], "b");
  EXPECT_EQ(result[1]["values"][1][1], "120");
  // Nowhere else: query_range and inside arithmetic are bad_data.
  Error(Call("GET", "/api/v1/query_range",
             {{"query", "node_load1[30s]"}, {"start", "1764200000"}, {"end", "1764200300"},
              {"step", "60"}}),
        400, "bad_data");
  Error(Call("GET", "/api/v1/query", {{"query", "node_load1[30s] * 2"}}), 400, "bad_data");
}

TEST_F(PromApiTest, InstantQueryScalarAndAggregationAndPost) {
  http::Response s = Call("POST", "/api/v1/query", {{"query", "1 + 2"}, {"time", "1000.5"}});
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(Body(s)["data"], json::parse(R"({"resultType":"scalar","result":[1000.5,"3"]})"));

  http::Response sum = Call("GET", "/api/v1/query",
                            {{"query", "sum(node_load1)"}, {"time", "2025-11-26T23:41:40Z"}});
  ASSERT_EQ(sum.status, 200) << sum.body;
  // 2025-11-26T23:41:40Z = kT0 + 500 s: points 50 and 150.
  EXPECT_EQ(Body(sum)["data"]["result"][0]["metric"], json::object());
  EXPECT_EQ(Body(sum)["data"]["result"][0]["value"][0], kT0 / 1000 + 500);
  EXPECT_EQ(Body(sum)["data"]["result"][0]["value"][1], "200");

  // Default time = the clock's now (kT0 + 600 s): the newest points, 59/159.
  http::Response now = Call("GET", "/api/v1/query", {{"query", "max(node_load1)"}});
  ASSERT_EQ(now.status, 200) << now.body;
  EXPECT_EQ(Body(now)["data"]["result"][0]["value"][1], "159");
  EXPECT_EQ(Body(now)["data"]["result"][0]["value"][0], (kT0 + 600'000) / 1000);
}

// History older than raw retention: a step of whole hours reads hourly
// rollups (one point per row, its newest sample), as sctl query does;
// another step finds nothing there, as Prometheus would.
TEST_F(PromApiTest, RangeQueryReadsRollupsWhereRawHasExpired) {
  const int64_t day0 = (kT0 / kDayMs - 30) * kDayMs;  // a UTC midnight, 30 days back
  WriteBatch b;
  b.agent_id = "old";
  SeriesPoints gauge{{"disk_used_bytes", MakeLabels({{"host", "h"}})}, {}};
  SeriesPoints counter{{"old_requests_total", MakeLabels({{"host", "h"}})}, {}};
  for (int m = 0; m < 3 * 1440; ++m) {
    gauge.points.push_back({day0 + m * 60'000, static_cast<double>(m)});
    counter.points.push_back({day0 + m * 60'000, 1000.0 + m});
  }
  b.series = {gauge, counter};
  ASSERT_TRUE(storage_->Write({&b}).ok());
  ASSERT_TRUE(storage_->FlushAll().ok());
  for (;;) {
    absl::StatusOr<size_t> deleted = storage_->DeleteExpired();
    ASSERT_TRUE(deleted.ok()) << deleted.status();
    if (*deleted == 0) break;
  }
  ASSERT_GT(storage_->Coverage().raw_complete_from_ms, day0 + 3 * kDayMs);
  auto range = [&](const std::string& q, int64_t step_s) {
    return Call("GET", "/api/v1/query_range",
                {{"query", q}, {"start", std::to_string(day0 / 1000 + 3600)},
                 {"end", std::to_string(day0 / 1000 + 3 * 86400)}, {"step", std::to_string(step_s)}});
  };
  http::Response r = range("disk_used_bytes", 3600);
  ASSERT_EQ(r.status, 200) << r.body;
  json result = Body(r)["data"]["result"];
  ASSERT_EQ(result.size(), 1u) << r.body;
  ASSERT_EQ(result[0]["values"].size(), 72u);
  for (size_t k = 0; k < 72; ++k) {  // at day0 + (k+1) h: the newest sample of the hour before
    EXPECT_EQ(result[0]["values"][k][0], day0 / 1000 + 3600 * (k + 1));
    EXPECT_EQ(result[0]["values"][k][1], std::to_string(60 * (k + 1) - 1)) << k;
  }
  // rate over two rows: the counter's 1 per minute.
  r = range("rate(old_requests_total[2h])", 3600);
  ASSERT_EQ(r.status, 200) << r.body;
  result = Body(r)["data"]["result"];
  ASSERT_EQ(result.size(), 1u) << r.body;
  EXPECT_GE(result[0]["values"].size(), 70u);
  for (const json& v : result[0]["values"]) {
    EXPECT_NEAR(std::stod(v[1].get<std::string>()), 1.0 / 60, 1e-9) << v;
  }
  // Not a whole number of hours: raw only, and raw has expired.
  r = range("disk_used_bytes", 300);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Body(r)["data"]["result"].empty()) << r.body;
}

TEST_F(PromApiTest, RangeQueryMatrix) {
  http::Response r = Call("GET", "/api/v1/query_range",
                          {{"query", "node_load1{host=\"a\"}"},
                           {"start", std::to_string(kT0 / 1000)},
                           {"end", std::to_string(kT0 / 1000 + 120)},
                           {"step", "1m"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json data = Body(r)["data"];
  EXPECT_EQ(data["resultType"], "matrix");
  ASSERT_EQ(data["result"].size(), 1u);
  EXPECT_EQ(data["result"][0]["metric"], json::parse(R"({"__name__":"node_load1","host":"a"})"));
  const int64_t s0 = kT0 / 1000;
  EXPECT_EQ(data["result"][0]["values"],
            json::array({json::array({s0, "0"}), json::array({s0 + 60, "6"}),
                         json::array({s0 + 120, "12"})}));

  http::Response rate = Call("POST", "/api/v1/query_range",
                             {{"query", "rate(http_requests_total[1m])"},
                              {"start", std::to_string(s0 + 60)},
                              {"end", std::to_string(s0 + 180)},
                              {"step", "60"}});
  ASSERT_EQ(rate.status, 200) << rate.body;
  json values = Body(rate)["data"]["result"][0]["values"];
  ASSERT_EQ(values.size(), 3u);
  for (const json& v : values) EXPECT_EQ(v[1], "1");  // 10 per 10 s

  http::Response scalar = Call("GET", "/api/v1/query_range",
                               {{"query", "2 * 3"}, {"start", "0"}, {"end", "20"}, {"step", "10"}});
  ASSERT_EQ(scalar.status, 200) << scalar.body;
  EXPECT_EQ(Body(scalar)["data"],
            json::parse(R"({"resultType":"matrix","result":[{"metric":{},
                            "values":[[0,"6"],[10,"6"],[20,"6"]]}]})"));
}

TEST_F(PromApiTest, SeriesLabelsAndValues) {
  http::Response series = Call("GET", "/api/v1/series", {{"match[]", "node_load1"}});
  ASSERT_EQ(series.status, 200) << series.body;
  EXPECT_EQ(Body(series)["data"],
            json::parse(R"([{"__name__":"node_load1","host":"a"},
                            {"__name__":"node_load1","host":"b"}])"));

  http::Response two = Call("POST", "/api/v1/series",
                            {{"match[]", "node_load1{host=\"b\"}"},
                             {"match[]", "{__name__=~\"http_.*\"}"}});
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_EQ(Body(two)["data"].size(), 2u);

  // start after every point: nothing (start is honoured through the newest point).
  http::Response late = Call("GET", "/api/v1/series",
                             {{"match[]", "node_load1"}, {"start", std::to_string(kT0 / 1000 + 3600)}});
  ASSERT_EQ(late.status, 200) << late.body;
  EXPECT_TRUE(Body(late)["data"].empty());

  http::Response labels = Call("GET", "/api/v1/labels");
  ASSERT_EQ(labels.status, 200) << labels.body;
  EXPECT_EQ(Body(labels)["data"], json::parse(R"(["__name__","host"])"));

  http::Response names = Call("GET", "/api/v1/label/__name__/values");
  ASSERT_EQ(names.status, 200) << names.body;
  EXPECT_EQ(Body(names)["data"], json::parse(R"(["http_requests_total","node_load1"])"));

  http::Response hosts = Call("GET", "/api/v1/label/host/values",
                              {{"match[]", "node_load1"}, {"limit", "1"}});
  ASSERT_EQ(hosts.status, 200) << hosts.body;
  EXPECT_EQ(Body(hosts)["data"], json::parse(R"(["a"])"));
  EXPECT_EQ(Body(hosts)["warnings"], json::parse(R"(["results truncated due to limit"])"));
}

TEST_F(PromApiTest, LabelsWithoutMatchAreBoundedByMaxSeries) {
  QueryLimits limits;
  limits.max_series = 2;
  Register(limits);
  http::Response r = Call("GET", "/api/v1/label/host/values");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["warnings"], json::parse(R"(["results truncated due to limit"])"));
}

TEST_F(PromApiTest, MetadataBuildInfoRulesAlerts) {
  http::Response meta = Call("GET", "/api/v1/metadata", {{"metric", "node_load1"}});
  ASSERT_EQ(meta.status, 200) << meta.body;
  EXPECT_EQ(Body(meta)["data"],
            json::parse(R"({"node_load1":[{"type":"gauge","help":"Load averages","unit":""}]})"));
  http::Response limited = Call("GET", "/api/v1/metadata", {{"limit", "3"}});
  EXPECT_EQ(Body(limited)["data"].size(), 3u);

  http::Response build = Call("GET", "/api/v1/status/buildinfo");
  ASSERT_EQ(build.status, 200);
  EXPECT_FALSE(Body(build)["data"]["version"].get<std::string>().empty());

  // Alerting off: empty lists in Prometheus's shapes.
  EXPECT_EQ(Body(Call("GET", "/api/v1/rules"))["data"], json::parse(R"({"groups":[]})"));
  EXPECT_EQ(Body(Call("GET", "/api/v1/alerts"))["data"], json::parse(R"({"alerts":[]})"));
  EXPECT_EQ(Body(Call("GET", "/api/v1/status/flags"))["status"], "success");
  EXPECT_EQ(Body(Call("POST", "/api/v1/query_exemplars", {{"query", "node_load1"}}))["data"],
            json::array());
  Error(Call("GET", "/api/v1/query_exemplars", {{"query", "rate("}}), 400, "bad_data");
}

TEST_F(PromApiTest, RulesAndAlertsFromTheEngine) {
  const std::string rules_path = (dir_.path() / "rules.yaml").string();
  std::ofstream(rules_path) << R"(rules:
  - name: HighLoad
    expr: node_load1 > 100
    labels: {severity: page}
    annotations:
      summary: "load on {{ $labels.host }}"
  - name: TooManyRequests
    expr: rate(http_requests_total[5m]) > 1000
    for: 5m
)";
  auto store = SqliteAlertStore::Open((dir_.path() / "scout.db").string());
  ASSERT_TRUE(store.ok()) << store.status();
  StorageSeriesSource source(*storage_);
  alerting::EngineOptions options;
  options.startup_grace = std::chrono::milliseconds(0);
  alerting::AlertEngine engine(rules_path, source, **store,
                               [](std::vector<alerting::AlertNotification>) {}, clock_, options);
  ASSERT_TRUE(engine.Init().ok());
  engine.EvaluateOnce();  // at kT0 + 600 s: host b's load is 159
  Register(QueryLimits{}, &engine);

  http::Response alerts = Call("GET", "/api/v1/alerts");
  ASSERT_EQ(alerts.status, 200) << alerts.body;
  json list = Body(alerts)["data"]["alerts"];
  ASSERT_EQ(list.size(), 1u) << alerts.body;
  EXPECT_EQ(list[0]["labels"]["alertname"], "HighLoad");
  EXPECT_EQ(list[0]["labels"]["host"], "b");
  EXPECT_EQ(list[0]["labels"]["severity"], "page");
  EXPECT_EQ(list[0]["annotations"]["summary"], "load on b");
  EXPECT_EQ(list[0]["state"], "firing");
  EXPECT_EQ(list[0]["activeAt"], "2025-11-26T23:43:20Z");
  EXPECT_EQ(list[0]["value"], "1.59e+02");

  http::Response rules = Call("GET", "/api/v1/rules");
  ASSERT_EQ(rules.status, 200) << rules.body;
  json groups = Body(rules)["data"]["groups"];
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0]["name"], "scout");
  EXPECT_EQ(groups[0]["file"], rules_path);
  EXPECT_EQ(groups[0]["interval"], 15);
  ASSERT_EQ(groups[0]["rules"].size(), 2u);
  json high = groups[0]["rules"][0], many = groups[0]["rules"][1];
  if (high["name"] != "HighLoad") std::swap(high, many);
  EXPECT_EQ(high["name"], "HighLoad");
  EXPECT_EQ(high["query"], "node_load1 > 100");
  EXPECT_EQ(high["state"], "firing");
  EXPECT_EQ(high["health"], "ok");
  EXPECT_EQ(high["type"], "alerting");
  EXPECT_EQ(high["labels"], json::parse(R"({"severity":"page"})"));
  EXPECT_EQ(high["alerts"].size(), 1u);
  EXPECT_EQ(high["lastEvaluation"], "2025-11-26T23:43:20Z");
  EXPECT_EQ(many["state"], "inactive");
  EXPECT_EQ(many["duration"], 300);
  EXPECT_EQ(many["health"], "ok");
  EXPECT_TRUE(many["alerts"].empty());

  // Only alerting rules in Scout: type=record lists none.
  EXPECT_EQ(Body(Call("GET", "/api/v1/rules", {{"type", "record"}}))["data"]["groups"],
            json::array());
  EXPECT_EQ(Body(Call("GET", "/api/v1/rules", {{"type", "alert"}}))["data"]["groups"].size(), 1u);
  Error(Call("GET", "/api/v1/rules", {{"type", "x"}}), 400, "bad_data");
}

TEST_F(PromApiTest, BadParametersAreBadData) {
  EXPECT_EQ(Error(Call("GET", "/api/v1/query"), 400, "bad_data").rfind(
                "invalid parameter \"query\": ", 0),
            0u);
  EXPECT_EQ(Error(Call("GET", "/api/v1/query", {{"query", "rate(x)"}}), 400, "bad_data")
                .rfind("invalid parameter \"query\": column 6", 0),
            0u);
  EXPECT_EQ(Error(Call("GET", "/api/v1/query", {{"query", "up"}, {"time", "yesterday"}}), 400,
                  "bad_data"),
            "invalid parameter \"time\": cannot parse \"yesterday\" to a valid timestamp");
  EXPECT_EQ(Error(Call("GET", "/api/v1/query_range",
                       {{"query", "up"}, {"start", "0"}, {"end", "100000"}, {"step", "1"}}),
                  400, "bad_data"),
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
            "query resolution (?step=XX)");
  Error(Call("GET", "/api/v1/query_range", {{"query", "up"}, {"start", "0"}, {"end", "10"}}), 400,
        "bad_data");
  EXPECT_EQ(Error(Call("GET", "/api/v1/series"), 400, "bad_data"), "no match[] parameter provided");
  Error(Call("GET", "/api/v1/series", {{"match[]", "{host=~\".*\"}"}}), 400, "bad_data");
  EXPECT_EQ(Error(Call("GET", "/api/v1/label/1x/values"), 400, "bad_data"),
            "invalid label name: \"1x\"");
  Error(Call("GET", "/api/v1/query", {{"query", "up"}, {"timeout", "soon"}}), 400, "bad_data");
}

TEST_F(PromApiTest, SampleBudgetIsExecutionError) {
  QueryLimits limits;
  // A 10-minute window of both series holds 120 points, the 5-minute
  // lookback of an instant selector 60.
  limits.max_samples = 100;
  Register(limits);
  std::string msg = Error(Call("GET", "/api/v1/query", {{"query", "sum_over_time(node_load1[10m])"}}),
                          422, "execution");
  EXPECT_NE(msg.find("query.max_samples"), std::string::npos) << msg;
  EXPECT_EQ(gate_->refused(QueryRefusal::kSamples), 1);
  // A small query still fits.
  EXPECT_EQ(Call("GET", "/api/v1/query", {{"query", "node_load1"}}).status, 200);
}

TEST_F(PromApiTest, SeriesLimitIsExecutionError) {
  QueryLimits limits;
  limits.max_series = 1;
  Register(limits);
  std::string msg = Error(Call("GET", "/api/v1/query", {{"query", "node_load1"}}), 422, "execution");
  EXPECT_NE(msg.find("query.max_series"), std::string::npos) << msg;
}

TEST_F(PromApiTest, DeadlineIsTimeout) {
  // The client's timeout of 0 has passed before the first read.
  Error(Call("GET", "/api/v1/query_range",
             {{"query", "node_load1"}, {"start", "0"}, {"end", "600"}, {"step", "60"},
              {"timeout", "0"}}),
        503, "timeout");
  EXPECT_EQ(gate_->refused(QueryRefusal::kDeadline), 1);
}

TEST_F(PromApiTest, GateRefusalIsUnavailable) {
  QueryLimits limits;
  limits.max_concurrent = 1;
  Register(limits);
  absl::Mutex mu;
  bool entered = false, released = false;
  gate_->SetEnterHookForTesting([&] {
    absl::MutexLock lock(&mu);
    entered = true;
    mu.Await(absl::Condition(&released));
  });
  http::Response first;
  std::thread holder([&] { first = Call("GET", "/api/v1/query", {{"query", "node_load1"}}); });
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&entered), absl::Seconds(20)));
  }
  gate_->SetEnterHookForTesting(nullptr);
  std::string msg = Error(Call("GET", "/api/v1/labels"), 503, "unavailable");
  EXPECT_NE(msg.find("query.max_concurrent"), std::string::npos) << msg;
  {
    absl::MutexLock lock(&mu);
    released = true;
  }
  holder.join();
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(gate_->refused(QueryRefusal::kConcurrency), 1);
  EXPECT_EQ(gate_->running(), 0);
}

}  // namespace
}  // namespace scout::collector
