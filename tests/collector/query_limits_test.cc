// Query limits (issue 16): QueryGate and ReadBudget alone, then over real
// loopback gRPC against an in-process collector: the (N+1)th concurrent
// query is refused at once, and a query past query.timeout gets
// DEADLINE_EXCEEDED; both are counted per reason.
#include "collector/query_limits.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "collector/collector_server.h"
#include "collector/self_metrics.h"
#include "scout/v1/query.grpc.pb.h"
#include "tests/common/loopback_collector_config.h"
#include "tests/common/test_dir.h"

namespace scout::collector {
namespace {

TEST(ReadBudget, RefusesPastTheCapAndStaysRefused) {
  ReadBudget budget(absl::InfiniteFuture(), 10);
  EXPECT_TRUE(budget.Charge(10).ok());
  const absl::Status over = budget.Charge(1);
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(over.message().find("query.max_samples (10)"), std::string::npos) << over;
  EXPECT_EQ(budget.refusal(), QueryRefusal::kSamples);
  EXPECT_EQ(budget.Check().code(), absl::StatusCode::kResourceExhausted);
  ReadBudget late(absl::Now() - absl::Milliseconds(1), 10);
  EXPECT_EQ(late.Check().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(late.refusal(), QueryRefusal::kDeadline);
}

TEST(QueryGate, CapsSeriesSlotsAndDeadline) {
  QueryLimits limits;
  limits.max_series = 3;
  limits.max_concurrent = 2;
  limits.timeout = std::chrono::seconds(30);
  QueryGate gate(limits);
  {
    auto a = gate.TryEnter();
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->SeriesLimit(4'294'967'295u, 1000), 3u);  // the client's 2^32 - 1
    EXPECT_EQ(a->SeriesLimit(0, 1000), 3u);
    EXPECT_EQ(a->SeriesLimit(2, 1000), 2u);
    // The shorter deadline wins: the client's here, query.timeout below.
    const absl::Time client = absl::Now() + absl::Seconds(1);
    auto b = gate.TryEnter(client);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->budget().deadline(), client);
    EXPECT_LE(a->budget().deadline(), absl::Now() + absl::Seconds(30));
    EXPECT_EQ(gate.running(), 2);
    auto c = gate.TryEnter();
    EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_NE(c.status().message().find("query.max_concurrent (2)"), std::string::npos);
    EXPECT_EQ(gate.refused(QueryRefusal::kConcurrency), 1);
    // A budget refusal is counted by its reason when the query ends.
    EXPECT_FALSE(b->budget().Charge(int64_t{1} << 40).ok());
    (void)b->Done(absl::ResourceExhaustedError("x"));
    EXPECT_EQ(gate.refused(QueryRefusal::kSamples), 1);
  }
  EXPECT_EQ(gate.running(), 0);
  EXPECT_TRUE(gate.TryEnter().ok());
}

class QueryLimitsLoopbackTest : public ::testing::Test {
 protected:
  void Start(QueryLimits limits) {
    config_ = scout::testing::LoopbackCollectorConfig(dir_);
    config_.query = limits;
    auto s = CollectorServer::Start(config_, clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    stub_ = v1::Query::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->query_gate().SetEnterHookForTesting(nullptr);
    server_.reset();
  }
  grpc::Status Latest() {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    v1::LatestRequest req;
    req.mutable_selector()->set_metric("anything");
    v1::LatestResponse resp;
    return stub_->Latest(&ctx, req, &resp);
  }

  ManualClock clock_{1'764'200'000'000};
  scout::testing::TestDir dir_{"scout-query-limits"};
  CollectorConfig config_;
  std::unique_ptr<CollectorServer> server_;
  std::unique_ptr<v1::Query::Stub> stub_;
};

TEST_F(QueryLimitsLoopbackTest, TheQueryBeyondMaxConcurrentIsRefusedAtOnce) {
  QueryLimits limits;
  limits.max_concurrent = 3;
  Start(limits);
  // Every admitted query stops in the gate's hook until released: N held
  // open without sleeping.
  absl::Mutex mu;
  int entered = 0;
  bool released = false;
  server_->query_gate().SetEnterHookForTesting([&] {
    absl::MutexLock lock(&mu);
    ++entered;
    mu.Await(absl::Condition(&released));
  });
  std::vector<grpc::Status> held(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back([&, i] { held[static_cast<size_t>(i)] = Latest(); });
  {
    absl::MutexLock lock(&mu);
    auto three = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return entered == 3; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&three), absl::Seconds(20)));
  }
  EXPECT_EQ(server_->query_gate().running(), 3);
  const auto t0 = std::chrono::steady_clock::now();
  const grpc::Status refused = Latest();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));  // not queued
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_NE(refused.error_message().find("query.max_concurrent (3)"), std::string::npos);
  {
    absl::MutexLock lock(&mu);
    released = true;
  }
  for (std::thread& t : threads) t.join();
  for (const grpc::Status& s : held) EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(server_->query_gate().refused(QueryRefusal::kConcurrency), 1);
  EXPECT_EQ(server_->query_gate().running(), 0);
  EXPECT_TRUE(Latest().ok());  // slots are given back
}

TEST_F(QueryLimitsLoopbackTest, AQueryPastTheServerTimeoutGetsDeadlineExceeded) {
  QueryLimits limits;
  limits.timeout = std::chrono::milliseconds(50);
  Start(limits);
  // The admitted query first waits past its 50 ms deadline (a sleep that
  // only has to be long enough, not a race).
  server_->query_gate().SetEnterHookForTesting(
      [] { std::this_thread::sleep_for(std::chrono::milliseconds(120)); });
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::QueryRangeRequest req;
  req.mutable_selector()->set_metric("anything");
  req.set_start_ms(clock_.NowMs() - 3'600'000);
  req.set_end_ms(clock_.NowMs());
  v1::QueryRangeResponse resp;
  const grpc::Status status = stub_->QueryRange(&ctx, req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_NE(status.error_message().find("query.timeout"), std::string::npos);
  EXPECT_EQ(server_->query_gate().refused(QueryRefusal::kDeadline), 1);
}

}  // namespace
}  // namespace scout::collector
