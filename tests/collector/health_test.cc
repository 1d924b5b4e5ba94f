// The collector's grpc.health.v1 service — what Kubernetes' native gRPC
// probes call (service "") — over real loopback gRPC against an in-process
// collector: serving while up, NOT_SERVING as soon as Shutdown() begins
// (before the ingest drain), without dropping in-flight batches.
//
// Observed with gRPC 1.51: once Server::Shutdown() runs, the port is closed
// and a Check, even on an existing channel, fails with UNAVAILABLE
// ("Connection refused"); NOT_SERVING is what a probe sees before that.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "collector/collector_server.h"
#include "grpc_health_v1.grpc.pb.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "scout/v1/query.grpc.pb.h"
#include "tests/common/loopback_collector_config.h"
#include "tests/common/test_dir.h"

namespace scout::collector {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using AgentStream = grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>;

constexpr int64_t kNow = 1'764'200'000'000;

// Holds SQLite's write lock from a second connection, so the collector's
// writer waits in its busy handler (5 s, collector/storage/sqlite_db.cc) and
// a submitted batch stays in flight — uncommitted, unacked — until Release().
// This makes "the ingest drain has not finished yet" a state the test
// controls instead of a race it hopes to win.
class CommitHold {
 public:
  explicit CommitHold(const std::string& db_path) {
    EXPECT_EQ(sqlite3_open(db_path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);  // the writer may be mid-commit right now
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
  }
  ~CommitHold() {
    Release();
    sqlite3_close(db_);
  }
  CommitHold(const CommitHold&) = delete;
  CommitHold& operator=(const CommitHold&) = delete;

  void Release() {
    if (held_) {
      EXPECT_EQ(sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    }
    held_ = false;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = true;
};

class HealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = scout::testing::LoopbackCollectorConfig(dir_);
    config_.health_listen = "127.0.0.1:0";  // the plaintext health-only port
    auto s = CollectorServer::Start(config_, clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    health_ = Health::NewStub(channel_);
  }
  void TearDown() override {
    if (stopper_.joinable()) stopper_.join();  // after a failed ASSERT
  }

  grpc::Status Check(const std::string& service, HealthCheckResponse* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckRequest request;
    request.set_service(service);
    return health_->Check(&ctx, request, response);
  }

  // Shuts the server down on another thread, as main() does on SIGTERM, so
  // the test can watch what clients see meanwhile. Join with stopper_.join().
  void ShutdownInBackground(std::chrono::seconds deadline) {
    stopper_ = std::thread([this, deadline] {
      server_->Shutdown(std::chrono::system_clock::now() + deadline);
      shutdown_returned_ = true;
    });
  }

  // Opens an agent stream (Hello, Welcome) and sends batch seq 1 with one
  // point; returns once the collector has read it, so it is in flight
  // before anything that follows (a drain stops reading, it does not drop
  // what was read).
  std::unique_ptr<AgentStream> SendOneBatch(grpc::ClientContext* ctx) {
    auto stub = v1::Ingest::NewStub(channel_);
    auto stream = stub->Stream(ctx);
    v1::AgentMessage hello;
    hello.mutable_hello()->set_agent_id("web-1");
    hello.mutable_hello()->set_hostname("web-1");
    hello.mutable_hello()->set_incarnation_id("inc");
    hello.mutable_hello()->set_interval_ms(10'000);
    EXPECT_TRUE(stream->Write(hello));
    v1::CollectorMessage reply;
    EXPECT_TRUE(stream->Read(&reply) && reply.has_welcome());
    v1::AgentMessage msg;
    msg.mutable_batch()->set_seq(1);
    v1::Series* s = msg.mutable_batch()->add_series();
    s->set_metric("node_load1");
    v1::Label* l = s->add_labels();
    l->set_name("host");
    l->set_value("web-1");
    v1::Point* p = s->add_points();
    p->set_timestamp_ms(kNow);
    p->set_value(0.5);
    EXPECT_TRUE(stream->Write(msg));
    EXPECT_TRUE(WaitForCounter("batches_received=1"));
    return stream;
  }

  // Polls CountersLine(): the server's receipt of a batch has no other
  // observable effect while its commit is held.
  bool WaitForCounter(const std::string& needle) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (server_->CountersLine().find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() > give_up) {
        ADD_FAILURE() << "no " << needle << " in " << server_->CountersLine();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  ManualClock clock_{kNow};
  scout::testing::TestDir dir_{"scout-health"};
  CollectorConfig config_;
  std::unique_ptr<CollectorServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Health::Stub> health_;
  std::thread stopper_;
  std::atomic<bool> shutdown_returned_{false};
};

TEST_F(HealthTest, ServerIsServing) {
  HealthCheckResponse response;
  const grpc::Status status = Check("", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
}

// gRPC's default service knows only "" (the whole server), not the services
// registered with it, so probes must ask for "".
TEST_F(HealthTest, UnknownServiceIsNotFound) {
  for (const char* service : {"no.such.Service", "scout.v1.Ingest"}) {
    HealthCheckResponse response;
    const grpc::Status status = Check(service, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << service;
    EXPECT_EQ(status.error_message(), "service name unknown") << service;
  }
}

TEST_F(HealthTest, WatchTurnsNotServingAsSoonAsShutdownBeginsBeforeIngestDrains) {
  grpc::ClientContext watch_ctx;
  auto watch = health_->Watch(&watch_ctx, HealthCheckRequest());
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);

  CommitHold hold(config_.storage.path);
  grpc::ClientContext agent_ctx;
  auto agent = SendOneBatch(&agent_ctx);
  ShutdownInBackground(std::chrono::seconds(5));

  ASSERT_TRUE(watch->Read(&update)) << "no update before the shutdown deadline";
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  // Readiness failed while the drain is still waiting for the batch.
  EXPECT_NE(server_->CountersLine().find("batches_acked=0"), std::string::npos)
      << server_->CountersLine();
  EXPECT_FALSE(shutdown_returned_);

  hold.Release();
  v1::CollectorMessage reply;
  while (agent->Read(&reply)) {
  }
  agent->Finish();  // asserted in the next test
  // gRPC never ends a Watch itself (see OpenWatchIsCancelledAtTheShutdownDeadline);
  // a client that hangs up lets Shutdown() return before its deadline.
  watch_ctx.TryCancel();
  while (watch->Read(&update)) {
  }
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);
  stopper_.join();
}

// Failing readiness does not drop work: a batch read before Shutdown() is
// committed and acked during the drain, and is there after a restart.
TEST_F(HealthTest, BatchInFlightWhenReadinessFailsIsAckedAndKept) {
  grpc::ClientContext watch_ctx;
  auto watch = health_->Watch(&watch_ctx, HealthCheckRequest());
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));

  CommitHold hold(config_.storage.path);
  grpc::ClientContext agent_ctx;
  auto agent = SendOneBatch(&agent_ctx);
  ShutdownInBackground(std::chrono::seconds(5));
  ASSERT_TRUE(watch->Read(&update)) << "no update before the shutdown deadline";
  ASSERT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  watch_ctx.TryCancel();  // so only the agent stream holds Shutdown()

  hold.Release();
  v1::CollectorMessage reply;
  ASSERT_TRUE(agent->Read(&reply));
  ASSERT_TRUE(reply.has_ack()) << reply.ShortDebugString();
  EXPECT_EQ(reply.ack().seq(), 1u);
  EXPECT_EQ(reply.ack().points_stored(), 1u);
  while (agent->Read(&reply)) ADD_FAILURE() << "after the ack: " << reply.ShortDebugString();
  const grpc::Status agent_status = agent->Finish();
  EXPECT_EQ(agent_status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(agent_status.error_message().find("shutting down"), std::string::npos)
      << agent_status.error_message();
  while (watch->Read(&update)) {
  }
  watch->Finish();
  stopper_.join();

  // Restart on the same database: the acked point was committed.
  server_.reset();
  auto restarted = CollectorServer::Start(config_, clock_);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  server_ = *std::move(restarted);
  auto query = v1::Query::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  v1::LatestRequest request;
  request.mutable_selector()->set_metric("node_load1");
  v1::LatestResponse latest;
  ASSERT_TRUE(query->Latest(&ctx, request, &latest).ok());
  ASSERT_EQ(latest.series_size(), 1);
  EXPECT_EQ(latest.series(0).points(0).value(), 0.5);
}

// An open Watch is an in-flight call like any other: gRPC's health service
// does not end it on shutdown, so Server::Shutdown waits for it until the
// deadline and then cancels it. (Kubernetes' probes use Check, not Watch.)
TEST_F(HealthTest, OpenWatchIsCancelledAtTheShutdownDeadline) {
  grpc::ClientContext watch_ctx;
  auto watch = health_->Watch(&watch_ctx, HealthCheckRequest());
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);

  const auto start = std::chrono::steady_clock::now();
  ShutdownInBackground(std::chrono::seconds(1));
  ASSERT_TRUE(watch->Read(&update)) << "no update before the shutdown deadline";
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(watch->Read(&update));
  const grpc::Status status = watch->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "Cancelling all calls");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  stopper_.join();
}

// The plaintext health-only port (health_listen) reports what the main
// port does, and turns NOT_SERVING as soon as Shutdown() begins.
TEST_F(HealthTest, HealthPortFollowsTheMainPort) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->health_port()),
                                     grpc::InsecureChannelCredentials());
  auto health = Health::NewStub(channel);
  grpc::ClientContext watch_ctx;
  auto watch = health->Watch(&watch_ctx, HealthCheckRequest());
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);

  CommitHold hold(config_.storage.path);
  grpc::ClientContext agent_ctx;
  auto agent = SendOneBatch(&agent_ctx);
  ShutdownInBackground(std::chrono::seconds(5));
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(shutdown_returned_);

  hold.Release();
  v1::CollectorMessage reply;
  while (agent->Read(&reply)) {
  }
  agent->Finish();  // UNAVAILABLE after the drain: health_test covers it
  watch_ctx.TryCancel();
  while (watch->Read(&update)) {
  }
  stopper_.join();
}

}  // namespace
}  // namespace scout::collector
