// Ingest over real gRPC on loopback against an in-process collector.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/common/loopback_collector_config.h"
#include "tests/common/ingest_batch.h"
#include "tests/common/test_dir.h"
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <thread>

#include "collector/collector_server.h"
#include "collector/storage/sqlite_storage.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "scout/v1/query.grpc.pb.h"

namespace scout::collector {
namespace {

using scout::testing::AddSeries;
using scout::testing::BatchMsg;
using scout::testing::Hello;

constexpr int64_t kNow = 1'764'200'000'000;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = scout::testing::LoopbackCollectorConfig(dir_);
    Start();
  }
  void TearDown() override {
    server_.reset();
  }
  void Start() {
    auto s = CollectorServer::Start(config_, clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  std::vector<v1::CollectorMessage> Exchange(const std::vector<v1::AgentMessage>& msgs,
                                             grpc::Status* status) {
    return scout::testing::Exchange(channel_, msgs, status);
  }

  size_t SeriesCount() {
    auto stub = v1::Query::NewStub(channel_);
    grpc::ClientContext ctx;
    v1::ListSeriesRequest req;
    v1::ListSeriesResponse resp;
    EXPECT_TRUE(stub->ListSeries(&ctx, req, &resp).ok());
    return static_cast<size_t>(resp.series_size());
  }

  ManualClock clock_{kNow};
  scout::testing::TestDir dir_{"scout-ingest"};
  CollectorConfig config_;
  std::unique_ptr<CollectorServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(IngestTest, ValidBatchIsAckedAfterCommitAndSurvivesRestart) {
  v1::Batch b;
  b.set_seq(1);
  AddSeries(&b, "node_load1", kNow, 0.75);
  AddSeries(&b, "node_load5", kNow, 0.5);
  grpc::Status status;
  auto replies = Exchange({Hello("web-1"), BatchMsg(b)}, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_TRUE(replies[0].has_welcome());
  ASSERT_TRUE(replies[1].has_ack());
  EXPECT_EQ(replies[1].ack().seq(), 1u);
  EXPECT_EQ(replies[1].ack().points_stored(), 2u);

  // Restart: what was acked must be there.
  server_.reset();
  Start();
  auto stub = v1::Query::NewStub(channel_);
  grpc::ClientContext ctx;
  v1::LatestRequest req;
  req.mutable_selector()->set_metric("node_load1");
  v1::LatestResponse resp;
  ASSERT_TRUE(stub->Latest(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.series_size(), 1);
  EXPECT_EQ(resp.series(0).points(0).value(), 0.75);

  grpc::ClientContext ctx2;
  v1::ListAgentsResponse agents;
  ASSERT_TRUE(stub->ListAgents(&ctx2, v1::ListAgentsRequest(), &agents).ok());
  ASSERT_EQ(agents.agents_size(), 1);
  EXPECT_EQ(agents.agents(0).agent_id(), "web-1");
  EXPECT_FALSE(agents.agents(0).connected());
}

TEST_F(IngestTest, InvalidPointsAreRejectedIndividuallyAndValidOnesStored) {
  struct Case {
    const char* name;
    std::function<void(v1::Batch*)> spoil;
    v1::RejectReason reason;
    const char* detail;
  };
  const std::vector<Case> cases = {
      {"empty metric", [](v1::Batch* b) { AddSeries(b, "", kNow, 1); }, v1::INVALID_METRIC_NAME,
       "invalid metric name"},
      {"zero timestamp", [](v1::Batch* b) { AddSeries(b, "m_bad", 0, 1); }, v1::TIMESTAMP_TOO_OLD,
       "timestamp 0"},
      {"negative timestamp", [](v1::Batch* b) { AddSeries(b, "m_bad", -5, 1); },
       v1::TIMESTAMP_TOO_OLD, "timestamp -5"},
      {"far future", [](v1::Batch* b) { AddSeries(b, "m_bad", kNow + 3'600'000, 1); },
       v1::TIMESTAMP_IN_FUTURE, "3600 s ahead"},
      {"NaN value", [](v1::Batch* b) { AddSeries(b, "m_bad", kNow, std::nan("")); },
       v1::NON_FINITE_VALUE, "not finite"},
      {"bad label",
       [](v1::Batch* b) { AddSeries(b, "m_bad", kNow, 1)->mutable_labels(0)->set_name("1x"); },
       v1::INVALID_LABELS, "invalid label name"},
  };
  int stored = 0;
  for (const Case& c : cases) {
    v1::Batch b;
    b.set_seq(7);
    AddSeries(&b, "good_metric", kNow + stored++, 1);  // valid: stored, whatever its neighbour
    c.spoil(&b);
    grpc::Status status;
    auto replies = Exchange({Hello("web-1"), BatchMsg(b)}, &status);
    ASSERT_TRUE(status.ok()) << c.name;
    ASSERT_EQ(replies.size(), 2u) << c.name;
    ASSERT_TRUE(replies[1].has_ack()) << c.name;
    const v1::Ack& ack = replies[1].ack();
    EXPECT_EQ(ack.seq(), 7u);
    EXPECT_EQ(ack.points_stored(), 1u) << c.name;
    EXPECT_EQ(ack.points_rejected(), 1u) << c.name;
    ASSERT_EQ(ack.rejected_size(), 1) << c.name;
    EXPECT_EQ(ack.rejected(0).reason(), c.reason) << c.name;
    EXPECT_NE(ack.rejected(0).example().find(c.detail), std::string::npos)
        << c.name << ": " << ack.rejected(0).example();
  }
  // Only the valid series exists, with every valid point.
  EXPECT_EQ(SeriesCount(), 1u);
  auto stub = v1::Query::NewStub(channel_);
  grpc::ClientContext ctx;
  v1::QueryRangeRequest req;
  req.mutable_selector()->set_metric("good_metric");
  req.set_start_ms(kNow - 1000);
  req.set_end_ms(kNow + 1000);
  req.set_step_ms(2000);
  req.set_aggregation(v1::COUNT);
  v1::QueryRangeResponse resp;
  ASSERT_TRUE(stub->QueryRange(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.series_size(), 1);
  EXPECT_EQ(resp.series(0).points(0).value(), static_cast<double>(cases.size()));
}

TEST_F(IngestTest, BatchWithOnlyInvalidPointsIsRejectedAndStoresNothing) {
  v1::Batch b;
  b.set_seq(3);
  AddSeries(&b, "", kNow, 1);
  AddSeries(&b, "m", kNow, std::nan(""));
  grpc::Status status;
  auto replies = Exchange({Hello("web-1"), BatchMsg(b)}, &status);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(replies.size(), 2u);
  ASSERT_TRUE(replies[1].has_rejection());
  EXPECT_EQ(replies[1].rejection().seq(), 3u);
  EXPECT_EQ(replies[1].rejection().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_NE(replies[1].rejection().reason().find("INVALID_METRIC_NAME"), std::string::npos);
  EXPECT_NE(replies[1].rejection().reason().find("NON_FINITE_VALUE"), std::string::npos);
  EXPECT_EQ(SeriesCount(), 0u);
}

TEST_F(IngestTest, LatestLeavesOutStaleSeriesUnlessAsked) {
  v1::Batch b;
  b.set_seq(1);
  AddSeries(&b, "fresh_metric", kNow, 1);
  AddSeries(&b, "gone_metric", kNow - 20 * 60 * 1000, 2);  // a process that exited 20 min ago
  grpc::Status status;
  Exchange({Hello("web-1"), BatchMsg(b)}, &status);
  ASSERT_TRUE(status.ok());
  auto stub = v1::Query::NewStub(channel_);
  auto latest = [&](int64_t max_age_ms) {
    grpc::ClientContext ctx;
    v1::LatestRequest req;
    req.set_max_age_ms(max_age_ms);
    v1::LatestResponse resp;
    EXPECT_TRUE(stub->Latest(&ctx, req, &resp).ok());
    std::vector<std::string> names;
    for (const auto& s : resp.series()) names.push_back(s.metric());
    return names;
  };
  EXPECT_EQ(latest(0), std::vector<std::string>{"fresh_metric"});
  EXPECT_EQ(latest(-1), (std::vector<std::string>{"fresh_metric", "gone_metric"}));
}

TEST_F(IngestTest, ClockSkewIsMeasuredPerAgent) {
  v1::Batch b;
  b.set_seq(1);
  b.set_sent_at_ms(kNow + 4'500);  // agent clock 4.5 s ahead
  AddSeries(&b, "node_load1", kNow, 1);
  grpc::Status status;
  Exchange({Hello("web-1"), BatchMsg(b)}, &status);
  ASSERT_TRUE(status.ok());
  auto stub = v1::Query::NewStub(channel_);
  grpc::ClientContext ctx;
  v1::ListAgentsResponse agents;
  ASSERT_TRUE(stub->ListAgents(&ctx, v1::ListAgentsRequest(), &agents).ok());
  ASSERT_EQ(agents.agents_size(), 1);
  EXPECT_EQ(agents.agents(0).clock_skew_ms(), 4'500);
}

TEST_F(IngestTest, ShutdownAcksInFlightBatchesThenEndsOpenStreams) {
  auto stub = v1::Ingest::NewStub(channel_);
  grpc::ClientContext ctx;
  auto stream = stub->Stream(&ctx);
  ASSERT_TRUE(stream->Write(Hello("web-1")));
  v1::Batch b;
  b.set_seq(1);
  AddSeries(&b, "node_load1", kNow, 1);
  ASSERT_TRUE(stream->Write(BatchMsg(b)));
  v1::CollectorMessage reply;
  ASSERT_TRUE(stream->Read(&reply));  // welcome
  ASSERT_TRUE(stream->Read(&reply));
  ASSERT_TRUE(reply.has_ack());
  // The agent keeps its stream open; shutdown must not wait the full grace.
  config_.shutdown_grace = std::chrono::seconds(30);
  const auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(30)); });
  while (stream->Read(&reply)) {
  }
  grpc::Status status = stream->Finish();
  stopper.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("shutting down"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(IngestTest, BatchBeforeHelloEndsTheStream) {
  v1::Batch b;
  b.set_seq(1);
  AddSeries(&b, "node_load1", kNow, 1);
  grpc::Status status;
  Exchange({BatchMsg(b)}, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(SeriesCount(), 0u);
}

TEST_F(IngestTest, ManyBatchesOnOneStreamAreAllAckedInOrder) {
  std::vector<v1::AgentMessage> msgs = {Hello("web-1")};
  for (int i = 1; i <= 200; ++i) {
    v1::Batch b;
    b.set_seq(i);
    AddSeries(&b, "node_load1", kNow + i * 1000, i);
    msgs.push_back(BatchMsg(b));
  }
  grpc::Status status;
  auto replies = Exchange(msgs, &status);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(replies.size(), 201u);
  for (int i = 1; i <= 200; ++i) {
    ASSERT_TRUE(replies[i].has_ack());
    EXPECT_EQ(replies[i].ack().seq(), static_cast<uint64_t>(i));
  }
}

}  // namespace
}  // namespace scout::collector
