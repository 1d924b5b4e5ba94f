// Issue 16: the ingest limits over real gRPC on loopback against an
// in-process collector — per-point limits, series limits (with a manual
// clock moving hours), stream timeouts, the per-peer stream cap, the bytes
// budget, and unparseable frames from a hand-made (generic) client.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "collector/auth/tokens_file.h"
#include "collector/collector_server.h"
#include "collector/ingest_service.h"
#include "collector/write_queue.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "scout/v1/query.grpc.pb.h"
#include "tests/common/log_capture.h"
#include "tests/common/loopback_collector_config.h"
#include "tests/common/ingest_batch.h"
#include "tests/common/test_dir.h"

namespace scout::collector {
namespace {

using scout::testing::AddSeries;
using scout::testing::BatchMsg;
using scout::testing::Hello;

using std::chrono::milliseconds;
constexpr int64_t kNow = 1'764'200'000'000;  // 2025-11-26 23:33:20 UTC
constexpr int64_t kHour = 3'600'000;

class IngestLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { config_ = scout::testing::LoopbackCollectorConfig(dir_); }
  void TearDown() override { server_.reset(); }
  void Start() {
    auto s = CollectorServer::Start(config_, clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    channel_ = Channel();
  }
  std::shared_ptr<grpc::Channel> Channel() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server_->port()),
                                     grpc::InsecureChannelCredentials(), args);
  }

  std::vector<v1::CollectorMessage> Exchange(const std::vector<v1::AgentMessage>& msgs,
                                             grpc::Status* status) {
    return scout::testing::Exchange(channel_, msgs, status);
  }

  // One batch on its own stream; returns its Ack (fails the test without one).
  v1::Ack Send(const std::string& agent, v1::Batch b) {
    grpc::Status status;
    auto replies = Exchange({Hello(agent), BatchMsg(1, std::move(b))}, &status);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& r : replies) {
      if (r.has_ack()) return r.ack();
      if (r.has_rejection()) {
        // Every point rejected: an ack that stored nothing, its reason
        // recovered from the text when it is a series limit.
        v1::Ack a;
        a.set_points_stored(0);
        a.set_points_rejected(1);
        v1::RejectedPoints* rp = a.add_rejected();
        rp->set_points(1);
        if (r.rejection().reason().find("SERIES_LIMIT") != std::string::npos) {
          rp->set_reason(v1::SERIES_LIMIT);
        }
        rp->set_example(r.rejection().reason());
        return a;
      }
    }
    ADD_FAILURE() << "no ack";
    return {};
  }

  static uint32_t Rejected(const v1::Ack& ack, v1::RejectReason reason) {
    for (const auto& r : ack.rejected()) {
      if (r.reason() == reason) return r.points();
    }
    return 0;
  }

  uint64_t RejectedCounter(const std::string& agent, const std::string& reason) {
    for (const RejectedCount& r : server_->ingest().RejectedByAgent()) {
      if (r.agent == agent && r.reason == reason) return r.points;
    }
    return 0;
  }

  bool Stored(const std::string& metric) {
    auto stub = v1::Query::NewStub(channel_);
    grpc::ClientContext ctx;
    v1::ListSeriesRequest req;
    req.mutable_selector()->set_metric(metric);
    v1::ListSeriesResponse resp;
    EXPECT_TRUE(stub->ListSeries(&ctx, req, &resp).ok());
    return resp.series_size() > 0;
  }

  ManualClock clock_{kNow};
  scout::testing::TestDir dir_{"scout-ingest-limits"};
  CollectorConfig config_;
  std::unique_ptr<CollectorServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

// --- per-point limits ------------------------------------------------------

