// Remote write in and the wire codec: codec on literal bytes, then the
// POST /api/v1/write handler over a real SQLite storage and WriteQueue.
#include "collector/remote_write/remote_write_in.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <future>
#include <string>

#include "collector/ingest_pipeline.h"
#include "collector/query_limits.h"
#include "collector/remote_write/remote_write_codec.h"
#include "collector/storage/sqlite_storage.h"
#include "collector/write_queue.h"
#include "shared/selector.h"
#include "tests/common/test_dir.h"
#include "tests/common/test_storage.h"

namespace scout::collector::remote_write {
namespace {

// ---- codec on literal bytes ----

// WriteRequest{timeseries:[{labels:[{__name__,"up"}], samples:[{1.0, 1000}]}]}
// written out by hand from the protobuf encoding rules.
const std::string kUpRequest(
    "\x0a\x1e"                                  // timeseries, 30 bytes
    "\x0a\x0e"                                  // labels, 14 bytes
    "\x0a\x08__name__"                          // name
    "\x12\x02up"                                // value
    "\x12\x0c"                                  // samples, 12 bytes
    "\x09\x00\x00\x00\x00\x00\x00\xf0\x3f"      // value 1.0 (fixed64)
    "\x10\xe8\x07",                             // timestamp 1000 (varint)
    32);

TEST(RemoteWriteCodecTest, ParsesHandWrittenProtobuf) {
  prometheus::WriteRequest r;
  ASSERT_TRUE(r.ParseFromString(kUpRequest));
  ASSERT_EQ(r.timeseries_size(), 1);
  EXPECT_EQ(r.timeseries(0).labels(0).name(), "__name__");
  EXPECT_EQ(r.timeseries(0).labels(0).value(), "up");
  EXPECT_EQ(r.timeseries(0).samples(0).value(), 1.0);
  EXPECT_EQ(r.timeseries(0).samples(0).timestamp(), 1000);
  EXPECT_EQ(r.SerializeAsString(), kUpRequest);  // and writes the same bytes
}

TEST(RemoteWriteCodecTest, SnappyLiteralBlock) {
  // Snappy block: varint length 5, then a literal tag (len-1)<<2 = 0x10.
  const std::string compressed("\x05\x10hello", 7);
  auto raw = SnappyDecompress(compressed, 100);
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(*raw, "hello");
  EXPECT_EQ(SnappyDecompress(SnappyCompress("hello"), 100).value(), "hello");
}

TEST(RemoteWriteCodecTest, AnnouncedLengthOverLimitIsRefusedBeforeDecoding) {
  // Header says 2^32 - 1 bytes (varint ff ff ff ff 0f); there is no data at all.
  const std::string bomb("\xff\xff\xff\xff\x0f\x00", 6);
  auto raw = SnappyDecompress(bomb, 64u << 20);
  EXPECT_EQ(raw.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(raw.status().message().find("4294967295"), std::string::npos);
}

TEST(RemoteWriteCodecTest, GarbledSnappyIsInvalid) {
  EXPECT_EQ(SnappyDecompress(std::string("\x05\x10he", 4), 100).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SnappyDecompress("", 100).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RemoteWriteCodecTest, DecodeLimitsSeries) {
  prometheus::WriteRequest r;
  for (int i = 0; i < 3; ++i) r.add_timeseries();
  DecodeLimits limits;
  limits.max_series = 2;
  EXPECT_EQ(DecodeWriteRequest(EncodeWriteRequest(r), limits).status().code(),
            absl::StatusCode::kResourceExhausted);
  limits.max_series = 3;
  EXPECT_TRUE(DecodeWriteRequest(EncodeWriteRequest(r), limits).ok());
}

TEST(RemoteWriteCodecTest, ToBatchMovesNameAndKeepsStaleNaNBits) {
  prometheus::WriteRequest r;
  auto* ts = r.add_timeseries();
  auto* l = ts->add_labels();
  l->set_name("__name__");
  l->set_value("node_load1");
  l = ts->add_labels();
  l->set_name("job");
  l->set_value("node");
  double stale;
  std::memcpy(&stale, &kStaleNaNBits, sizeof stale);
  auto* s = ts->add_samples();
  s->set_value(stale);
  s->set_timestamp(5);
  uint64_t samples = 0;
  v1::Batch b = ToBatch(r, &samples);
  EXPECT_EQ(samples, 1u);
  ASSERT_EQ(b.series_size(), 1);
  EXPECT_EQ(b.series(0).metric(), "node_load1");
  ASSERT_EQ(b.series(0).labels_size(), 1);
  EXPECT_EQ(b.series(0).labels(0).name(), "job");
  EXPECT_TRUE(IsStaleNaN(b.series(0).points(0).value()));
}

TEST(RemoteWriteCodecTest, ToWriteRequestSortsLabelsWithNameAndMergesSeries) {
  SeriesPoints a{{"m", MakeLabels({{"zone", "b"}, {"_a", "x"}})}, {{20, 2}}};
  SeriesPoints b{{"m", MakeLabels({{"zone", "b"}, {"_a", "x"}})}, {{10, 1}}};
  prometheus::WriteRequest r = ToWriteRequest({&a, &b});
  ASSERT_EQ(r.timeseries_size(), 1);
  const auto& ts = r.timeseries(0);
  ASSERT_EQ(ts.labels_size(), 3);
  EXPECT_EQ(ts.labels(0).name(), "__name__");  // "__name__" < "_a" < "zone"
  EXPECT_EQ(ts.labels(1).name(), "_a");
  EXPECT_EQ(ts.labels(2).name(), "zone");
  ASSERT_EQ(ts.samples_size(), 2);
  EXPECT_EQ(ts.samples(0).timestamp(), 10);
  EXPECT_EQ(ts.samples(1).timestamp(), 20);
}

// ---- the handler over real storage ----

class RemoteWriteInTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = scout::testing::OpenTestStorage(dir_.path(), clock_);
    ASSERT_NE(storage_, nullptr);
    queue_ = std::make_unique<WriteQueue>(*storage_, WriteQueueOptions{}, clock_);
    pipeline_ = std::make_unique<IngestPipeline>(*queue_, *storage_, clock_, SeriesLimits{});
  }
  void TearDown() override { queue_->Stop(); }

  http::Handler Handler(std::function<absl::StatusOr<auth::Principal>(const http::Request&)>
                            authorize = nullptr) {
    RemoteWriteInDeps deps{*pipeline_, clock_, std::move(authorize), nullptr, counters_, {}};
    // What RegisterRemoteWriteIn registers for POST /api/v1/write (the
    // router itself is tested with the HTTP server).
    return MakeRemoteWriteHandler(deps);
  }

  static http::Request Post(std::string body) {
    http::Request r;
    r.method = "POST";
    r.path = "/api/v1/write";
    r.headers["content-encoding"] = "snappy";
    r.headers["content-type"] = "application/x-protobuf";
    r.headers["x-prometheus-remote-write-version"] = "0.1.0";
    r.body = std::move(body);
    return r;
  }

  // Calls the handler; returns the response once Reply was called.
  static http::Response Call(const http::Handler& h, http::Request request) {
    auto promise = std::make_shared<std::promise<http::Response>>();
    auto future = promise->get_future();
    h(std::move(request), [promise](http::Response r) { promise->set_value(std::move(r)); });
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return future.get();
  }

  static prometheus::WriteRequest Request(const std::string& metric, int64_t t, double v,
                                          const std::string& instance = "a") {
    prometheus::WriteRequest r;
    auto* ts = r.add_timeseries();
    auto* l = ts->add_labels();
    l->set_name("__name__");
    l->set_value(metric);
    l = ts->add_labels();
    l->set_name("instance");
    l->set_value(instance);
    auto* s = ts->add_samples();
    s->set_value(v);
    s->set_timestamp(t);
    return r;
  }

  std::vector<Point> Stored(const std::string& selector) {
    auto sel = CompiledSelector::Compile(*ParseSelector(selector));
    ReadBudget budget = ReadBudget::Unlimited();
    auto read = storage_->ReadRange(*sel, 0, kT0 + 3'600'000, 100, budget);
    EXPECT_TRUE(read.ok()) << read.status();
    std::vector<Point> out;
    if (read.ok()) {
      for (const auto& s : read->items) out.insert(out.end(), s.points.begin(), s.points.end());
    }
    return out;
  }

  static constexpr int64_t kT0 = 1'700'000'000'000;
  ManualClock clock_{kT0};
  scout::testing::TestDir dir_{"scout-rw-in"};
  std::unique_ptr<SqliteStorage> storage_;
  std::unique_ptr<WriteQueue> queue_;
  std::unique_ptr<IngestPipeline> pipeline_;
  RemoteWriteInCounters counters_;
};

TEST_F(RemoteWriteInTest, GoodRequestIs204AndStored) {
  queue_->Start();
  http::Handler h = Handler();
  http::Response r = Call(h, Post(EncodeWriteRequest(Request("node_load1", kT0 - 1000, 0.5))));
  EXPECT_EQ(r.status, 204) << r.body;
  std::vector<Point> points = Stored("node_load1{instance=\"a\"}");
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].timestamp_ms, kT0 - 1000);  // the sender's timestamp
  EXPECT_EQ(points[0].value, 0.5);
  EXPECT_EQ(counters_.samples_received.load(), 1u);
  EXPECT_EQ(counters_.samples_stored.load(), 1u);
  EXPECT_EQ(counters_.requests().at(204), 1u);
}

