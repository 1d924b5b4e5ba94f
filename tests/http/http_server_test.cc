// shared/http over real loopback HTTP(S) with libcurl: routing, bodies,
// forms, limits, async replies, TLS with client certificates and rotation.
#include "shared/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_join.h"
#include "tests/common/test_certs.h"
#include "tests/common/test_dir.h"
#include "tests/http/http_client.h"

namespace scout::http {
namespace {

using scout::testing::Fetch;
using scout::testing::Get;
using scout::testing::HttpCall;

// GET/POST /echo answers "method path k=v&k=v ... body".
void Echo(Request req, Reply reply) {
  std::vector<std::string> kv;
  for (const auto& [k, v] : req.params) kv.push_back(k + "=" + v);
  Response r;
  r.content_type = "text/plain";
  r.body = req.method + " " + req.path + " " + absl::StrJoin(kv, "&") + " " + req.body;
  reply(std::move(r));
}

Router EchoRouter() {
  Router router;
  router.Handle("GET", "/echo", Echo);
  router.Handle("POST", "/echo", Echo, RouteOptions{1000});
  router.HandlePrefix("GET", "/api/v1/label/", Echo);
  router.HandlePrefix("GET", "/api/v1/label/x/", [](Request, Reply reply) {
    reply(Response{200, "text/plain", "longer prefix", {}});
  });
  return router;
}

std::unique_ptr<Server> StartOrDie(ServerOptions options, Router router) {
  options.listen = options.listen == "127.0.0.1:9470" ? "127.0.0.1:0" : options.listen;
  auto server = Server::Start(std::move(options), std::move(router));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::string Url(const Server& s, const std::string& path, const char* scheme = "http") {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(s.port()) + path;
}

// A raw TCP connection to the server (for idle and slow clients).
int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// True when the server closed `fd` within `wait`.
bool ClosedWithin(int fd, std::chrono::milliseconds wait) {
  timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  const ssize_t n = recv(fd, buf, sizeof buf, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

TEST(FormTest, DecodesPlusPercentAndOrder) {
  auto kv = ParseFormEncoded("query=up%7Bjob%3D%22a%22%7D+%2B+1&match[]=a&match%5B%5D=b&flag&=x&bad=%zz");
  ASSERT_EQ(kv.size(), 6u);
  EXPECT_EQ(kv[0].second, "up{job=\"a\"} + 1");
  EXPECT_EQ(kv[1], (std::pair<std::string, std::string>{"match[]", "a"}));
  EXPECT_EQ(kv[2], (std::pair<std::string, std::string>{"match[]", "b"}));
  EXPECT_EQ(kv[3], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(kv[4], (std::pair<std::string, std::string>{"", "x"}));
  EXPECT_EQ(kv[5].second, "%zz");
  EXPECT_EQ(PercentDecode("a+b%2", false), "a+b%2");
}

TEST(RouterTest, ExactThenLongestPrefixAndMethods) {
  Router router = EchoRouter();
  EXPECT_EQ(router.Find("GET", "/echo").pattern, "/echo");
  EXPECT_NE(router.Find("HEAD", "/echo").handler, nullptr);
  EXPECT_EQ(router.Find("PUT", "/echo").handler, nullptr);
  EXPECT_TRUE(router.Find("PUT", "/echo").path_known);
  EXPECT_FALSE(router.Find("GET", "/nope").path_known);
  EXPECT_EQ(router.Find("GET", "/api/v1/label/job/values").pattern, "/api/v1/label/");
  EXPECT_EQ(router.Find("GET", "/api/v1/label/x/values").pattern, "/api/v1/label/x/");
}

TEST(HttpServerTest, GetPostFormAndErrors) {
  auto server = StartOrDie({}, EchoRouter());
  ASSERT_NE(server, nullptr);
  auto r = Get(Url(*server, "/echo?query=rate(x%5B5m%5D)+%2B+1&match[]=a&match[]=b"));
  ASSERT_EQ(r.rc, CURLE_OK);
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(r.body, "GET /echo query=rate(x[5m]) + 1&match[]=a&match[]=b ");

  HttpCall post;
  post.method = "POST";
  post.url = Url(*server, "/echo?a=1");
  post.body = "query=up&start=10";
  post.headers = {"Content-Type: application/x-www-form-urlencoded"};
  r = Fetch(post);
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "POST /echo a=1&query=up&start=10 query=up&start=10");

  EXPECT_EQ(Get(Url(*server, "/nope")).code, 404);
  HttpCall put;
  put.method = "PUT";
  put.url = Url(*server, "/echo");
  EXPECT_EQ(Fetch(put).code, 405);
  EXPECT_EQ(Get(Url(*server, "/api/v1/label/x/values")).body, "longer prefix");
  const auto requests = server->counters().Requests();
  EXPECT_EQ(requests.at({"none", 404}), 1u);
  EXPECT_EQ(requests.at({"/echo", 405}), 1u);
  EXPECT_EQ(requests.at({"/echo", 200}), 2u);
  // MHD's workers carry our name once they have served a connection.
  int named = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name == "scout-http") ++named;
  }
  EXPECT_GE(named, 1);
}

TEST(HttpServerTest, BodyOverTheRouteLimitIs413) {
  auto server = StartOrDie({}, EchoRouter());
  ASSERT_NE(server, nullptr);
  HttpCall post;
  post.method = "POST";
  post.url = Url(*server, "/echo");
  post.body = std::string(1000, 'x');
  EXPECT_EQ(Fetch(post).code, 200);
  post.body = std::string(1001, 'x');  // Content-Length says so: refused before reading
  EXPECT_EQ(Fetch(post).code, 413);
  post.body = std::string(200'000, 'x');
  post.chunked = true;  // no length: refused once past the bound
  auto r = Fetch(post);
  EXPECT_TRUE(r.code == 413 || r.rc != CURLE_OK) << r.code;
  EXPECT_EQ(server->counters().bodies_too_large.load(), 2u);
  // The server still answers.
  EXPECT_EQ(Get(Url(*server, "/echo")).code, 200);
}

TEST(HttpServerTest, HeadersOverTheMemoryBoundAreRefused) {
  ServerOptions options;
  options.connection_memory_bytes = 16 << 10;
  auto server = StartOrDie(options, EchoRouter());
  ASSERT_NE(server, nullptr);
  HttpCall call;
  call.url = Url(*server, "/echo");
  call.headers = {"X-Big: " + std::string(32 << 10, 'a')};
  auto r = Fetch(call);
  std::printf("32 KiB header against a 16 KiB bound: curl %d, HTTP %ld\n", r.rc, r.code);
  EXPECT_TRUE(r.rc != CURLE_OK || r.code == 431 || r.code == 414) << r.code;
  EXPECT_EQ(Get(Url(*server, "/echo")).code, 200);
}

TEST(HttpServerTest, AsyncReplyFromAnotherThreadDoesNotBlockOthers) {
  std::vector<std::thread> workers;
  absl::Mutex mu;
  Router router = EchoRouter();
  router.Handle("GET", "/slow", [&](Request, Reply reply) {
    absl::MutexLock lock(&mu);
    workers.emplace_back([reply = std::move(reply)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(2000));
      reply(Response{200, "text/plain", "late", {}});
    });
  });
  ServerOptions options;
  options.threads = 1;  // one worker: a blocked handler would stall everything
  auto server = StartOrDie(options, std::move(router));
  ASSERT_NE(server, nullptr);
  std::vector<std::thread> clients;
  std::atomic<int> late_ok{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      if (Get(Url(*server, "/slow")).body == "late") late_ok++;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Get(Url(*server, "/echo")).code, 200);
  // Well before the slow replies (2 s): the one worker was not held.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1500));
  for (auto& t : clients) t.join();
  EXPECT_EQ(late_ok.load(), 4);
  absl::MutexLock lock(&mu);
  for (auto& t : workers) t.join();
}

TEST(HttpServerTest, StopAnswersUnrepliedRequests503) {
  Reply kept;
  absl::Mutex mu;
  Router router;
  router.Handle("GET", "/never", [&](Request, Reply reply) {
    absl::MutexLock lock(&mu);
    kept = std::move(reply);
  });
  ServerOptions options;
  options.stop_grace = std::chrono::milliseconds(200);
  auto server = StartOrDie(options, std::move(router));
  ASSERT_NE(server, nullptr);
  scout::testing::HttpResult result;
  std::thread client([&] { result = Get(Url(*server, "/never")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  server->Stop();
  client.join();
  EXPECT_TRUE(result.code == 503 || result.rc != CURLE_OK) << result.code;
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(kept);
  kept(Response{});  // late: dropped, no crash
}

TEST(HttpServerTest, IdleConnectionsDoNotBlockOthersAndTimeOut) {
  ServerOptions options;
  options.threads = 1;
  options.connection_timeout = std::chrono::seconds(3);
  auto server = StartOrDie(options, EchoRouter());
  ASSERT_NE(server, nullptr);
  // Slowloris: a request line and half the headers, then nothing.
  std::vector<int> idle;
  for (int i = 0; i < 20; ++i) {
    int fd = Connect(server->port());
    ASSERT_GE(fd, 0);
    const char partial[] = "GET /echo HTTP/1.1\r\nHost: x\r\n";
    ASSERT_GT(send(fd, partial, sizeof partial - 1, 0), 0);
    idle.push_back(fd);
  }
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Get(Url(*server, "/echo")).code, 200);
  // Answered well before the idle ones time out (3 s).
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2000));
  for (int fd : idle) {
    EXPECT_TRUE(ClosedWithin(fd, std::chrono::milliseconds(8000)));
    close(fd);
  }
  // MHD reports a closed connection on its next loop pass.
  for (int i = 0; i < 40 && server->counters().connections_timed_out.load() < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(server->counters().connections_timed_out.load(), 20u);
  EXPECT_EQ(server->counters().connections_open.load(), 0);
}

TEST(HttpServerTest, ConnectionLimitsRefuseAndCount) {
  ServerOptions options;
  options.max_connections_per_ip = 4;
  auto server = StartOrDie(options, EchoRouter());
  ASSERT_NE(server, nullptr);
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) held.push_back(Connect(server->port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto r = Get(Url(*server, "/echo"));
  EXPECT_NE(r.rc, CURLE_OK);
  EXPECT_GE(server->counters().connections_refused.load(), 1u);
  for (int fd : held) close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Get(Url(*server, "/echo")).code, 200);
}

TEST(HttpServerTest, ManyConcurrentClients) {
  ServerOptions options;
  options.max_connections_per_ip = 0;
  auto server = StartOrDie(options, EchoRouter());
  ASSERT_NE(server, nullptr);
  std::vector<int> idle;  // 200 idle connections held open meanwhile
  for (int i = 0; i < 200; ++i) idle.push_back(Connect(server->port()));
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < 16; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto r = Get(Url(*server, "/echo?i=" + std::to_string(t * 100 + i)));
        if (r.code == 200 && r.body == "GET /echo i=" + std::to_string(t * 100 + i) + " ") ok++;
      }
    });
  }
  for (auto& t : clients) t.join();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(ok.load(), 400);
  std::printf("400 requests from 16 threads beside 200 idle connections: %lld ms\n",
              static_cast<long long>(ms));
  for (int fd : idle) close(fd);
}

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override { scout::testing::MakeTestCerts(dir_.path()); }
  std::string F(const std::string& name) { return dir_ / name; }
  TlsFiles Files(bool client_ca, bool require) {
    TlsFiles tls;
    tls.cert_file = F("server.crt");
    tls.key_file = F("server.key");
    if (client_ca) tls.client_ca_file = F("ca.crt");
    tls.require_client_cert = require;
    tls.reload_interval = std::chrono::milliseconds(0);
    return tls;
  }
  Router WhoRouter() {
    Router router;
    router.Handle("GET", "/who", [](Request req, Reply reply) {
      Response r;
      r.content_type = "text/plain";
      r.body = req.client_cert ? req.client_cert->cn + " " + absl::StrJoin(req.client_cert->sans, ",")
                               : "anonymous";
      reply(std::move(r));
    });
    return router;
  }
  HttpCall Call(const Server& s, const std::string& client = "") {
    HttpCall call;
    call.url = Url(s, "/who", "https");
    call.ca_file = F("ca.crt");
    if (!client.empty()) {
      call.cert_file = F(client + ".crt");
      call.key_file = F(client + ".key");
    }
    return call;
  }
  scout::testing::TestDir dir_{"scout-https"};
};