TEST_F(IngestLimitsTest, PointLimitsRejectPerPointKeepTheStreamAndStoreTheRest) {
  config_.ingest.points.max_labels_per_series = 3;
  config_.ingest.points.max_label_name_length = 10;
  config_.ingest.points.max_metric_name_length = 20;
  config_.ingest.points.max_label_value_length = 8;
  config_.ingest.points.max_sample_age_ms = 24 * kHour;
  Start();
  struct Case {
    const char* name;
    std::function<void(v1::Batch*)> spoil;
    v1::RejectReason reason;
    const char* detail;
  };
  auto label = [](v1::Series* s, const std::string& n, const std::string& v) {
    v1::Label* l = s->add_labels();
    l->set_name(n);
    l->set_value(v);
  };
  const std::vector<Case> cases = {
      {"4 labels",
       [&](v1::Batch* b) {
         v1::Series* s = AddSeries(b, "m_bad", kNow);
         label(s, "a", "1");
         label(s, "b", "2");
         label(s, "c", "3");
       },
       v1::TOO_MANY_LABELS, "4 labels, over the limit of 3"},
      {"long metric name", [&](v1::Batch* b) { AddSeries(b, std::string(21, 'm'), kNow); },
       v1::NAME_TOO_LONG, "metric name of 21 bytes"},
      {"long metric name that is also invalid",
       [&](v1::Batch* b) { AddSeries(b, std::string(30, '-'), kNow); }, v1::NAME_TOO_LONG,
       "metric name of 30 bytes"},
      {"long label name",
       [&](v1::Batch* b) { label(AddSeries(b, "m_bad", kNow), std::string(11, 'l'), "x"); },
       v1::NAME_TOO_LONG, "label name \"lllllllllll\" of 11 bytes"},
      {"long label value",
       [&](v1::Batch* b) { label(AddSeries(b, "m_bad", kNow), "path", "123456789"); },
       v1::INVALID_LABELS, "over 8 bytes"},
      {"older than max_sample_age",
       [&](v1::Batch* b) { AddSeries(b, "m_bad", kNow - 25 * kHour); }, v1::TIMESTAMP_TOO_OLD,
       "over max_sample_age"},
  };
  int n = 0;
  for (const Case& c : cases) {
    // Two batches on one stream: the second is acked too (stream stays open).
    v1::Batch b1, b2;
    AddSeries(&b1, "good_metric", kNow + n++);
    c.spoil(&b1);
    AddSeries(&b2, "good_metric", kNow + n++);
    grpc::Status status;
    auto replies = Exchange({Hello("web-1"), BatchMsg(1, b1), BatchMsg(2, b2)}, &status);
    ASSERT_TRUE(status.ok()) << c.name << ": " << status.error_message();
    ASSERT_EQ(replies.size(), 3u) << c.name;
    ASSERT_TRUE(replies[1].has_ack()) << c.name;
    const v1::Ack& ack = replies[1].ack();
    EXPECT_EQ(ack.points_stored(), 1u) << c.name;
    EXPECT_EQ(ack.points_rejected(), 1u) << c.name;
    ASSERT_EQ(ack.rejected_size(), 1) << c.name;
    EXPECT_EQ(ack.rejected(0).reason(), c.reason) << c.name;
    EXPECT_NE(ack.rejected(0).example().find(c.detail), std::string::npos)
        << c.name << ": " << ack.rejected(0).example();
    ASSERT_TRUE(replies[2].has_ack()) << c.name;
    EXPECT_EQ(replies[2].ack().points_stored(), 1u) << c.name;
  }
  EXPECT_FALSE(Stored("m_bad"));
  EXPECT_TRUE(Stored("good_metric"));
  EXPECT_EQ(RejectedCounter("web-1", "too_many_labels"), 1u);
  EXPECT_EQ(RejectedCounter("web-1", "name_too_long"), 3u);
  EXPECT_EQ(RejectedCounter("web-1", "invalid_labels"), 1u);
  EXPECT_EQ(RejectedCounter("web-1", "timestamp_too_old"), 1u);
}