TEST_F(RemoteWriteInTest, ReplyComesOnlyAfterTheCommit) {
  http::Handler h = Handler();
  auto replied = std::make_shared<std::atomic<int>>(0);
  // The writer is not started: nothing can commit, so nothing may answer.
  h(Post(EncodeWriteRequest(Request("m", kT0, 1))),
    [replied](http::Response r) { replied->store(r.status); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(replied->load(), 0);
  EXPECT_TRUE(Stored("m").empty());
  queue_->Start();
  for (int i = 0; i < 500 && replied->load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(replied->load(), 204);
  EXPECT_EQ(Stored("m").size(), 1u);
}

TEST_F(RemoteWriteInTest, StalenessMarkerIsStoredBitExact) {
  queue_->Start();
  http::Handler h = Handler();
  double stale;
  std::memcpy(&stale, &kStaleNaNBits, sizeof stale);
  prometheus::WriteRequest req = Request("up", kT0 - 2000, 1);
  auto* s = req.mutable_timeseries(0)->add_samples();
  s->set_value(stale);
  s->set_timestamp(kT0 - 1000);
  EXPECT_EQ(Call(h, Post(EncodeWriteRequest(req))).status, 204);
  std::vector<Point> points = Stored("up");
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].value, 1);
  EXPECT_TRUE(IsStaleNaN(points[1].value));
}

TEST_F(RemoteWriteInTest, GarbledSnappyIs400AndNothingStored) {
  queue_->Start();
  http::Handler h = Handler();
  std::string body = EncodeWriteRequest(Request("m", kT0, 1));
  body.resize(body.size() - 3);  // truncated
  http::Response r = Call(h, Post(body));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"errorType\":\"bad_data\""), std::string::npos) << r.body;
  EXPECT_EQ(Call(h, Post("this is not snappy at all")).status, 400);
  EXPECT_TRUE(Stored("m").empty());
}