TEST_F(HttpsTest, ServesTlsWithoutClientCertificates) {
  ServerOptions options;
  options.tls = Files(false, false);
  auto server = StartOrDie(options, WhoRouter());
  ASSERT_NE(server, nullptr);
  auto r = Fetch(Call(*server));
  ASSERT_EQ(r.rc, CURLE_OK) << curl_easy_strerror(r.rc);
  EXPECT_EQ(r.body, "anonymous");
  // Plaintext HTTP to the TLS port fails.
  EXPECT_NE(Get(Url(*server, "/who")).code, 200);
}

TEST_F(HttpsTest, OptionalClientCertificateIsVerifiedAndExposed) {
  ServerOptions options;
  options.tls = Files(true, false);
  auto server = StartOrDie(options, WhoRouter());
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Fetch(Call(*server)).body, "anonymous");
  EXPECT_EQ(Fetch(Call(*server, "client-node-1")).body, "node-1 ");
  // Signed by another CA, self-signed or expired: not a verified identity.
  for (const char* bad : {"client-other-ca", "client-self-signed", "client-expired"}) {
    auto r = Fetch(Call(*server, bad));
    EXPECT_TRUE(r.rc != CURLE_OK || r.body == "anonymous") << bad << ": " << r.body;
  }
}

TEST_F(HttpsTest, RequiredClientCertificate) {
  ServerOptions options;
  options.tls = Files(true, true);
  auto server = StartOrDie(options, WhoRouter());
  ASSERT_NE(server, nullptr);
  auto r = Fetch(Call(*server));
  EXPECT_TRUE(r.rc != CURLE_OK || r.code == 401) << r.code;
  r = Fetch(Call(*server, "client-other-ca"));
  EXPECT_TRUE(r.rc != CURLE_OK || r.code == 401) << r.code;
  r = Fetch(Call(*server, "client-node-1"));
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "node-1 ");
  EXPECT_GE(server->counters().tls_client_cert_refused.load(), 1u);
}

