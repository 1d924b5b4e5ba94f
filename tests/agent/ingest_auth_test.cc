// The agent's sender when the collector refuses its credentials: a tiny
// Ingest service on loopback answers every stream with UNAUTHENTICATED (or
// PERMISSION_DENIED) until told to accept. The agent must wait a full
// backoff step between attempts, log the refusal once, log once more when
// accepted again, read its token again on every attempt, and never log it.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "agent/ingest_client.h"
#include "shared/spool.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "tests/common/log_capture.h"
#include "tests/common/test_dir.h"

namespace scout::agent {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

class FakeIngest final : public v1::Ingest::Service {
 public:
  explicit FakeIngest(grpc::StatusCode refusal) : refusal_(refusal) {}

  grpc::Status Stream(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<v1::CollectorMessage, v1::AgentMessage>* stream)
      override {
    {
      absl::MutexLock lock(&mu_);
      attempts_.push_back(std::chrono::steady_clock::now());
      const auto& metadata = context->client_metadata();
      auto it = metadata.find("authorization");
      last_authorization_ =
          it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
      if (refuse_) return grpc::Status(refusal_, "no principal for this token");
    }
    v1::AgentMessage message;
    if (!stream->Read(&message)) return grpc::Status::OK;  // Hello
    v1::CollectorMessage welcome;
    welcome.mutable_welcome()->set_max_batch_bytes(1 << 20);
    stream->Write(welcome);
    while (stream->Read(&message)) {
      if (!message.has_batch()) continue;
      v1::CollectorMessage ack;
      ack.mutable_ack()->set_seq(message.batch().seq());
      stream->Write(ack);
    }
    return grpc::Status::OK;
  }

  void Accept() {
    absl::MutexLock lock(&mu_);
    refuse_ = false;
  }
  std::vector<SteadyTime> attempts() {
    absl::MutexLock lock(&mu_);
    return attempts_;
  }
  std::string last_authorization() {
    absl::MutexLock lock(&mu_);
    return last_authorization_;
  }

 private:
  const grpc::StatusCode refusal_;
  absl::Mutex mu_;
  bool refuse_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<SteadyTime> attempts_ ABSL_GUARDED_BY(mu_);
  std::string last_authorization_ ABSL_GUARDED_BY(mu_);
};

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

class IngestAuthTest : public ::testing::TestWithParam<grpc::StatusCode> {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    SpoolOptions spool;
    spool.dir = dir_ / "spool";
    spool.fsync = false;
    auto opened = Spool::Open(spool, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    spool_ = *std::move(opened);
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  void WriteToken(const std::string& token) { std::ofstream(dir_ / "token") << token << "\n"; }
  IngestClientOptions Options() {
    IngestClientOptions o;
    o.address = "127.0.0.1:" + std::to_string(port_);
    o.agent_id = "node-1";
    o.hostname = "node-1";
    o.incarnation_id = "test";
    o.initial_backoff = kInitialBackoff;
    o.max_backoff = kMaxBackoff;
    o.security.token_file = dir_ / "token";
    return o;
  }

  static constexpr std::chrono::milliseconds kInitialBackoff{20};
  static constexpr std::chrono::milliseconds kMaxBackoff{300};
  FakeIngest service_{GetParam()};
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  ManualClock clock_{1'764'200'000'000};
  scout::testing::TestDir dir_{"scout-ingest-auth"};
  std::unique_ptr<Spool> spool_;
};

TEST_P(IngestAuthTest, RefusalWaitsAFullStepPerAttemptAndIsLoggedOncePerChange) {
  scout::testing::LogCapture log;
  WriteToken("wrong-token-1234");
  AgentCounters counters;
  IngestClient client(Options(), *spool_, counters, clock_);
  client.Start();
  // Five full steps; the jittered backoff from 20 ms would try ~10 times.
  std::this_thread::sleep_for(kMaxBackoff * 5);
  const std::vector<SteadyTime> refused = service_.attempts();
  ASSERT_GE(refused.size(), 2u);
  EXPECT_LE(refused.size(), 6u);
  for (size_t i = 1; i < refused.size(); ++i) {
    EXPECT_GE(refused[i] - refused[i - 1], kMaxBackoff - std::chrono::milliseconds(5))
        << "attempt " << i;
  }
  EXPECT_EQ(service_.last_authorization(), "Bearer wrong-token-1234");
  EXPECT_FALSE(counters.connected);

  // Fixed on disk: the next attempt reads the new token and is accepted.
  WriteToken("good-token-5678");
  service_.Accept();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!counters.connected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(counters.connected);
  EXPECT_EQ(service_.last_authorization(), "Bearer good-token-5678");
  client.Stop(std::chrono::milliseconds(500));

  const std::string text = log.text();
  EXPECT_EQ(Count(text, "refused credentials"), 1u) << text;
  EXPECT_EQ(Count(text, "no principal for this token"), 1u) << text;
  EXPECT_EQ(Count(text, "accepted the credentials again"), 1u) << text;
  EXPECT_EQ(Count(text, "cannot reach collector"), 0u) << text;
  EXPECT_EQ(text.find("wrong-token-1234"), std::string::npos) << text;
  EXPECT_EQ(text.find("good-token-5678"), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(Codes, IngestAuthTest,
                         ::testing::Values(grpc::StatusCode::UNAUTHENTICATED,
                                           grpc::StatusCode::PERMISSION_DENIED));

}  // namespace
}  // namespace scout::agent
