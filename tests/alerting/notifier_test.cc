// Notifier tests against real receivers: a loopback HTTP/1.1 server running
// in the test (webhook payload, retries, timeouts, redaction) and a real
// Alertmanager 0.25 started by tests/alerting/alertmanager_harness.sh.
#include "collector/alerting/notifier.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>

#include "tests/common/log_capture.h"
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collector/alerting/alertmanager_payload.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace scout::collector::alerting {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// Alertmanager harness (C++ side of tests/alerting/alertmanager_harness.sh).
// Reuse from another test (e.g. the engine's integration test): copy these
// two functions, or move them into a shared header such as
// tests/alerting/alertmanager_harness.h. StartAlertmanager() runs the script,
// which starts Alertmanager 0.25 on a free 127.0.0.1 port (clustering off,
// temp storage, one route to a receiver without integrations) and returns
// once /-/ready answers; POST alerts to `url` + "/api/v2/alerts", read them
// back from GET `url` + "/api/v2/alerts". StopAlertmanager() ends it by pid.
struct Alertmanager {
  std::string url, dir;
  pid_t pid = 0;
};

inline std::optional<Alertmanager> StartAlertmanager() {
  const std::string cmd =
      std::string("bash ") + SCOUT_SOURCE_DIR "/tests/alerting/alertmanager_harness.sh";
  FILE* out = popen(cmd.c_str(), "r");
  if (out == nullptr) return std::nullopt;
  Alertmanager am;
  char line[1024];
  while (fgets(line, sizeof line, out) != nullptr) {
    std::string s(line);
    while (!s.empty() && s.back() == '\n') s.pop_back();
    if (s.rfind("AM_URL=", 0) == 0) am.url = s.substr(7);
    if (s.rfind("AM_DIR=", 0) == 0) am.dir = s.substr(7);
    if (s.rfind("AM_PID=", 0) == 0) am.pid = static_cast<pid_t>(std::stol(s.substr(7)));
  }
  if (pclose(out) != 0 || am.url.empty() || am.pid <= 0) return std::nullopt;
  return am;
}

// True while `pid` exists and is not a zombie (the process is not our child,
// and a container's pid 1 may not reap it).
inline bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z';
}

inline void StopAlertmanager(const Alertmanager& am) {
  if (am.pid > 0) {
    kill(am.pid, SIGTERM);
    for (int i = 0; i < 100 && ProcessAlive(am.pid); ++i) std::this_thread::sleep_for(milliseconds(50));
    if (ProcessAlive(am.pid)) kill(am.pid, SIGKILL);
  }
  std::error_code ec;
  if (!am.dir.empty()) std::filesystem::remove_all(am.dir, ec);
}

// ---------------------------------------------------------------------------
// A loopback HTTP/1.1 receiver: one connection at a time, one request per
// connection; records each request and answers the scripted statuses in
// order (then 200), after `delay`.
struct Request {
  std::string method, target, head, body;
  Steady::time_point at;
};

class HttpReceiver {
 public:
  explicit HttpReceiver(std::vector<int> statuses = {}, milliseconds delay = milliseconds(0))
      : statuses_(statuses.begin(), statuses.end()), delay_(delay) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~HttpReceiver() {
    stop_ = true;
    thread_.join();
    close(listen_fd_);
  }
  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  bool WaitFor(size_t n, milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      Serve(fd);
      close(fd);
    }
  }

  // Reads what is available within 2 s; false on EOF/timeout.
  static bool ReadMore(int fd, std::string* data) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) return false;
    char buf[8192];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data->append(buf, static_cast<size_t>(n));
    return true;
  }

  void Serve(int fd) {
    std::string data;
    size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(fd, &data)) return;
    }
    Request req;
    req.head = data.substr(0, head_end + 2);
    req.at = Steady::now();
    std::istringstream first(req.head);
    first >> req.method >> req.target;
    size_t length = 0;
    std::string lower = req.head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t cl = lower.find("\r\ncontent-length:");
    if (cl != std::string::npos) length = std::stoul(req.head.substr(cl + 17));
    req.body = data.substr(head_end + 4);
    while (req.body.size() < length && ReadMore(fd, &req.body)) {
    }
    int status = 200;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.pop_front();
      }
    }
    cv_.notify_all();
    const auto until = Steady::now() + delay_;
    while (!stop_ && Steady::now() < until) std::this_thread::sleep_for(milliseconds(5));
    const std::string response = "HTTP/1.1 " + std::to_string(status) +
                                 " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    send(fd, response.data(), response.size(), MSG_NOSIGNAL);
  }

  int listen_fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  std::deque<int> statuses_;
  milliseconds delay_;
  std::thread thread_;
};

