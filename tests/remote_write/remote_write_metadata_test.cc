// Remote write metric metadata: the codec on literal input, the catalog as
// the source, and a MetadataSender against a real loopback HTTP receiver
// (shared/http server) that decodes every request: the metadata arrives,
// with the catalog's types and help, once per send_interval, in requests of
// at most max_samples_per_send entries; 503s are retried, 400s dropped.
#include "collector/remote_write/metadata_sender.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "collector/remote_write/remote_write_codec.h"
#include "collector/remote_write/remote_write_metrics.h"
#include "shared/http/server.h"
#include "shared/metric_catalog.h"

namespace scout::collector::remote_write {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

prometheus::MetricMetadata Md(const std::string& name, const std::string& type) {
  prometheus::MetricMetadata m;
  m.set_metric_family_name(name);
  m.set_type(MetadataType(type));
  m.set_help("help of " + name);
  return m;
}

TEST(MetadataCodecTest, TypeNames) {
  using M = prometheus::MetricMetadata;
  EXPECT_EQ(MetadataType("counter"), M::COUNTER);
  EXPECT_EQ(MetadataType("gauge"), M::GAUGE);
  EXPECT_EQ(MetadataType("histogram"), M::HISTOGRAM);
  EXPECT_EQ(MetadataType("summary"), M::SUMMARY);
  EXPECT_EQ(MetadataType("info"), M::INFO);
  EXPECT_EQ(MetadataType("stateset"), M::STATESET);
  EXPECT_EQ(MetadataType("gaugehistogram"), M::GAUGEHISTOGRAM);
  EXPECT_EQ(MetadataType("unknown"), M::UNKNOWN);
  EXPECT_EQ(MetadataType("Counter"), M::UNKNOWN);  // the catalog writes them lower-case
}

TEST(MetadataCodecTest, SplitsIntoRequestsOfAtMostTheLimitInOrder) {
  std::vector<prometheus::MetricMetadata> in;
  for (int i = 0; i < 7; ++i) in.push_back(Md("m" + std::to_string(i), "gauge"));
  const std::vector<std::string> bodies = EncodeMetadataRequests(in, 3);
  ASSERT_EQ(bodies.size(), 3u);
  std::vector<std::string> names;
  std::vector<int> sizes;
  for (const std::string& b : bodies) {
    absl::StatusOr<prometheus::WriteRequest> r = DecodeWriteRequest(b, DecodeLimits{});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->timeseries_size(), 0);  // metadata travels alone, as Prometheus sends it
    sizes.push_back(r->metadata_size());
    for (const auto& m : r->metadata()) names.push_back(m.metric_family_name());
  }
  EXPECT_EQ(sizes, (std::vector<int>{3, 3, 1}));
  EXPECT_EQ(names, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4", "m5", "m6"}));
  EXPECT_TRUE(EncodeMetadataRequests({}, 3).empty());
}

// Every documented family once: a histogram's _bucket/_sum/_count rows are
// not families of their own (as Prometheus sends metadata).
std::vector<MetricInfo> CatalogFamilies() {
  std::vector<MetricInfo> out;
  for (const MetricInfo& m : AllMetrics()) {
    if (!IsFamilyMember(m)) out.push_back(m);
  }
  return out;
}

TEST(MetadataCodecTest, CatalogMetadataIsTheCatalog) {
  const std::vector<prometheus::MetricMetadata> md = CatalogMetadata();
  const std::vector<MetricInfo> families = CatalogFamilies();
  ASSERT_EQ(md.size(), families.size());
  ASSERT_LT(families.size(), AllMetrics().size());  // the catalog documents histogram members
  ASSERT_FALSE(md.empty());
  for (size_t i = 0; i < md.size(); ++i) {
    const MetricInfo& m = families[i];
    EXPECT_EQ(md[i].metric_family_name(), m.name);
    EXPECT_EQ(md[i].help(), m.help);
    EXPECT_EQ(md[i].unit(), m.unit);
    EXPECT_EQ(md[i].type(), MetadataType(m.type));
  }
}

// A remote-write receiver on a real HTTP server: decodes every request and
// keeps its metadata; answers `status` (changeable).
class Receiver {
 public:
  Receiver() {
    http::Router router;
    router.Handle("POST", "/api/v1/write", [this](http::Request req, http::Reply reply) {
      http::Response resp;
      resp.content_type = "text/plain";
      absl::StatusOr<prometheus::WriteRequest> r = DecodeWriteRequest(req.body, DecodeLimits{});
      absl::MutexLock lock(&mu_);
      if (!r.ok()) {
        ++bad_;
        resp.status = 400;
      } else {
        resp.status = status_;
        requests_.push_back({Steady::now(), *std::move(r), status_});
      }
      reply(std::move(resp));
    });
    http::ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.thread_name = "scout-test-http";
    auto server = http::Server::Start(o, std::move(router));
    EXPECT_TRUE(server.ok()) << server.status();
    if (server.ok()) server_ = *std::move(server);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_ ? server_->port() : 1) + "/api/v1/write";
  }
  void set_status(int s) {
    absl::MutexLock lock(&mu_);
    status_ = s;
  }
  struct Got {
    Steady::time_point at;
    prometheus::WriteRequest request;
    int answered = 0;
  };
  std::vector<Got> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  int bad() const {
    absl::MutexLock lock(&mu_);
    return bad_;
  }

 private:
  mutable absl::Mutex mu_;
  int status_ ABSL_GUARDED_BY(mu_) = 204;
  int bad_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Got> requests_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<http::Server> server_;
};

