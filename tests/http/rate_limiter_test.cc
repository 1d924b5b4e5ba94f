// shared/http/rate_limiter (pure: time passed in) and the server's use of
// it over real loopback HTTP (libcurl): 429 + Retry-After, exempt routes,
// the counters.
#include "shared/http/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

#include "shared/http/server.h"
#include "shared/http/server_samples.h"
#include "tests/http/http_client.h"

namespace scout::http {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

TEST(RateLimiterTest, BurstThenRefillAtTheRate) {
  RateLimiter limiter(RateLimit{2, 3, 100});
  const Clock::time_point t0{};
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.TryAcquire("a", t0)) << i;
  auto wait = limiter.TryAcquire("a", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 500ms);  // one token at 2/s
  EXPECT_TRUE(limiter.TryAcquire("a", t0 + 499ms));
  EXPECT_FALSE(limiter.TryAcquire("a", t0 + 500ms));
  EXPECT_TRUE(limiter.TryAcquire("a", t0 + 500ms));
  // A long pause refills to the burst, not beyond.
  const Clock::time_point later = t0 + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.TryAcquire("a", later)) << i;
  EXPECT_TRUE(limiter.TryAcquire("a", later));
  // Another caller has its own bucket.
  EXPECT_FALSE(limiter.TryAcquire("b", later));
}

TEST(RateLimiterTest, OffAdmitsEverythingAndTracksNothing) {
  RateLimiter limiter(RateLimit{0, 1, 10});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.TryAcquire("a", Clock::time_point{}));
  EXPECT_EQ(limiter.tracked(), 0u);
}

TEST(RateLimiterTest, BurstDefaultsToTheRate) {
  RateLimiter limiter(RateLimit{0.5, 0, 10});
  const Clock::time_point t0{};
  EXPECT_FALSE(limiter.TryAcquire("a", t0));  // max(1, 0.5) = 1 token
  auto wait = limiter.TryAcquire("a", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 2000ms);
}

TEST(RateLimiterTest, EvictsTheLeastRecentlySeenCaller) {
  RateLimiter limiter(RateLimit{1, 1, 2});
  const Clock::time_point t0{};
  EXPECT_FALSE(limiter.TryAcquire("a", t0));
  EXPECT_FALSE(limiter.TryAcquire("b", t0));
  EXPECT_TRUE(limiter.TryAcquire("a", t0));   // a seen again: b is now the oldest
  EXPECT_FALSE(limiter.TryAcquire("c", t0));  // evicts b
  EXPECT_EQ(limiter.tracked(), 2u);
  EXPECT_EQ(limiter.evicted(), 1u);
  EXPECT_TRUE(limiter.TryAcquire("a", t0));   // a kept its (empty) bucket
  EXPECT_FALSE(limiter.TryAcquire("b", t0));  // b forgotten: a fresh bucket (evicts c)
  EXPECT_EQ(limiter.tracked(), 2u);
  EXPECT_EQ(limiter.evicted(), 2u);
}

// Over loopback: 3 requests pass, the 4th gets 429 with Retry-After; the
// exempt route still answers; 404s count against the caller too.
TEST(ServerRateLimitTest, TooManyRequestsWithRetryAfter) {
  Router router;
  router.Handle("GET", "/q", [](Request, Reply reply) { reply(Response{200, "text/plain", "ok", {}}); });
  router.Handle("GET", "/-/healthy", [](Request, Reply reply) {
    reply(Response{200, "text/plain", "healthy", {}});
  }, RouteOptions{0, /*rate_limited=*/false});
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.rate_limit = RateLimit{0.2, 3, 100};  // one token per 5 s
  auto s = Server::Start(options, std::move(router));
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string base = "http://127.0.0.1:" + std::to_string((*s)->port());
  EXPECT_EQ(scout::testing::Get(base + "/q").code, 200);
  EXPECT_EQ(scout::testing::Get(base + "/q").code, 200);
  EXPECT_EQ(scout::testing::Get(base + "/nothing").code, 404);
  auto r = scout::testing::Get(base + "/q");
  EXPECT_EQ(r.code, 429) << r.body;
  std::string retry_after;
  for (const std::string& h : r.headers) {
    if (h.rfind("Retry-After:", 0) == 0) retry_after = h;
  }
  ASSERT_EQ(retry_after.substr(0, 13), "Retry-After: ") << r.headers.size();
  const int seconds = std::stoi(retry_after.substr(13));
  EXPECT_GE(seconds, 1);  // whole seconds, rounded up
  EXPECT_LE(seconds, 5);  // one token per 5 s (less if the requests were slow)
  EXPECT_EQ(scout::testing::Get(base + "/-/healthy").code, 200);  // exempt
  EXPECT_EQ(scout::testing::Get(base + "/nothing").code, 429);
  const ServerCounters& c = (*s)->counters();
  EXPECT_EQ(c.rate_limited.load(), 2u);
  EXPECT_EQ(c.rate_limit_callers.load(), 1);
  EXPECT_EQ(c.Requests().at({"/q", 429}), 1u);
  bool found = false;
  for (const PromSample& sample : HttpServerSamples(c)) {
    if (sample.name == "scout_http_requests_rate_limited_total") {
      found = true;
      EXPECT_EQ(sample.value, 2);
    }
  }
  EXPECT_TRUE(found);
}

// The key function decides who shares a bucket.
TEST(ServerRateLimitTest, KeyFunctionSeparatesCallers) {
  Router router;
  router.Handle("GET", "/q", [](Request, Reply reply) { reply(Response{200, "text/plain", "ok", {}}); });
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.rate_limit = RateLimit{0.1, 1, 100};
  options.rate_limit_key = [](const Request& r) { return r.Header("x-caller").value_or("?"); };
  auto s = Server::Start(options, std::move(router));
  ASSERT_TRUE(s.ok()) << s.status();
  scout::testing::HttpCall call;
  call.url = "http://127.0.0.1:" + std::to_string((*s)->port()) + "/q";
  call.headers = {"X-Caller: a"};
  EXPECT_EQ(scout::testing::Fetch(call).code, 200);
  EXPECT_EQ(scout::testing::Fetch(call).code, 429);
  call.headers = {"X-Caller: b"};
  EXPECT_EQ(scout::testing::Fetch(call).code, 200);
  EXPECT_EQ((*s)->counters().rate_limit_callers.load(), 2);
}

}  // namespace
}  // namespace scout::http