using scout::testing::LogCapture;

int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

size_t AppendToString(char* data, size_t size, size_t nmemb, void* out) {
  static_cast<std::string*>(out)->append(data, size * nmemb);
  return size * nmemb;
}

std::optional<std::string> HttpGet(const std::string& url) {
  CURL* e = curl_easy_init();
  std::string body;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
  const CURLcode code = curl_easy_perform(e);
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(e);
  if (code != CURLE_OK || status != 200) return std::nullopt;
  return body;
}

template <typename Pred>
bool Eventually(Pred pred, milliseconds timeout) {
  const auto until = Steady::now() + timeout;
  while (Steady::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return pred();
}

long long MsBetween(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration_cast<milliseconds>(b - a).count();
}

AlertNotification HighCpu(bool resolved) {
  AlertNotification a;
  a.labels = MakeLabels({{"alertname", "HighCpu"}, {"host", "db-1"}, {"severity", "critical"}});
  a.annotations =
      MakeLabels({{"summary", "CPU \"high\" on db-1"}, {"description", "95 % > 80 %\nsee dashboard"}});
  a.starts_at_ms = 1714564800123;  // 2024-05-01T12:00:00.123Z
  a.ends_at_ms = resolved ? 1714565100000 : 1714564980000;
  a.resolved = resolved;
  a.fingerprint = "a1b2c3d4e5f60718";
  a.generator_url = "http://scout.example/alerts?rule=HighCpu";
  return a;
}

ReceiverConfig Webhook(const std::string& name, const std::string& url,
                       milliseconds timeout = milliseconds(2000)) {
  ReceiverConfig c;
  c.kind = ReceiverConfig::Kind::kWebhook;
  c.name = name;
  c.url = url;
  c.timeout = timeout;
  return c;
}

NotifierOptions FastBackoff(milliseconds initial, milliseconds max = milliseconds(2000)) {
  NotifierOptions o;
  o.backoff_initial = initial;
  o.backoff_max = max;
  return o;
}

// ---------------------------------------------------------------------------

TEST(AlertmanagerPayload, TimestampsAreUtcRfc3339WithMilliseconds) {
  EXPECT_EQ(FormatRfc3339Ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Ms(1714564800123), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(FormatRfc3339Ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Ms(951782400005), "2000-02-29T00:00:00.005Z");
}

TEST(AlertmanagerPayload, JsonStringsEscapeAndKeepUtf8) {
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(JsonString("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(JsonString(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\x7f\"");
  EXPECT_EQ(JsonString(std::string("a\0b", 3)), "\"a\\u0000b\"");
  EXPECT_EQ(JsonString("é — € 😀"), "\"é — € 😀\"");  // valid UTF-8 passes through
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(JsonString("a\xff" "b"), "\"a" + fffd + "b\"");
  EXPECT_EQ(JsonString("\xC3"), "\"" + fffd + "\"");                 // truncated
  EXPECT_EQ(JsonString("\xC0\xAF"), "\"" + fffd + fffd + "\"");      // overlong
  EXPECT_EQ(JsonString("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");  // surrogate
}

TEST(AlertmanagerPayload, AlertsApiBody) {
  AlertNotification bare;
  bare.labels = MakeLabels({{"alertname", "X"}});
  EXPECT_EQ(AlertmanagerPayload({HighCpu(false), bare}),
            "[{\"labels\":{\"alertname\":\"HighCpu\",\"host\":\"db-1\",\"severity\":\"critical\"},"
            "\"annotations\":{\"description\":\"95 % > 80 %\\nsee dashboard\","
            "\"summary\":\"CPU \\\"high\\\" on db-1\"},"
            "\"startsAt\":\"2024-05-01T12:00:00.123Z\",\"endsAt\":\"2024-05-01T12:03:00.000Z\","
            "\"generatorURL\":\"http://scout.example/alerts?rule=HighCpu\"},"
            "{\"labels\":{\"alertname\":\"X\"},\"annotations\":{}}]");
  EXPECT_EQ(AlertmanagerPayload({}), "[]");
}

TEST(AlertmanagerPayload, WebhookCommonLabelsAndStatus) {
  AlertNotification other = HighCpu(true);
  other.labels = MakeLabels({{"alertname", "HighCpu"}, {"host", "db-2"}, {"severity", "critical"}});
  other.annotations = MakeLabels({{"summary", "CPU \"high\" on db-2"}, {"description", "95 % > 80 %\nsee dashboard"}});
  const std::string body = WebhookPayload("r", "", {HighCpu(false), other});
  EXPECT_NE(body.find("\"status\":\"firing\",\"receiver\":\"r\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"commonLabels\":{\"alertname\":\"HighCpu\",\"severity\":\"critical\"}"),
            std::string::npos) << body;
  EXPECT_NE(body.find("\"commonAnnotations\":{\"description\":\"95 % > 80 %\\nsee dashboard\"}"),
            std::string::npos) << body;
  EXPECT_NE(WebhookPayload("r", "", {other}).find("\"truncatedAlerts\":0,\"status\":\"resolved\""),
            std::string::npos);
}

TEST(RedactUrl, DropsUserinfoPathQueryAndFragment) {
  EXPECT_EQ(RedactUrl("http://user:pass@127.0.0.1:9093/hook?token=SECRET#frag"),
            "http://127.0.0.1:9093/\u2026");
  EXPECT_EQ(RedactUrl("https://hooks.slack.com/services/T000/B000/XXXXSECRET"),
            "https://hooks.slack.com/\u2026") << "chat webhooks carry the token in the path";
  EXPECT_EQ(RedactUrl("https://a%40b:p@ss@example.com"), "https://example.com");
  EXPECT_EQ(RedactUrl("https://example.com?x=1"), "https://example.com");
  EXPECT_EQ(RedactUrl("https://example.com/"), "https://example.com");
  EXPECT_EQ(RedactUrl("http://[::1]:8080/a/b/"), "http://[::1]:8080/\u2026");
  EXPECT_EQ(RedactUrl("user:pass@host/x"), "<unparseable url>");
}

// ---------------------------------------------------------------------------

TEST(NotifierWebhook, PayloadFiringThenResolved) {
  HttpReceiver server;
  NotifierOptions options;
  options.external_url = "http://scout.example/";
  Notifier notifier({Webhook("team-hook", server.url("/hook"))}, options);

  const std::string labels =
      "{\"alertname\":\"HighCpu\",\"host\":\"db-1\",\"severity\":\"critical\"}";
  const std::string annotations =
      "{\"description\":\"95 % > 80 %\\nsee dashboard\",\"summary\":\"CPU \\\"high\\\" on db-1\"}";
  const auto expected = [&](const std::string& status, const std::string& ends_at) {
    return "{\"version\":\"4\",\"groupKey\":\"{}:{}\",\"truncatedAlerts\":0,\"status\":\"" + status +
           "\",\"receiver\":\"team-hook\",\"groupLabels\":{},\"commonLabels\":" + labels +
           ",\"commonAnnotations\":" + annotations +
           ",\"externalURL\":\"http://scout.example/\",\"alerts\":[{\"status\":\"" + status +
           "\",\"labels\":" + labels + ",\"annotations\":" + annotations +
           ",\"startsAt\":\"2024-05-01T12:00:00.123Z\",\"endsAt\":\"" + ends_at +
           "\",\"generatorURL\":\"http://scout.example/alerts?rule=HighCpu\","
           "\"fingerprint\":\"a1b2c3d4e5f60718\"}]}";
  };

  notifier.Send({HighCpu(false)});
  ASSERT_TRUE(notifier.Flush(milliseconds(5000)));
  notifier.Send({HighCpu(true)});
  ASSERT_TRUE(notifier.Flush(milliseconds(5000)));

  const std::vector<Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const Request& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/hook");
    EXPECT_NE(r.head.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << r.head;
    EXPECT_NE(r.head.find("\r\nUser-Agent: scout-collector\r\n"), std::string::npos) << r.head;
  }
  EXPECT_EQ(requests[0].body, expected("firing", "0001-01-01T00:00:00Z"));
  EXPECT_EQ(requests[1].body, expected("resolved", "2024-05-01T12:05:00.000Z"));

  const auto stats = notifier.Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].name, "team-hook");
  EXPECT_EQ(stats[0].sent_total, 2u);
  EXPECT_EQ(stats[0].failed_total, 0u);
  EXPECT_EQ(stats[0].dropped_total, 0u);
  EXPECT_EQ(stats[0].queue_length, 0u);
  EXPECT_GT(stats[0].last_success_ms, 1714564800000);
}

TEST(NotifierWebhook, RetriesAfter500AndLogsOncePerStateChange) {
  LogCapture logs;
  HttpReceiver server({500, 503, 200});
  Notifier notifier({Webhook("hook", server.url("/hook"))}, FastBackoff(milliseconds(200)));
  const auto start = Steady::now();
  notifier.Send({HighCpu(false)});
  ASSERT_TRUE(notifier.Flush(milliseconds(5000)));

  const std::vector<Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].body, requests[2].body);
  const long long first = MsBetween(start, requests[0].at);
  const long long gap1 = MsBetween(requests[0].at, requests[1].at);
  const long long gap2 = MsBetween(requests[1].at, requests[2].at);
  std::printf("retry timing: first attempt after %lld ms, retries after %lld ms and %lld ms\n", first,
              gap1, gap2);
  EXPECT_LT(first, 500);
  // Equal jitter: [initial/2, initial], then [initial, 2*initial].
  EXPECT_GE(gap1, 95);
  EXPECT_LE(gap1, 600);  // generous: loaded CI machines
  EXPECT_GE(gap2, 195);
  EXPECT_LE(gap2, 900);

  const auto stats = notifier.Stats();
  EXPECT_EQ(stats[0].sent_total, 1u);
  EXPECT_EQ(stats[0].failed_total, 2u);
  EXPECT_FALSE(stats[0].failing);
  const std::string text = logs.text();
  size_t errors = 0;
  for (size_t p = text.find("[error]"); p != std::string::npos; p = text.find("[error]", p + 1)) ++errors;
  EXPECT_EQ(errors, 1u) << text;
  EXPECT_NE(text.find("receiver hook (http://127.0.0.1:" + std::to_string(server.port()) +
                      "/\u2026) is failing: HTTP 500"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("recovered after 2 failed attempt(s)"), std::string::npos) << text;
}

TEST(NotifierWebhook, NewerBatchSupersedesStateWaitingForRetry) {
  HttpReceiver server({500});
  ReceiverConfig am = Webhook("am", server.url("/am/"));
  am.kind = ReceiverConfig::Kind::kAlertmanager;
  Notifier notifier({am}, FastBackoff(milliseconds(300)));
  notifier.Send({HighCpu(false)});
  ASSERT_TRUE(server.WaitFor(1, milliseconds(2000)));
  AlertNotification other = HighCpu(false);
  other.fingerprint = "b000000000000001";
  other.labels = MakeLabels({{"alertname", "HighCpu"}, {"host", "db-2"}});
  notifier.Send({HighCpu(true), other});
  ASSERT_TRUE(notifier.Flush(milliseconds(5000)));

  const std::vector<Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/am/api/v2/alerts");
  EXPECT_EQ(requests[0].body, AlertmanagerPayload({HighCpu(false)}));
  // One state per fingerprint: the resolved one replaced the firing one.
  EXPECT_EQ(requests[1].body, AlertmanagerPayload({HighCpu(true), other}));
  const auto stats = notifier.Stats();
  EXPECT_EQ(stats[0].sent_total, 2u);
  EXPECT_EQ(stats[0].failed_total, 1u);
}

TEST(NotifierWebhook, TimingOutReceiverDoesNotDelayAnother) {
  LogCapture logs;
  HttpReceiver slow({}, milliseconds(5000));
  HttpReceiver fast;
  auto notifier = std::make_unique<Notifier>(
      std::vector<ReceiverConfig>{Webhook("slow", slow.url("/"), milliseconds(800)),
                                  Webhook("fast", fast.url("/"))},
      FastBackoff(milliseconds(5000), milliseconds(5000)));
  const auto start = Steady::now();
  notifier->Send({HighCpu(false)});
  ASSERT_TRUE(fast.WaitFor(1, milliseconds(2000)));
  ASSERT_TRUE(slow.WaitFor(1, milliseconds(2000)));
  ASSERT_TRUE(Eventually([&] { return notifier->Stats()[1].sent_total == 1; }, milliseconds(2000)));
  const long long fast_done = MsBetween(start, Steady::now());
  EXPECT_LT(fast_done, 600);  // the slow one needs 800 ms to time out
  EXPECT_EQ(notifier->Stats()[0].sent_total, 0u);
  EXPECT_EQ(notifier->Stats()[0].queue_length, 1u);

  ASSERT_TRUE(Eventually([&] { return notifier->Stats()[0].failed_total == 1; }, milliseconds(3000)));
  const long long timed_out = MsBetween(start, Steady::now());
  std::printf("fast receiver delivered after %lld ms; slow one timed out after %lld ms\n", fast_done,
              timed_out);
  EXPECT_GE(timed_out, 750);
  // The failure is counted just before it is logged: wait for the line too.
  const std::string failing = "receiver slow (http://127.0.0.1:" + std::to_string(slow.port()) +
                              ") is failing: Operation timed out";
  EXPECT_TRUE(Eventually([&] { return logs.text().find(failing) != std::string::npos; },
                         milliseconds(2000)))
      << logs.text();

  // While "slow" backs off, "fast" still delivers at once.
  const auto again = Steady::now();
  AlertNotification resolved = HighCpu(true);
  notifier->Send({resolved});
  ASSERT_TRUE(Eventually([&] { return notifier->Stats()[1].sent_total == 2; }, milliseconds(2000)));
  EXPECT_LT(MsBetween(again, Steady::now()), 600);
  EXPECT_EQ(notifier->Stats()[0].queue_length, 1u);  // superseded, not piled up

  const auto stop = Steady::now();
  notifier.reset();  // drops what "slow" still has queued
  EXPECT_LT(MsBetween(stop, Steady::now()), 500);
  EXPECT_NE(logs.text().find("receiver slow: 1 undelivered alert(s) dropped at shutdown"),
            std::string::npos)
      << logs.text();
}

TEST(NotifierWebhook, QueueIsBoundedPerReceiver) {
  NotifierOptions options = FastBackoff(milliseconds(10000), milliseconds(10000));
  options.max_queue = 2;
  Notifier notifier({Webhook("down", "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/")},
                    options);
  std::vector<AlertNotification> alerts;
  for (int i = 0; i < 5; ++i) {
    AlertNotification a = HighCpu(false);
    a.fingerprint = "f" + std::to_string(i);
    alerts.push_back(a);
  }
  notifier.Send(alerts);
  auto stats = notifier.Stats();
  EXPECT_EQ(stats[0].dropped_total, 3u);
  EXPECT_EQ(stats[0].queue_length, 2u);
  ASSERT_TRUE(Eventually([&] { return notifier.Stats()[0].failed_total == 1; }, milliseconds(3000)));
  notifier.Send({alerts[0], alerts[1]});  // updates of queued fingerprints are kept
  stats = notifier.Stats();
  EXPECT_EQ(stats[0].dropped_total, 3u);
  EXPECT_EQ(stats[0].queue_length, 2u);
  EXPECT_TRUE(stats[0].failing);
  EXPECT_FALSE(notifier.Flush(milliseconds(100)));
}

TEST(NotifierWebhook, SecretsNeverAppearInLogs) {
  LogCapture logs;
  HttpReceiver server({500});
  setenv("SCOUT_NOTIFY_TOKEN", "tok-s3cr3t-value", 1);
  const std::string key_file = ::testing::TempDir() + "/scout_notify_key";
  std::ofstream(key_file) << "filekey-42xyz\n";
  const int closed = ClosedPort();
  setenv("SCOUT_NOTIFY_URL",
         ("http://scoutuser:p4ssw0rd@127.0.0.1:" + std::to_string(closed) + "/down?token=S3CR3TQ").c_str(), 1);

  ReceiverConfig good = Webhook("good", "http://scoutuser:p4ssw0rd@127.0.0.1:" +
                                            std::to_string(server.port()) + "/hook?token=S3CR3TQ");
  ReceiverConfig down = Webhook("down", "${SCOUT_NOTIFY_URL}");
  ReceiverConfig unset = Webhook("unset", "${SCOUT_NOTIFY_NOT_SET}");
  ReceiverConfig schemeless = Webhook("schemeless", "scoutuser:p4ssw0rd@127.0.0.1:1/x?token=S3CR3TQ");
  for (ReceiverConfig* c : {&good, &down, &unset, &schemeless}) {
    c->headers = {{"Authorization", "Bearer ${SCOUT_NOTIFY_TOKEN}"}, {"X-Api-Key", "@file:" + key_file}};
  }
  {
    Notifier notifier({good, down, unset, schemeless}, FastBackoff(milliseconds(100)));
    notifier.Send({HighCpu(false)});
    ASSERT_TRUE(Eventually(
        [&] {
          const auto s = notifier.Stats();
          return s[0].sent_total == 1 && s[1].failed_total >= 2 && s[2].failed_total >= 2 &&
                 s[3].failed_total >= 2;
        },
        milliseconds(5000)));
  }
  const std::vector<Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].target, "/hook?token=S3CR3TQ");
  EXPECT_NE(requests[1].head.find("\r\nAuthorization: Bearer tok-s3cr3t-value\r\n"), std::string::npos)
      << requests[1].head;
  EXPECT_NE(requests[1].head.find("\r\nX-Api-Key: filekey-42xyz\r\n"), std::string::npos);

  const std::string text = logs.text();
  for (const char* secret : {"scoutuser", "p4ssw0rd", "S3CR3TQ", "token=", "tok-s3cr3t-value", "filekey-42xyz"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaked:\n" << text;
  }
  const std::string port = std::to_string(server.port());
  EXPECT_NE(text.find("receiver good (http://127.0.0.1:" + port + "/\u2026) is failing: HTTP 500"),
            std::string::npos) << text;
  EXPECT_NE(text.find("receiver good (http://127.0.0.1:" + port + "/\u2026) recovered after 1"),
            std::string::npos) << text;
  EXPECT_NE(text.find("receiver down (http://127.0.0.1:" + std::to_string(closed) + "/\u2026) is failing: "),
            std::string::npos) << text;
  EXPECT_NE(text.find("receiver unset (<unresolved url>) is failing: url: environment variable "
                      "SCOUT_NOTIFY_NOT_SET is not set"),
            std::string::npos) << text;
  EXPECT_NE(text.find("receiver schemeless (<unparseable url>) is failing: url must start with http"),
            std::string::npos) << text;
}

