// The sctl commands against a real gRPC server on loopback, serving a small
// hand-written Query implementation with fixed data.
#include "ctl/commands.h"

#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

namespace scout::ctl {
namespace {

// 2026-11-27T14:03:10Z
constexpr int64_t kT = 1795788190000;

void AddLabel(google::protobuf::RepeatedPtrField<v1::Label>* labels, const std::string& name,
              const std::string& value) {
  v1::Label* l = labels->Add();
  l->set_name(name);
  l->set_value(value);
}

v1::SeriesPoints MakeSeries(const std::string& metric, const std::string& host,
                            std::vector<std::pair<int64_t, double>> points) {
  v1::SeriesPoints s;
  s.set_metric(metric);
  AddLabel(s.mutable_labels(), "host", host);
  for (const auto& [ts, value] : points) {
    v1::Point* p = s.add_points();
    p->set_timestamp_ms(ts);
    p->set_value(value);
  }
  return s;
}

class FakeQuery final : public v1::Query::Service {
 public:
  grpc::Status ListAgents(grpc::ServerContext*, const v1::ListAgentsRequest*,
                          v1::ListAgentsResponse* response) override {
    v1::AgentInfo* web = response->add_agents();
    web->set_agent_id("web-1");
    web->set_hostname("web-1.example");
    web->set_version("0.1.0");
    AddLabel(web->mutable_labels(), "role", "web");
    AddLabel(web->mutable_labels(), "env", "prod");
    web->set_first_seen_ms(kT - 86'400'000);
    web->set_last_seen_ms(kT - 3000);
    web->set_clock_skew_ms(-1500);
    web->set_up(true);
    web->set_connected(true);
    v1::AgentInfo* db = response->add_agents();
    db->set_agent_id("db-1");
    db->set_hostname("db-1.example");
    db->set_version("0.0.9");
    db->set_last_seen_ms(kT - (2 * 3600 + 5 * 60) * 1000);
    return grpc::Status::OK;
  }

  grpc::Status ListSeries(grpc::ServerContext*, const v1::ListSeriesRequest* request,
                          v1::ListSeriesResponse* response) override {
    Record(request->selector());
    v1::SeriesInfo* mem = response->add_series();
    mem->set_metric("mem_used_bytes");
    AddLabel(mem->mutable_labels(), "host", "b");
    v1::SeriesInfo* cpu = response->add_series();
    cpu->set_metric("cpu_usage_ratio");
    AddLabel(cpu->mutable_labels(), "note", "a,\"b\"\nc");
    AddLabel(cpu->mutable_labels(), "host", "a");
    response->set_truncated(true);
    return grpc::Status::OK;
  }