TEST_F(IngestLimitsTest, SampleAgeDefaultsToRawRetentionAndZeroTurnsItOff) {
  auto parsed = ParseCollectorConfig("storage:\n  raw_retention: 2d\n", "c.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->ingest.points.max_sample_age_ms, 48 * kHour);
  parsed = ParseCollectorConfig("storage:\n  raw_retention: 2d\ningest:\n  max_sample_age: 0s\n",
                                "c.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->ingest.points.max_sample_age_ms, 0);

  config_.ingest.points.max_sample_age_ms = 0;
  Start();
  v1::Batch b;
  AddSeries(&b, "old_metric", kNow - 400 * 24 * kHour);  // a year ago: accepted when off
  EXPECT_EQ(Send("web-1", b).points_stored(), 1u);
}

// --- series limits ---------------------------------------------------------

v1::Batch SeriesBatch(int from, int to, int64_t ts) {
  v1::Batch b;
  for (int i = from; i < to; ++i) {
    v1::Series* s = b.add_series();
    s->set_metric("bomb_metric");
    v1::Label* l = s->add_labels();
    l->set_name("id");
    l->set_value(std::to_string(i));
    v1::Point* p = s->add_points();
    p->set_timestamp_ms(ts);
    p->set_value(i);
  }
  return b;
}

TEST_F(IngestLimitsTest, ActiveSeriesPerAgentAreCappedForTheCurrentAndPreviousHour) {
  config_.ingest.series.max_series_per_agent = 3;
  Start();
  scout::testing::LogCapture log;
  // Hour 0: 5 series, 3 admitted; on the same stream the 3 keep working.
  grpc::Status status;
  auto replies = Exchange({Hello("bomb"), BatchMsg(1, SeriesBatch(0, 5, clock_.NowMs())),
                           BatchMsg(2, SeriesBatch(0, 3, clock_.NowMs() + 1)),
                           BatchMsg(3, SeriesBatch(3, 4, clock_.NowMs() + 2))},
                          &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(replies.size(), 4u);
  // A Rejection needs no commit, so it may overtake the Acks: by seq.
  std::map<uint64_t, v1::CollectorMessage> by_seq;
  for (const auto& r : replies) {
    if (r.has_ack()) by_seq[r.ack().seq()] = r;
    if (r.has_rejection()) by_seq[r.rejection().seq()] = r;
  }
  ASSERT_TRUE(by_seq[1].has_ack());
  EXPECT_EQ(by_seq[1].ack().points_stored(), 3u);
  EXPECT_EQ(Rejected(by_seq[1].ack(), v1::SERIES_LIMIT), 2u);
  EXPECT_NE(by_seq[1].ack().rejected(0).example().find("max_series_per_agent (3)"),
            std::string::npos);
  ASSERT_TRUE(by_seq[2].has_ack());
  EXPECT_EQ(by_seq[2].ack().points_stored(), 3u);
  // Only a series over the limit: the batch is rejected as invalid (dropped).
  ASSERT_TRUE(by_seq[3].has_rejection());
  EXPECT_EQ(by_seq[3].rejection().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_NE(by_seq[3].rejection().reason().find("SERIES_LIMIT"), std::string::npos);
  EXPECT_EQ(RejectedCounter("bomb", "series_limit"), 3u);
  EXPECT_EQ(server_->ingest().limiter().active_series("bomb"), 3);
  // Logged once for the episode, not once per batch.
  const std::string text = log.text();
  const size_t first = text.find("agent bomb: 2 points over max_series_per_agent (3)");
  EXPECT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("points over max_series_per_agent", first + 20), std::string::npos) << text;
  EXPECT_EQ(text.find("with SERIES_LIMIT"), std::string::npos) << "not logged per stream: " << text;

  // Another agent has its own 3.
  EXPECT_EQ(Send("good", SeriesBatch(100, 103, clock_.NowMs())).points_stored(), 3u);

  // Hour 1: the series of hour 0 are still active, so a new one is refused.
  clock_.Advance(milliseconds(kHour));
  v1::Ack refused = Send("bomb", SeriesBatch(10, 11, clock_.NowMs()));
  EXPECT_EQ(refused.points_stored(), 0u);
  EXPECT_GT(Rejected(refused, v1::SERIES_LIMIT), 0u);
  EXPECT_EQ(RejectedCounter("bomb", "series_limit"), 4u);
  // Hour 2: hour 0 is forgotten; hour 1 wrote nothing admitted.
  clock_.Advance(milliseconds(kHour));
  v1::Ack ack = Send("bomb", SeriesBatch(10, 13, clock_.NowMs()));
  EXPECT_EQ(ack.points_stored(), 3u);
  EXPECT_EQ(ack.points_rejected(), 0u);
  EXPECT_TRUE(Stored("bomb_metric"));
}

TEST_F(IngestLimitsTest, NewSeriesPerAgentPerRollingHour) {
  config_.ingest.series.max_new_series_per_agent_per_hour = 2;
  Start();
  v1::Ack ack = Send("a", SeriesBatch(0, 3, clock_.NowMs()));
  EXPECT_EQ(ack.points_stored(), 2u);
  EXPECT_EQ(Rejected(ack, v1::SERIES_LIMIT), 1u);
  EXPECT_NE(ack.rejected(0).example().find("max_new_series_per_agent_per_hour (2)"),
            std::string::npos)
      << ack.rejected(0).example();
  // Series that storage already has are not new: agent b (no host binding
  // without auth) writes a's two series plus one of its own.
  ack = Send("b", SeriesBatch(0, 2, clock_.NowMs()));
  EXPECT_EQ(ack.points_stored(), 2u);
  ack = Send("b", SeriesBatch(50, 52, clock_.NowMs()));
  EXPECT_EQ(ack.points_stored(), 2u);
  // Rolling: 30 minutes later still refused, 61 minutes later admitted.
  clock_.Advance(milliseconds(kHour / 2));
  ack = Send("a", SeriesBatch(2, 3, clock_.NowMs()));
  EXPECT_EQ(ack.points_stored(), 0u);
  EXPECT_EQ(RejectedCounter("a", "series_limit"), 2u);
  clock_.Advance(milliseconds(kHour / 2 + 60'000));
  ack = Send("a", SeriesBatch(2, 3, clock_.NowMs()));
  EXPECT_EQ(ack.points_stored(), 1u);
}

TEST_F(IngestLimitsTest, TotalSeriesLimitCountsStorageAndUncommittedSeries) {
  config_.ingest.series.max_series = 4;
  Start();
  EXPECT_EQ(Send("a", SeriesBatch(0, 2, clock_.NowMs())).points_stored(), 2u);
  EXPECT_EQ(server_->storage().Gauges().series, 2);
  v1::Ack ack = Send("b", SeriesBatch(10, 15, clock_.NowMs()));
  EXPECT_EQ(ack.points_stored(), 2u);
  EXPECT_EQ(Rejected(ack, v1::SERIES_LIMIT), 3u);
  EXPECT_NE(ack.rejected(0).example().find("max_series (4)"), std::string::npos);
  EXPECT_EQ(server_->storage().Gauges().series, 4);
  // Existing series still take data.
  clock_.Advance(milliseconds(1000));
  EXPECT_EQ(Send("a", SeriesBatch(0, 2, clock_.NowMs())).points_stored(), 2u);
  EXPECT_EQ(RejectedCounter("b", "series_limit"), 3u);
}

TEST_F(IngestLimitsTest, LimiterMemoryIsCappedAtTwiceMaxSeriesHashes) {
  config_.ingest.series.max_series = 2;
  Start();
  // Without host binding agents may share series: each agent tracks them.
  EXPECT_EQ(Send("a", SeriesBatch(0, 2, clock_.NowMs())).points_stored(), 2u);
  EXPECT_EQ(Send("b", SeriesBatch(0, 2, clock_.NowMs())).points_stored(), 2u);
  EXPECT_EQ(server_->ingest().limiter().tracked_hashes(), 4u);
  v1::Ack ack = Send("c", SeriesBatch(0, 1, clock_.NowMs()));
  EXPECT_EQ(ack.points_stored(), 0u);
  EXPECT_NE(ack.rejected(0).example().find("series limiter full"), std::string::npos)
      << ack.rejected(0).example();
  EXPECT_EQ(server_->ingest().limiter().tracked_hashes(), 4u);
  // Two hours later the generations are empty and the agents forgotten.
  clock_.Advance(milliseconds(2 * kHour));
  EXPECT_EQ(Send("c", SeriesBatch(0, 1, clock_.NowMs())).points_stored(), 1u);
  EXPECT_EQ(server_->ingest().limiter().tracked_hashes(), 1u);
  EXPECT_LE(server_->ingest().limiter().tracked_agents(), 2u);  // c, and b/a only if recent
}

// --- streams -----------------------------------------------------------------

TEST_F(IngestLimitsTest, StreamWithoutHelloIsClosedAfterTheHelloTimeout) {
  config_.ingest.hello_timeout = milliseconds(300);
  Start();
  auto stub = v1::Ingest::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const auto start = std::chrono::steady_clock::now();
  auto stream = stub->Stream(&ctx);
  v1::CollectorMessage reply;
  EXPECT_FALSE(stream->Read(&reply));
  grpc::Status status = stream->Finish();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_NE(status.error_message().find("no Hello"), std::string::npos);
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(server_->ingest().counters().closed_hello_timeout.load(), 1u);
  // A real agent still connects and is not cut off after its Hello.
  v1::Batch b;
  AddSeries(&b, "node_load1", kNow);
  grpc::ClientContext ctx2;
  auto agent = stub->Stream(&ctx2);
  ASSERT_TRUE(agent->Write(Hello("web-1")));
  ASSERT_TRUE(agent->Read(&reply));
  EXPECT_TRUE(reply.has_welcome());
  std::this_thread::sleep_for(milliseconds(600));
  ASSERT_TRUE(agent->Write(BatchMsg(1, b)));
  ASSERT_TRUE(agent->Read(&reply));
  EXPECT_TRUE(reply.has_ack());
  agent->WritesDone();
  EXPECT_TRUE(agent->Finish().ok());
}

TEST_F(IngestLimitsTest, IdleStreamIsClosedButAnActiveOneIsNot) {
  config_.ingest.idle_stream_timeout = milliseconds(400);
  Start();
  auto stub = v1::Ingest::NewStub(channel_);
  // Active: a batch every 100 ms for 1.2 s, all acked, clean end.
  {
    grpc::ClientContext ctx;
    auto stream = stub->Stream(&ctx);
    ASSERT_TRUE(stream->Write(Hello("busy")));
    v1::CollectorMessage reply;
    ASSERT_TRUE(stream->Read(&reply));
    for (int i = 1; i <= 12; ++i) {
      v1::Batch b;
      AddSeries(&b, "node_load1", kNow + i);
      ASSERT_TRUE(stream->Write(BatchMsg(i, b)));
      ASSERT_TRUE(stream->Read(&reply)) << i;
      EXPECT_TRUE(reply.has_ack());
      std::this_thread::sleep_for(milliseconds(100));
    }
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
  }
  EXPECT_EQ(server_->ingest().counters().closed_idle.load(), 0u);
  // Idle after its Hello: closed.
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->Stream(&ctx);
  ASSERT_TRUE(stream->Write(Hello("sleepy")));
  v1::CollectorMessage reply;
  ASSERT_TRUE(stream->Read(&reply));
  EXPECT_TRUE(reply.has_welcome());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(stream->Read(&reply));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("idle"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(server_->ingest().counters().closed_idle.load(), 1u);
}

std::string TokenEntry(const std::string& principal, const std::string& token) {
  return "  - principal: " + principal + "\n    role: admin\n    sha256: " +
         auth::Sha256Hex(token) + "\n";
}

TEST_F(IngestLimitsTest, PerPeerStreamCapRefusesTheNextStreamOfThatPrincipalOnly) {
  std::ofstream(dir_ / "tokens.yaml") << "tokens:\n"
                                      << TokenEntry("fleet-a", "token-a")
                                      << TokenEntry("fleet-b", "token-b");
  config_.auth.emplace();
  config_.auth->tokens_file = dir_ / "tokens.yaml";
  config_.ingest.max_streams_per_peer = 2;
  Start();
  auto stub = v1::Ingest::NewStub(channel_);
  struct Open {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>> stream;
  };
  // Opens a stream and waits for its Welcome; returns the status if refused.
  auto open = [&](Open* o, const std::string& token, const std::string& agent) {
    o->ctx.AddMetadata("authorization", "Bearer " + token);
    o->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    o->stream = stub->Stream(&o->ctx);
    o->stream->Write(Hello(agent));
    v1::CollectorMessage reply;
    if (o->stream->Read(&reply) && reply.has_welcome()) return grpc::Status::OK;
    return o->stream->Finish();
  };
  Open a1, a2, a3, b1, a4;
  ASSERT_TRUE(open(&a1, "token-a", "a1").ok());
  ASSERT_TRUE(open(&a2, "token-a", "a2").ok());
  grpc::Status refused = open(&a3, "token-a", "a3");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("max_streams_per_peer 2"), std::string::npos)
      << refused.error_message();
  EXPECT_TRUE(open(&b1, "token-b", "b1").ok());
  EXPECT_EQ(server_->ingest().counters().closed_peer_limit.load(), 1u);
  // One of a's streams ends: a may open another.
  a1.stream->WritesDone();
  EXPECT_TRUE(a1.stream->Finish().ok());
  for (int i = 0; i < 100 && server_->ingest().live_streams() > 2; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(open(&a4, "token-a", "a4").ok());
  for (Open* o : {&a2, &b1, &a4}) {
    o->stream->WritesDone();
    EXPECT_TRUE(o->stream->Finish().ok());
  }
}

TEST_F(IngestLimitsTest, PerPeerStreamCapWithoutAuthCountsTheClientAddress) {
  config_.ingest.max_streams_per_peer = 1;
  Start();
  auto stub = v1::Ingest::NewStub(channel_);
  grpc::ClientContext ctx1;
  auto s1 = stub->Stream(&ctx1);
  ASSERT_TRUE(s1->Write(Hello("a")));
  v1::CollectorMessage reply;
  ASSERT_TRUE(s1->Read(&reply));
  // Another connection from the same IP (another port) is the same peer.
  auto stub2 = v1::Ingest::NewStub(Channel());
  grpc::ClientContext ctx2;
  auto s2 = stub2->Stream(&ctx2);
  s2->Write(Hello("b"));
  EXPECT_FALSE(s2->Read(&reply));
  EXPECT_EQ(s2->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  s1->WritesDone();
  EXPECT_TRUE(s1->Finish().ok());
}

// --- bytes budget ------------------------------------------------------------

TEST_F(IngestLimitsTest, BytesBudgetParksStreamsAndEverythingIsStillAcked) {
  config_.max_pending_bytes = 64 << 10;  // below one batch: every batch fills the queue
  Start();
  constexpr int kStreams = 4, kBatches = 15, kSeries = 500;
  const size_t batch_bytes = [&] {
    WriteBatch wb;
    for (int i = 0; i < kSeries; ++i) {
      wb.series.push_back({SeriesKey{"bomb_metric", {{"host", "web-1"}, {"id", std::to_string(i)}}},
                           {Point{kNow, 1}}});
    }
    return WriteQueue::EstimateBytes(wb);
  }();
  ASSERT_GT(batch_bytes, 64u << 10);
  std::atomic<int> acked{0};
  std::vector<std::thread> agents;
  for (int a = 0; a < kStreams; ++a) {
    agents.emplace_back([&, a] {
      auto stub = v1::Ingest::NewStub(Channel());
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      auto stream = stub->Stream(&ctx);
      stream->Write(Hello("agent-" + std::to_string(a)));
      for (int i = 1; i <= kBatches; ++i) {
        stream->Write(BatchMsg(i, SeriesBatch(a * 1000, a * 1000 + kSeries, kNow + i)));
      }
      stream->WritesDone();
      v1::CollectorMessage reply;
      while (stream->Read(&reply)) {
        if (reply.has_ack() && reply.ack().points_stored() == kSeries) ++acked;
      }
      EXPECT_TRUE(stream->Finish().ok());
    });
  }
  for (auto& t : agents) t.join();
  EXPECT_EQ(acked.load(), kStreams * kBatches);
  const WriteStats stats = server_->writes().stats();
  EXPECT_GT(stats.parked, 0u);
  // Each stream adds at most one batch after the queue became full.
  EXPECT_LE(stats.peak_pending_bytes, (64u << 10) + kStreams * batch_bytes);
  // The writer frees a group's bytes right after its callbacks (the acks).
  for (int i = 0; i < 200 && server_->writes().pending_bytes() != 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(server_->writes().pending_bytes(), 0u);
}

// --- unparseable frames --------------------------------------------------------

// Sends raw bytes as messages of Ingest.Stream with a generic client and
// returns the final status.
grpc::Status SendRaw(const std::shared_ptr<grpc::Channel>& channel,
                     const std::vector<std::string>& frames) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto wait = [&cq](intptr_t want) {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), want);
    return ok;
  };
  auto call = stub.PrepareCall(&ctx, "/scout.v1.Ingest/Stream", &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  EXPECT_TRUE(wait(1));
  for (const std::string& frame : frames) {
    grpc::Slice slice(frame);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, reinterpret_cast<void*>(2));
    if (!wait(2)) break;
  }
  call->WritesDone(reinterpret_cast<void*>(3));
  wait(3);
  grpc::ByteBuffer reply;
  do {
    call->Read(&reply, reinterpret_cast<void*>(4));
  } while (wait(4));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  wait(5);
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

TEST_F(IngestLimitsTest, UnparseableFramesEndTheStreamWithInvalidArgument) {
  Start();
  // Garbage: 0xff is field 31 with wire type 7, which does not exist.
  const std::string garbage("\xff\xff\xff\xff garbage", 12);
  ASSERT_FALSE(v1::AgentMessage().ParseFromString(garbage));
  grpc::Status status = SendRaw(channel_, {garbage});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_NE(status.error_message().find("unparseable"), std::string::npos);

  // A Hello whose agent_id is not UTF-8: AgentMessage{hello(1){agent_id(1)="a\xffb"}},
  // made by hand because protobuf will not serialize it cleanly.
  const std::string bad_utf8("\x0a\x05\x0a\x03" "a\xff" "b", 7);
  ASSERT_FALSE(v1::AgentMessage().ParseFromString(bad_utf8));
  v1::AgentMessage good = Hello("web-1");
  status = SendRaw(channel_, {good.SerializeAsString(), bad_utf8});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  status = SendRaw(channel_, {bad_utf8});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_EQ(server_->ingest().counters().frames_invalid.load(), 3u);

  // A valid frame and a clean half-close still end with OK.
  status = SendRaw(channel_, {good.SerializeAsString()});
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(server_->ingest().counters().frames_invalid.load(), 3u);
}

}  // namespace
}  // namespace scout::collector

namespace scout::collector {
namespace {

TEST(IngestLimitsConfigTest, KeysAreReadAndBadValuesNameFileLineAndKey) {
  auto c = ParseCollectorConfig(
      "ingest:\n  max_labels_per_series: 30\n  max_label_name_length: 100\n"
      "  max_metric_name_length: 120\n  max_label_value_length: 2048\n"
      "  max_series_per_agent: 1000\n  max_new_series_per_agent_per_hour: 500\n"
      "  max_series: 100000\n  max_sample_age: 2d\n  max_pending_bytes: 1048576\n"
      "  hello_timeout: 5s\n  idle_stream_timeout: 1m\n  max_streams_per_peer: 3\n"
      "  max_new_series_per_commit: 50\n",
      "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ingest.points.max_labels_per_series, 30u);
  EXPECT_EQ(c->ingest.points.max_label_name_length, 100u);
  EXPECT_EQ(c->ingest.points.max_metric_name_length, 120u);
  EXPECT_EQ(c->ingest.points.max_label_value_length, 2048u);
  EXPECT_EQ(c->ingest.series.max_series_per_agent, 1000);
  EXPECT_EQ(c->ingest.series.max_new_series_per_agent_per_hour, 500);
  EXPECT_EQ(c->ingest.series.max_series, 100000);
  EXPECT_EQ(c->ingest.points.max_sample_age_ms, 48 * 3'600'000);
  EXPECT_EQ(c->max_pending_bytes, 1048576u);
  EXPECT_EQ(c->max_pending_points, 0u);  // the deprecated budget is off unless set
  EXPECT_EQ(c->ingest.hello_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->ingest.idle_stream_timeout, std::chrono::minutes(1));
  EXPECT_EQ(c->ingest.max_streams_per_peer, 3);
  EXPECT_EQ(c->max_new_series_per_commit, 50u);

  // Defaults.
  c = ParseCollectorConfig("", "c.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->max_pending_bytes, 256u << 20);
  EXPECT_EQ(c->ingest.points.max_labels_per_series, 40u);
  EXPECT_EQ(c->ingest.series.max_series, 5'000'000);
  EXPECT_EQ(c->ingest.points.max_sample_age_ms, 15 * 24 * 3'600'000LL);
  EXPECT_EQ(c->ingest.max_streams_per_peer, 64);
  EXPECT_EQ(c->max_new_series_per_commit, 100u);

  // The deprecated key still works.
  c = ParseCollectorConfig("ingest:\n  max_pending_points: 20000\n", "c.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->max_pending_points, 20000u);

  const std::pair<const char*, const char*> bad[] = {
      {"ingest:\n  max_series: 0\n", "c.yaml:2:"},
      {"ingest:\n  max_labels_per_series: -1\n", "key 'ingest.max_labels_per_series'"},
      {"ingest:\n  hello_timeout: 0s\n", "key 'ingest.hello_timeout'"},
      {"ingest:\n  max_sample_age: 5s\n", "key 'ingest.max_sample_age'"},
      {"ingest:\n  max_pending_bytes: 1000\n", "key 'ingest.max_pending_bytes'"},
      {"ingest:\n  max_streams_per_peer: many\n", "key 'ingest.max_streams_per_peer'"},
  };
  for (const auto& [text, want] : bad) {
    auto r = ParseCollectorConfig(text, "c.yaml");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find(want), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find("c.yaml:2:"), std::string::npos) << r.status();
  }
}

}  // namespace
}  // namespace scout::collector