RemoteWriteTarget Target(const std::string& url) {
  RemoteWriteTarget t;
  t.name = "meta";
  t.url = url;
  t.timeout = seconds(5);
  t.queue.min_backoff = milliseconds(20);
  t.queue.max_backoff = milliseconds(100);
  t.metadata.send_interval = seconds(1);
  t.metadata.max_samples_per_send = 100;
  return t;
}

template <typename F>
bool WaitFor(F done, seconds timeout) {
  const auto until = Steady::now() + timeout;
  while (!done()) {
    if (Steady::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

TEST(MetadataSenderTest, CatalogArrivesEveryIntervalInBoundedRequests) {
  Receiver receiver;
  const RemoteWriteTarget target = Target(receiver.url());
  const size_t n = CatalogFamilies().size();
  const size_t per_round = (n + 99) / 100;  // requests in one round
  MetadataSender sender(target, nullptr);
  const auto start = Steady::now();
  sender.Start();
  ASSERT_TRUE(WaitFor([&] { return receiver.requests().size() >= 3 * per_round; }, seconds(20)));
  sender.Stop();
  const std::vector<Receiver::Got> got = receiver.requests();
  EXPECT_EQ(receiver.bad(), 0);
  // Round k (k = 0, 1, 2): requests k*per_round .. (k+1)*per_round-1.
  std::map<std::string, prometheus::MetricMetadata> first_round;
  for (size_t k = 0; k < 3; ++k) {
    size_t entries = 0;
    for (size_t i = k * per_round; i < (k + 1) * per_round; ++i) {
      const prometheus::WriteRequest& r = got[i].request;
      EXPECT_EQ(r.timeseries_size(), 0);
      EXPECT_LE(r.metadata_size(), 100);
      entries += static_cast<size_t>(r.metadata_size());
      if (k == 0) {
        for (const auto& m : r.metadata()) first_round[m.metric_family_name()] = m;
      }
    }
    EXPECT_EQ(entries, n) << "round " << k;
    // The first round at start, then one per send_interval (1 s).
    const double at = std::chrono::duration<double>(got[k * per_round].at - start).count();
    EXPECT_GE(at, static_cast<double>(k) - 0.05) << "round " << k;
    EXPECT_LT(at, static_cast<double>(k) + 0.8) << "round " << k;
  }
  // Known metrics with their catalog (docs/metrics.md) type and help.
  ASSERT_EQ(first_round.size(), n);
  const auto& sent = first_round.at("scout_remote_write_samples_sent_total");
  EXPECT_EQ(sent.type(), prometheus::MetricMetadata::COUNTER);
  EXPECT_EQ(sent.help(), FindMetric("scout_remote_write_samples_sent_total")->help);
  const auto& pending = first_round.at("scout_remote_write_pending_samples");
  EXPECT_EQ(pending.type(), prometheus::MetricMetadata::GAUGE);
  EXPECT_FALSE(pending.help().empty());
  const MetadataStats s = sender.Stats();
  EXPECT_GE(s.sent, 3 * n);
  EXPECT_EQ(s.requests_failed, 0u);
  EXPECT_EQ(s.dropped, 0u);
}

TEST(MetadataSenderTest, ServerErrorsAreRetriedThenDeliveredOrDroppedAtTheRoundsEnd) {
  Receiver receiver;
  receiver.set_status(503);
  RemoteWriteTarget target = Target(receiver.url());
  MetadataSender sender(target, [] { return std::vector{Md("a_total", "counter"), Md("b", "gauge")}; });
  sender.Start();
  // One round (1 s) of 503s: retried with backoff, then the 2 entries dropped.
  ASSERT_TRUE(WaitFor([&] { return sender.Stats().dropped >= 2; }, seconds(10)));
  MetadataStats s = sender.Stats();
  EXPECT_GE(s.requests_retried, 2u);
  EXPECT_EQ(s.sent, 0u);
  receiver.set_status(200);
  ASSERT_TRUE(WaitFor([&] { return sender.Stats().sent >= 2; }, seconds(10)));
  sender.Stop();
  s = sender.Stats();
  EXPECT_EQ(s.requests, s.requests_failed + s.sent / 2);  // each 2xx carried both entries
  const std::vector<Receiver::Got> got = receiver.requests();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().answered, 200);
  ASSERT_EQ(got.back().request.metadata_size(), 2);
  EXPECT_EQ(got.back().request.metadata(0).type(), prometheus::MetricMetadata::COUNTER);
  EXPECT_EQ(got.back().request.metadata(0).help(), "help of a_total");
}

TEST(MetadataSenderTest, ClientErrorDropsAtOnceWithoutRetry) {
  Receiver receiver;
  receiver.set_status(400);
  const RemoteWriteTarget target = Target(receiver.url());  // outlives the sender
  MetadataSender sender(target, [] { return std::vector{Md("a_total", "counter")}; });
  sender.Start();
  ASSERT_TRUE(WaitFor([&] { return sender.Stats().dropped >= 1; }, seconds(10)));
  sender.Stop();
  const MetadataStats s = sender.Stats();
  EXPECT_EQ(s.requests_retried, 0u);
  EXPECT_EQ(s.requests, s.requests_failed);
  EXPECT_EQ(s.dropped, s.requests);  // one entry per request, each dropped once
  // Exported per target with result="dropped" / "sent".
  RemoteWriteStats rs;
  rs.target = "meta";
  rs.metadata_enabled = true;
  rs.metadata = s;
  bool found = false;
  for (const SeriesPoints& m : RemoteWriteSeries({rs}, nullptr, "c", 1)) {
    if (m.key.metric == "scout_remote_write_metadata_total" &&
        LabelValue(m.key.labels, "result") == "dropped") {
      EXPECT_EQ(LabelValue(m.key.labels, "target"), "meta");
      EXPECT_EQ(m.points[0].value, static_cast<double>(s.dropped));
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace scout::collector::remote_write
