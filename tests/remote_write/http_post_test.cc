// shared/http_post: the one libcurl POST set-up of remote write out and the
// notifier, against a real loopback HTTP server (shared/http).
#include "shared/http_post.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "shared/http/server.h"

namespace scout {
namespace {

using std::chrono::milliseconds;

class PostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpPost::GlobalInit();
    http::Router router;
    router.Handle("POST", "/p", [this](http::Request req, http::Reply reply) {
      {
        absl::MutexLock lock(&mu_);
        last_ = req;
      }
      http::Response r;
      r.content_type = "text/plain";
      const std::string mode = req.Param("mode").value_or("");
      if (mode == "busy") {
        r.status = 503;
        r.headers.push_back({"Retry-After", "7"});
      } else if (mode == "date") {
        r.status = 429;
        r.headers.push_back({"Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"});
      } else if (mode == "redirect") {
        r.status = 302;
        r.headers.push_back({"Location", "/elsewhere"});
      } else if (mode == "slow") {
        std::this_thread::sleep_for(milliseconds(1500));
        r.status = 204;
      } else {
        r.status = 400;
        r.body = "0123456789";
      }
      reply(std::move(r));
    });
    http::ServerOptions o;
    o.listen = "127.0.0.1:0";
    auto s = http::Server::Start(o, std::move(router));
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    easy_ = curl_easy_init();
    ASSERT_NE(easy_, nullptr);
  }
  void TearDown() override {
    if (easy_ != nullptr) curl_easy_cleanup(easy_);
  }
  HttpPostOptions Options(const std::string& query) {
    HttpPostOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/p?" + query;
    o.timeout = milliseconds(5000);
    o.connect_timeout = milliseconds(1000);
    o.user_agent = "scout-test";
    return o;
  }
  http::Request Last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }

  absl::Mutex mu_;
  http::Request last_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<http::Server> server_;
  CURL* easy_ = nullptr;
};

TEST_F(PostTest, SendsBodyAndHeadersKeepsABoundedAnswer) {
  HttpPostOptions o = Options("mode=bad");
  o.headers = {"Content-Type: application/x-protobuf", "X-Custom: v1"};
  o.max_body_kept = 4;
  const HttpPostResult r = HttpPost::Perform(easy_, o, "payload");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.body, "0123");  // the rest read and discarded
  EXPECT_TRUE(r.error.empty());
  const http::Request got = Last();
  EXPECT_EQ(got.body, "payload");
  EXPECT_EQ(got.Header("x-custom").value_or(""), "v1");
  EXPECT_EQ(got.Header("content-type").value_or(""), "application/x-protobuf");
  EXPECT_EQ(got.Header("user-agent").value_or(""), "scout-test");
  EXPECT_FALSE(got.Header("expect").has_value());  // no 100-continue round trip
}

TEST_F(PostTest, RetryAfterInSecondsOnly) {
  HttpPostResult r = HttpPost::Perform(easy_, Options("mode=busy"), "x");
  EXPECT_EQ(r.http_status, 503);
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(*r.retry_after, std::chrono::seconds(7));
  r = HttpPost::Perform(easy_, Options("mode=date"), "x");  // same handle: reset between uses
  EXPECT_EQ(r.http_status, 429);
  EXPECT_FALSE(r.retry_after.has_value());  // the date form: the caller's backoff decides
}

TEST_F(PostTest, RedirectIsAnAnswerNotFollowed) {
  const HttpPostResult r = HttpPost::Perform(easy_, Options("mode=redirect"), "x");
  EXPECT_EQ(r.http_status, 302);
}

TEST_F(PostTest, TimeoutAndRefusedConnectionAreTransportErrors) {
  HttpPostOptions o = Options("mode=slow");
  o.timeout = milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  HttpPostResult r = HttpPost::Perform(easy_, o, "x");
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1400));
  EXPECT_EQ(r.http_status, 0);
  EXPECT_FALSE(r.error.empty());
  o = Options("");
  o.url = "http://127.0.0.1:1/p";  // nothing listens on port 1
  r = HttpPost::Perform(easy_, o, "x");
  EXPECT_EQ(r.http_status, 0);
  EXPECT_FALSE(r.error.empty());
  o.url = "file:///etc/passwd";  // only http and https
  r = HttpPost::Perform(easy_, o, "x");
  EXPECT_EQ(r.http_status, 0);
}

TEST_F(PostTest, BasicAuthIsSentAndNeverInTheError) {
  HttpPostOptions o = Options("mode=bad");
  o.basic_auth_user = "scout";
  o.basic_auth_password = "pw-s3cret";
  HttpPostResult r = HttpPost::Perform(easy_, o, "x");
  EXPECT_EQ(r.http_status, 400);
  // "scout:pw-s3cret" in base64.
  EXPECT_EQ(Last().Header("authorization").value_or(""), "Basic c2NvdXQ6cHctczNjcmV0");
  o.url = "http://127.0.0.1:1/p";
  r = HttpPost::Perform(easy_, o, "x");
  EXPECT_EQ(r.error.find("s3cret"), std::string::npos);
  // A later request without basic auth on the same handle sends none.
  r = HttpPost::Perform(easy_, Options("mode=bad"), "x");
  EXPECT_FALSE(Last().Header("authorization").has_value());
}

}  // namespace
}  // namespace scout