TEST_F(RemoteWriteInTest, GarbageProtobufIs400) {
  queue_->Start();
  http::Handler h = Handler();
  http::Response r = Call(h, Post(SnappyCompress("\xff\xff\xff\xff garbage")));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("WriteRequest"), std::string::npos) << r.body;
  EXPECT_EQ(counters_.requests().at(400), 1u);
}

TEST_F(RemoteWriteInTest, DecompressionBombIs413) {
  queue_->Start();
  http::Handler h = Handler();
  EXPECT_EQ(Call(h, Post(std::string("\xff\xff\xff\xff\x0f\x00", 6))).status, 413);
}

TEST_F(RemoteWriteInTest, WrongEncodingOrTypeIs415) {
  queue_->Start();
  http::Handler h = Handler();
  http::Request r = Post(EncodeWriteRequest(Request("m", kT0, 1)));
  r.headers["content-encoding"] = "gzip";
  EXPECT_EQ(Call(h, r).status, 415);
  r = Post(EncodeWriteRequest(Request("m", kT0, 1)));
  r.headers["content-type"] = "application/json";
  EXPECT_EQ(Call(h, r).status, 415);
}

TEST_F(RemoteWriteInTest, InvalidSamplesAreCountedValidOnesStored) {
  queue_->Start();
  http::Handler h = Handler();
  prometheus::WriteRequest req = Request("good", kT0, 1);
  auto* s = req.mutable_timeseries(0)->add_samples();
  s->set_value(std::nan(""));  // an ordinary NaN: not a staleness marker
  s->set_timestamp(kT0 + 1);
  auto more = Request("bad-name", kT0, 1);  // '-' is not allowed in a metric name
  *req.add_timeseries() = more.timeseries(0);
  EXPECT_EQ(Call(h, Post(EncodeWriteRequest(req))).status, 204);
  EXPECT_EQ(Stored("good").size(), 1u);
  EXPECT_EQ(counters_.samples_received.load(), 3u);
  EXPECT_EQ(counters_.samples_rejected.load(), 2u);
  uint64_t counted = 0;
  for (const RejectedCount& c : pipeline_->RejectedByAgent()) {
    EXPECT_EQ(c.agent, "anonymous");
    counted += c.points;
  }
  EXPECT_EQ(counted, 2u);
}

