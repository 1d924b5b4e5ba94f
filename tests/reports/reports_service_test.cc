// Reports.Generate under hostile input (issue 16), over loopback gRPC:
//  * time zones that are paths, "../", 1 MiB long or unknown are refused
//    INVALID_ARGUMENT, and 10,000 distinct such names leave the process's
//    RSS flat (before the check, absl cached every name it was given);
//  * a second generation while one runs is refused RESOURCE_EXHAUSTED;
//  * a generation stops at its server deadline with DEADLINE_EXCEEDED.
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "collector/collector_server.h"
#include "collector/reports_service.h"
#include "scout/v1/reports.grpc.pb.h"
#include "tests/common/loopback_collector_config.h"
#include "tests/common/test_dir.h"

namespace scout::collector {
namespace {

using ::testing::HasSubstr;

// Resident set of this process, in bytes (/proc/self/statm, field 2).
int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * 4096;
}

grpc::Status Generate(v1::Reports::Stub& stub, const std::string& zone,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  v1::GenerateReportRequest req;
  req.set_kind(v1::REPORT_DAILY);
  req.set_period("2026-11-26");
  req.set_timezone(zone);
  req.set_format(v1::REPORT_MARKDOWN);
  v1::GenerateReportResponse resp;
  return stub.Generate(&ctx, req, &resp);
}

TEST(ReportsServiceTest, HostileZonesRefusedAndRssStaysFlat) {
  scout::testing::TestDir dir("scout-reports-service");
  ManualClock clock(1'795'788'190'000);
  auto server = CollectorServer::Start(scout::testing::LoopbackCollectorConfig(dir), clock);
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = v1::Reports::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));

  for (const std::string& zone : {std::string("/etc/passwd"), std::string("../../x"),
                                  std::string(1 << 20, 'A'), std::string("Mars/Olympus")}) {
    const grpc::Status s = Generate(*stub, zone);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << zone.substr(0, 40);
    EXPECT_LT(s.error_message().size(), 400u);
  }
  ASSERT_TRUE(Generate(*stub, "Europe/Berlin").ok());
  ASSERT_TRUE(Generate(*stub, "").ok());

  // Distinct names of 4 KiB: had each one reached absl's per-name cache,
  // 10,000 of them would hold ~40 MiB.
  auto name = [](int i) {
    return "Nowhere/Zone" + std::to_string(i) + "/" + std::string(4096, 'x');
  };
  for (int i = 0; i < 1000; ++i) {  // warm-up: gRPC's buffers and arenas
    ASSERT_EQ(Generate(*stub, name(-i - 1)).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  const int64_t before = RssBytes();
  for (int i = 0; i < 10000; ++i) {
    const std::string zone = i % 3 == 0   ? name(i)
                             : i % 3 == 1 ? "/tmp/zone" + std::to_string(i)
                                          : "Nowhere/Zone" + std::to_string(i);
    ASSERT_EQ(Generate(*stub, zone).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << i;
  }
  const int64_t after = RssBytes();
  std::printf("RSS before %.1f MiB, after 10,000 invalid zones %.1f MiB (%+.2f MiB)\n",
              before / 1048576.0, after / 1048576.0, (after - before) / 1048576.0);
  EXPECT_LT(after - before, 4 << 20) << "RSS grew with distinct invalid time-zone names";
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

// A source whose reads can be held (to keep a generation running) or
// slowed down (to overrun a deadline).
class ControlledSource final : public reports::ReportSource {
 public:
  absl::Notification release;  // reads wait for it when `hold` is set
  absl::Notification entered;  // the first read started
  bool hold = false;
  std::chrono::milliseconds delay{0};
  std::atomic<int> reads{0};

  absl::StatusOr<std::vector<SeriesPoints>> Range(const std::string&, int64_t, int64_t, int64_t,
                                                  Aggregation) override {
    return Read();
  }
  absl::StatusOr<std::vector<SeriesPoints>> Summarize(const std::string&, int64_t, int64_t,
                                                      Aggregation) override {
    return Read();
  }
  absl::StatusOr<std::vector<SeriesPoints>> SampleAt(const std::string&,
                                                     const std::vector<int64_t>&,
                                                     int64_t) override {
    return Read();
  }
  absl::StatusOr<std::vector<SeriesPoints>> Latest(const std::string&, int64_t,
                                                   int64_t) override {
    return Read();
  }
  absl::StatusOr<std::vector<alerting::AlertTransition>> AlertTransitions(int64_t,
                                                                          int64_t) override {
    ++reads;
    return std::vector<alerting::AlertTransition>{};
  }

 private:
  std::vector<SeriesPoints> Read() {
    if (reads++ == 0) entered.Notify();
    if (hold) release.WaitForNotification();
    std::this_thread::sleep_for(delay);
    return {};
  }
};

class ServiceHarness {
 public:
  ServiceHarness(reports::ReportSource& source, std::chrono::milliseconds max_time)
      : clock_(1'795'788'190'000) {
    authorizer_ = *auth::Authorizer::Create(std::nullopt, clock_);
    service_ = std::make_unique<ReportsService>(source, "/nonexistent", "", *authorizer_, clock_,
                                                1, max_time);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = v1::Reports::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                     grpc::InsecureChannelCredentials()));
  }
  ~ServiceHarness() { server_->Shutdown(); }
  v1::Reports::Stub& stub() { return *stub_; }
  ReportsService& service() { return *service_; }

 private:
  ManualClock clock_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<ReportsService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Reports::Stub> stub_;
};

TEST(ReportsServiceTest, SecondGenerationIsRefusedWhileOneRuns) {
  ControlledSource source;
  source.hold = true;
  ServiceHarness h(source, std::chrono::seconds(60));
  grpc::Status first;
  std::thread running([&] { first = Generate(h.stub(), "UTC"); });
  ASSERT_TRUE(source.entered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  const grpc::Status second = Generate(h.stub(), "UTC");
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(second.error_message(), HasSubstr("at most 1 at once"));
  source.release.Notify();
  running.join();
  EXPECT_TRUE(first.ok()) << first.error_message();
  // The slot is free again.
  EXPECT_TRUE(Generate(h.stub(), "UTC").ok());
  EXPECT_EQ(h.service().Stats().refused_concurrency_total, 1u);
  EXPECT_EQ(h.service().Stats().generated_total, 2u);
}

TEST(ReportsServiceTest, GenerationStopsAtTheServerDeadline) {
  ControlledSource source;
  source.delay = std::chrono::milliseconds(100);
  ServiceHarness h(source, std::chrono::milliseconds(250));
  const auto start = std::chrono::steady_clock::now();
  // The client would wait 30 s; the server's cap (250 ms here) wins.
  const grpc::Status s = Generate(h.stub(), "Europe/Berlin", std::chrono::seconds(30));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("deadline"));
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_EQ(h.service().Stats().refused_deadline_total, 1u);
  // Without the cap the same generation needs its reads × 100 ms: the
  // deadline, not the data, ended it.
  EXPECT_LT(source.reads.load(), 20);
}

}  // namespace
}  // namespace scout::collector