TEST_F(HttpsTest, CertificateRotationWhileServing) {
  ServerOptions options;
  options.tls = Files(false, false);
  auto server = StartOrDie(options, WhoRouter());
  ASSERT_NE(server, nullptr);
  HttpCall via_ca2 = Call(*server);
  via_ca2.ca_file = F("ca2.crt");
  EXPECT_NE(Fetch(via_ca2).rc, CURLE_OK);  // still the ca-signed certificate
  // A half-done rotation (new cert, old key) keeps the old pair in use.
  std::filesystem::copy_file(F("server-ca2.crt"), F("server.crt"),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(Fetch(Call(*server)).rc, CURLE_OK);
  std::filesystem::copy_file(F("server-ca2.key"), F("server.key"),
                             std::filesystem::copy_options::overwrite_existing);
  auto r = Fetch(via_ca2);
  EXPECT_EQ(r.rc, CURLE_OK) << curl_easy_strerror(r.rc);
  EXPECT_EQ(r.body, "anonymous");
  EXPECT_NE(Fetch(Call(*server)).rc, CURLE_OK);  // the old CA no longer verifies it
}

TEST_F(HttpsTest, ClientCaRotationWhileServing) {
  std::filesystem::copy_file(F("ca.crt"), F("client-ca.crt"));
  ServerOptions options;
  options.tls = Files(true, false);
  options.tls->client_ca_file = F("client-ca.crt");
  auto server = StartOrDie(options, WhoRouter());
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Fetch(Call(*server, "client-node-1")).body, "node-1 ");
  EXPECT_EQ(Fetch(Call(*server, "client-other-ca")).body, "anonymous");
  // The client CA file now holds the other CA: its certificates verify,
  // the old CA's no longer do.
  std::filesystem::copy_file(F("other-ca.crt"), F("client-ca.crt"),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(Fetch(Call(*server, "client-other-ca")).body, "node-1 ");
  EXPECT_EQ(Fetch(Call(*server, "client-node-1")).body, "anonymous");
}

TEST_F(HttpsTest, BadFilesAreAStartError) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.tls = Files(false, false);
  options.tls->key_file = F("client-node-1.key");
  auto server = Server::Start(options, WhoRouter());
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("does not hold the private key"), std::string::npos);
  options.tls = Files(false, true);
  EXPECT_FALSE(Server::Start(options, WhoRouter()).ok());
}

}  // namespace
}  // namespace scout::http
