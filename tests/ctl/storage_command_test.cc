// `sctl storage` against an in-process collector: samples arrive through
// the Ingest stream, the writer flushes them into chunks and rollups, and
// the command reads the per-tier figures over loopback gRPC.
#include "ctl/storage_command.h"

#include <sstream>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include "tests/common/loopback_collector_config.h"
#include "tests/common/ingest_batch.h"

#include "collector/collector_server.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "tests/common/test_dir.h"

namespace scout::ctl {
namespace {

constexpr int64_t kNow = 1'795'788'190'000;        // 2026-11-27T14:03:10Z
constexpr int64_t kHour0 = kNow / 3'600'000 * 3'600'000 - 2 * 3'600'000;  // 12:00Z

class StorageCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = scout::testing::LoopbackCollectorConfig(dir_);
    auto server = collector::CollectorServer::Start(config_, clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    const std::string address = "127.0.0.1:" + std::to_string(server_->port());
    channel_ = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    stub_ = v1::Query::NewStub(channel_);
    ctx_.collector = address;
    ctx_.timeout = std::chrono::seconds(5);
    ctx_.clock = &clock_;
  }

  // Two series, 2 h at 10 s (720 samples each), from one agent.
  void Send() {
    v1::Batch batch;
    for (const char* metric : {"node_load1", "http_request_duration_seconds"}) {
      v1::Series* s = batch.add_series();
      s->set_metric(metric);
      v1::Label* l = s->add_labels();
      l->set_name("host");
      l->set_value("web-1");
      for (int i = 0; i < 720; ++i) {
        v1::Point* p = s->add_points();
        p->set_timestamp_ms(kHour0 + i * 10'000);
        p->set_value(0.1 + i % 7);
      }
    }
    ASSERT_TRUE(scout::testing::IngestBatch(channel_, "web-1", 10'000, batch));
  }

  std::string Run(OutputFormat format) {
    std::ostringstream out, err;
    absl::Status status = RunStorage(*stub_, ctx_, Output{&out, &err, format, absl::UTCTimeZone()});
    EXPECT_TRUE(status.ok()) << status;
    return out.str();
  }

  scout::testing::TestDir dir_{"scout-sctl-storage"};
  ManualClock clock_{kNow};
  collector::CollectorConfig config_;
  std::unique_ptr<collector::CollectorServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Query::Stub> stub_;
  Context ctx_;
};

TEST_F(StorageCommandTest, ShowsEveryTierAfterTheWriterFlushes) {
  Send();
  // In memory first.
  EXPECT_NE(Run(OutputFormat::kCsv).find("memory,0,1440,"), std::string::npos)
      << Run(OutputFormat::kCsv);
  clock_.Advance(std::chrono::minutes(11));  // the flush interval has passed
  std::string csv;
  for (int i = 0; i < 100; ++i) {
    csv = Run(OutputFormat::kCsv);
    if (csv.find("raw,2,1440,") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(csv.find("raw,2,1440," + std::to_string(kHour0) + ","), std::string::npos) << csv;
  EXPECT_NE(csv.find("1h,4,1440," + std::to_string(kHour0) + "," + std::to_string(kHour0 + 3'600'000) +
                     ",7776000000,"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("1d,2,1440,"), std::string::npos) << csv;

  const std::string table = Run(OutputFormat::kTable);
  EXPECT_EQ(table.rfind("TIER    ROWS  SAMPLES  OLDEST               NEWEST               RETENTION", 0), 0u)
      << table;
  EXPECT_NE(table.find("raw        2     1440  2026-11-27 12:00:00  2026-11-27 13:59:50  15d"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find(" 2 series\n"), std::string::npos) << table;

  const std::string json = Run(OutputFormat::kJson);
  EXPECT_NE(json.find("\"tier\": \"1d\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"bytes_per_sample\""), std::string::npos) << json;
}

}  // namespace
}  // namespace scout::ctl