TEST_F(RemoteWriteInTest, AllSamplesRejectedIs400WithSummary) {
  queue_->Start();
  http::Handler h = Handler();
  http::Response r = Call(h, Post(EncodeWriteRequest(Request("m", 5, 1))));  // 1970
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("TIMESTAMP_TOO_OLD"), std::string::npos) << r.body;
}

TEST_F(RemoteWriteInTest, RefusedCallerGets401AndNothingStored) {
  queue_->Start();
  http::Handler h = Handler([](const http::Request& r) -> absl::StatusOr<auth::Principal> {
    if (r.Header("authorization") == "Bearer good") return auth::Principal{"prom-1", auth::Role::kAgent, {}};
    return absl::UnauthenticatedError("missing or unknown bearer token");
  });
  http::Response r = Call(h, Post(EncodeWriteRequest(Request("m", kT0, 1))));
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(Stored("m").empty());
  http::Request ok = Post(EncodeWriteRequest(Request("m", kT0, 1)));
  ok.headers["authorization"] = "Bearer good";
  EXPECT_EQ(Call(h, ok).status, 204);
  // Agent role: the host label is the principal's name.
  EXPECT_EQ(Stored("m{host=\"prom-1\"}").size(), 1u);
}

TEST_F(RemoteWriteInTest, StoppedQueueIs503WithRetryAfter) {
  queue_->Start();
  queue_->Stop();
  http::Handler h = Handler();
  http::Response r = Call(h, Post(EncodeWriteRequest(Request("m", kT0, 1))));
  EXPECT_EQ(r.status, 503);
  bool retry_after = false;
  for (const auto& [k, v] : r.headers) retry_after |= (k == "Retry-After" && v == "5");
  EXPECT_TRUE(retry_after);
  EXPECT_EQ(counters_.samples_failed.load(), 1u);
}

}  // namespace
}  // namespace scout::collector::remote_write