  grpc::Status QueryRange(grpc::ServerContext*, const v1::QueryRangeRequest* request,
                          v1::QueryRangeResponse* response) override {
    if (request->selector().metric() == "broken") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "storage says no");
    }
    Record(request->selector());
    *response->add_series() = MakeSeries("mem_used_bytes", "b",
                                         {{kT - 60'000, 536870912}, {kT, 1073741824}});
    *response->add_series() = MakeSeries("cpu_usage_ratio", "a",
                                         {{kT - 60'000, 0.421}, {kT, 0.05}});
    return grpc::Status::OK;
  }

  grpc::Status Latest(grpc::ServerContext* context, const v1::LatestRequest* request,
                      v1::LatestResponse* response) override {
    if (request->selector().metric() == "slow") {
      // Holds the call until the client gives up, to exercise the deadline.
      while (!context->IsCancelled()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return grpc::Status::CANCELLED;
    }
    Record(request->selector());
    *response->add_series() = MakeSeries("mem_used_bytes", "b", {{kT - 65'000, 536870912}});
    *response->add_series() = MakeSeries("cpu_usage_ratio", "a", {{kT - 3000, 0.421}});
    return grpc::Status::OK;
  }

  v1::Selector last_selector() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_selector_;
  }

 private:
  void Record(const v1::Selector& selector) {
    std::lock_guard<std::mutex> lock(mu_);
    last_selector_ = selector;
  }

  std::mutex mu_;
  v1::Selector last_selector_;
};

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    ctx_.collector = Address();
    ctx_.timeout = std::chrono::seconds(5);
    ctx_.clock = &clock_;
    stub_ = v1::Query::NewStub(
        grpc::CreateChannel(Address(), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }

  Output Out(OutputFormat format) {
    out_.str("");
    err_.str("");
    return Output{&out_, &err_, format, absl::UTCTimeZone()};
  }

  QueryPlan Plan(const std::string& selector, const std::string& agg = "avg") {
    QueryArgs args;
    args.selector = selector;
    args.agg = agg;
    auto plan = PlanQuery(args, kT, absl::UTCTimeZone());
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : QueryPlan{};
  }

  FakeQuery service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  ManualClock clock_{kT};
  Context ctx_;
  std::unique_ptr<v1::Query::Stub> stub_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CommandsTest, AgentsTable) {
  ASSERT_TRUE(RunAgents(*stub_, ctx_, Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(out_.str(),
            "AGENT  HOST           VERSION  STATUS  LAST SEEN  CLOCK SKEW  LABELS\n"
            "db-1   db-1.example   0.0.9    down    2h5m ago   +0 s        -\n"
            "web-1  web-1.example  0.1.0    up      3s ago     -1.50 s     env=prod,role=web\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CommandsTest, AgentsCsvAndJson) {
  ASSERT_TRUE(RunAgents(*stub_, ctx_, Out(OutputFormat::kCsv)).ok());
  EXPECT_EQ(out_.str(),
            "agent,host,version,status,connected,last_seen_ms,last_seen,clock_skew_ms,labels\n"
            "db-1,db-1.example,0.0.9,down,false,1795780690000,2026-11-27T11:58:10.000Z,0,\n"
            "web-1,web-1.example,0.1.0,up,true,1795788187000,2026-11-27T14:03:07.000Z,-1500,"
            "\"env=prod,role=web\"\n");
  ASSERT_TRUE(RunAgents(*stub_, ctx_, Out(OutputFormat::kJson)).ok());
  const std::string json = out_.str();
  EXPECT_EQ(json.rfind("{\n  \"agents\": [\n    {\n      \"agent_id\": \"db-1\",", 0), 0u)
      << json;
  EXPECT_NE(json.find("\"labels\": {\n        \"env\": \"prod\",\n        \"role\": \"web\"\n"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"last_seen_ms\": 1795788187000,\n"
                      "      \"last_seen\": \"2026-11-27T14:03:07.000Z\""),
            std::string::npos)
      << json;
}

TEST_F(CommandsTest, SeriesSendsSelectorAndPrintsOneLinePerSeries) {
  auto selector = ParseSelectorArg("cpu_usage_ratio{host=~\"a|b\"}");
  ASSERT_TRUE(selector.ok()) << selector.status();
  ASSERT_TRUE(RunSeries(*stub_, ctx_, *selector, Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(out_.str(),
            "cpu_usage_ratio{host=\"a\",note=\"a,\\\"b\\\"\\nc\"}\n"
            "mem_used_bytes{host=\"b\"}\n");
  EXPECT_EQ(err_.str(), "sctl: note: the collector truncated the result; narrow the selector\n");
  v1::Selector sent = service_.last_selector();
  EXPECT_EQ(sent.metric(), "cpu_usage_ratio");
  ASSERT_EQ(sent.matchers_size(), 1);
  EXPECT_EQ(sent.matchers(0).op(), v1::Matcher::REGEX_MATCH);
  EXPECT_EQ(sent.matchers(0).value(), "a|b");
}

TEST_F(CommandsTest, SeriesCsvQuotesLabelValues) {
  ASSERT_TRUE(RunSeries(*stub_, ctx_, v1::Selector(), Out(OutputFormat::kCsv)).ok());
  EXPECT_EQ(out_.str(),
            "series,metric,labels\n"
            "\"cpu_usage_ratio{host=\"\"a\"\",note=\"\"a,\\\"\"b\\\"\"\\nc\"\"}\","
            "cpu_usage_ratio,\"host=\"\"a\"\",note=\"\"a,\\\"\"b\\\"\"\\nc\"\"\"\n"
            "\"mem_used_bytes{host=\"\"b\"\"}\",mem_used_bytes,\"host=\"\"b\"\"\"\n");
}

TEST_F(CommandsTest, QueryTablePerSeries) {
  ASSERT_TRUE(RunQuery(*stub_, ctx_, Plan("{host=~\".+\"}"), Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(out_.str(),
            "cpu_usage_ratio{host=\"a\"}\n"
            "TIME                 VALUE\n"
            "2026-11-27 14:02:10  42.1%\n"
            "2026-11-27 14:03:10   5.0%\n"
            "\n"
            "mem_used_bytes{host=\"b\"}\n"
            "TIME                     VALUE\n"
            "2026-11-27 14:02:10  512.0 MiB\n"
            "2026-11-27 14:03:10    1.0 GiB\n");
}

TEST_F(CommandsTest, QueryLongFormAndCountIsUnitless) {
  QueryPlan plan = Plan("mem_used_bytes", "count");
  plan.long_form = true;
  ASSERT_TRUE(RunQuery(*stub_, ctx_, plan, Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(out_.str(),
            "SERIES                     TIME                      VALUE\n"
            "cpu_usage_ratio{host=\"a\"}  2026-11-27 14:02:10       0.421\n"
            "cpu_usage_ratio{host=\"a\"}  2026-11-27 14:03:10        0.05\n"
            "mem_used_bytes{host=\"b\"}   2026-11-27 14:02:10   536870912\n"
            "mem_used_bytes{host=\"b\"}   2026-11-27 14:03:10  1073741824\n");
}

TEST_F(CommandsTest, QueryCsvAndJsonCarryRawValues) {
  ASSERT_TRUE(RunQuery(*stub_, ctx_, Plan("cpu_usage_ratio"), Out(OutputFormat::kCsv)).ok());
  EXPECT_EQ(out_.str(),
            "series,timestamp_ms,time,value\n"
            "\"cpu_usage_ratio{host=\"\"a\"\"}\",1795788130000,2026-11-27T14:02:10.000Z,0.421\n"
            "\"cpu_usage_ratio{host=\"\"a\"\"}\",1795788190000,2026-11-27T14:03:10.000Z,0.05\n"
            "\"mem_used_bytes{host=\"\"b\"\"}\",1795788130000,2026-11-27T14:02:10.000Z,536870912\n"
            "\"mem_used_bytes{host=\"\"b\"\"}\",1795788190000,2026-11-27T14:03:10.000Z,1073741824\n");

  ASSERT_TRUE(RunQuery(*stub_, ctx_, Plan("cpu_usage_ratio", "p95"),
                       Out(OutputFormat::kJson)).ok());
  const std::string json = out_.str();
  EXPECT_EQ(json.rfind("{\n  \"start_ms\": 1795784590000,\n"
                       "  \"start\": \"2026-11-27T13:03:10.000Z\",\n"
                       "  \"end_ms\": 1795788190000,\n"
                       "  \"end\": \"2026-11-27T14:03:10.000Z\",\n"
                       "  \"step_ms\": 0,\n"
                       "  \"aggregation\": \"p95\",\n",
                       0),
            0u)
      << json;
  EXPECT_NE(json.find("\"points\": [\n"
                      "        {\n"
                      "          \"timestamp_ms\": 1795788130000,\n"
                      "          \"time\": \"2026-11-27T14:02:10.000Z\",\n"
                      "          \"value\": 0.421\n"
                      "        },"),
            std::string::npos)
      << json;
  const std::string tail = "  ],\n  \"truncated\": false\n}\n";
  ASSERT_GE(json.size(), tail.size());
  EXPECT_EQ(json.substr(json.size() - tail.size()), tail);
}

TEST_F(CommandsTest, LatestTable) {
  ASSERT_TRUE(RunLatest(*stub_, ctx_, v1::Selector(), Out(OutputFormat::kTable)).ok());
  EXPECT_EQ(out_.str(),
            "SERIES                         VALUE   AGE\n"
            "cpu_usage_ratio{host=\"a\"}      42.1%    3s\n"
            "mem_used_bytes{host=\"b\"}   512.0 MiB  1m5s\n");
}

TEST_F(CommandsTest, OtherRpcErrorsKeepTheirMessage) {
  QueryPlan plan = Plan("broken");
  absl::Status status = RunQuery(*stub_, ctx_, plan, Out(OutputFormat::kTable));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "storage says no");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, DeadlineIsOneLine) {
  ctx_.timeout = std::chrono::milliseconds(200);
  v1::Selector slow;
  slow.set_metric("slow");
  absl::Status status = RunLatest(*stub_, ctx_, slow, Out(OutputFormat::kTable));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(),
            "cannot reach collector at " + Address() + " (no answer within 200ms)");
}

TEST_F(CommandsTest, ConnectionRefusedIsOneLine) {
  server_->Shutdown();
  server_.reset();
  // A fresh channel, so no connection to the old server is reused.
  auto stub = v1::Query::NewStub(
      grpc::CreateChannel(Address(), grpc::InsecureChannelCredentials()));
  absl::Status status = RunAgents(*stub, ctx_, Out(OutputFormat::kTable));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(),
            "cannot reach collector at " + Address() + " (connection refused)");
  EXPECT_EQ(out_.str(), "");
}

TEST(PlanQuery, ChecksArgumentsBeforeAnyRpc) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  QueryArgs args;
  args.selector = "cpu{host=~\"web-(\"}";
  EXPECT_EQ(PlanQuery(args, kT, utc).status().code(), absl::StatusCode::kInvalidArgument);
  args.selector = "cpu{";
  EXPECT_EQ(PlanQuery(args, kT, utc).status().code(), absl::StatusCode::kInvalidArgument);
  args.selector = "cpu";
  args.agg = "median";
  EXPECT_EQ(PlanQuery(args, kT, utc).status().message(),
            "unknown aggregation \"median\" (expected avg, min, max, sum, count, last, "
            "rate, p50, p95 or p99)");
  args.agg = "rate";
  args.step = "0s";
  EXPECT_EQ(PlanQuery(args, kT, utc).status().message(), "--step must be positive");
  args.step = "1m";
  args.range.since = "6h";
  auto plan = PlanQuery(args, kT, utc);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->request.selector().metric(), "cpu");
  EXPECT_EQ(plan->request.start_ms(), kT - 6 * 3'600'000);
  EXPECT_EQ(plan->request.end_ms(), kT);
  EXPECT_EQ(plan->request.step_ms(), 60'000);
  EXPECT_EQ(plan->request.aggregation(), v1::RATE);
}

}  // namespace
}  // namespace scout::ctl