// ---------------------------------------------------------------------------

TEST(NotifierAlertmanager, AlertAppearsThenResolvesInAlertmanager025) {
  const std::optional<Alertmanager> am = StartAlertmanager();
  ASSERT_TRUE(am.has_value()) << "could not start Alertmanager (scripts/install-deps.sh)";
  struct Stop {
    const Alertmanager& am;
    ~Stop() { StopAlertmanager(am); }
  } stop{*am};

  ReceiverConfig receiver;
  receiver.kind = ReceiverConfig::Kind::kAlertmanager;
  receiver.name = "am";
  receiver.url = am->url;
  receiver.timeout = milliseconds(3000);
  Notifier notifier({receiver}, FastBackoff(milliseconds(200)));

  const int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  AlertNotification alert;
  alert.labels = MakeLabels({{"alertname", "ScoutNotifierTest"}, {"host", "db-1"}, {"severity", "critical"}});
  alert.annotations = MakeLabels({{"summary", "CPU \"high\" on db-1 — 95 %"}, {"description", "line 1\nline 2"}});
  alert.starts_at_ms = now_ms - 60000;
  alert.ends_at_ms = now_ms + 300000;
  alert.fingerprint = "0123456789abcdef";
  alert.generator_url = "http://scout.example/alerts?rule=ScoutNotifierTest";

  notifier.Send({alert});
  ASSERT_TRUE(notifier.Flush(milliseconds(5000)));
  std::string seen;
  const bool appeared = Eventually(
      [&] {
        seen = HttpGet(am->url + "/api/v2/alerts").value_or("");
        return seen.find("\"alertname\":\"ScoutNotifierTest\"") != std::string::npos;
      },
      milliseconds(5000));
  ASSERT_TRUE(appeared) << seen;
  for (const std::string& want : {
           std::string("\"host\":\"db-1\""), std::string("\"severity\":\"critical\""),
           std::string("\"summary\":\"CPU \\\"high\\\" on db-1 — 95 %\""),
           std::string("\"description\":\"line 1\\nline 2\""),
           std::string("\"state\":\"active\""),
           "\"startsAt\":\"" + FormatRfc3339Ms(alert.starts_at_ms) + "\"",
           "\"endsAt\":\"" + FormatRfc3339Ms(alert.ends_at_ms) + "\"",
           std::string("\"generatorURL\":\"http://scout.example/alerts?rule=ScoutNotifierTest\""),
       }) {
    EXPECT_NE(seen.find(want), std::string::npos) << want << " not in " << seen;
  }

  // Resolved: endsAt in the past. Alertmanager 0.25 keeps it (until GC) but
  // its API leaves alerts whose endsAt has passed out of GET /api/v2/alerts
  // whatever the filters, so it disappears.
  alert.resolved = true;
  alert.ends_at_ms = now_ms - 1000;
  notifier.Send({alert});
  ASSERT_TRUE(notifier.Flush(milliseconds(5000)));
  const bool gone = Eventually(
      [&] {
        const std::optional<std::string> list =
            HttpGet(am->url + "/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true");
        seen = list.value_or("unreachable");
        return list.has_value() && seen.find("ScoutNotifierTest") == std::string::npos;
      },
      milliseconds(5000));
  EXPECT_TRUE(gone) << seen;
  const auto stats = notifier.Stats();
  EXPECT_EQ(stats[0].sent_total, 2u);
  EXPECT_EQ(stats[0].failed_total, 0u);
}

}  // namespace
}  // namespace scout::collector::alerting
