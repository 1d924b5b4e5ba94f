#include "collector/alerting/notifier.h"

#include <curl/curl.h>
#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "collector/alerting/alertmanager_payload.h"
#include "shared/backoff.h"
#include "shared/clock.h"
#include "shared/http_post.h"
#include "shared/logging.h"
#include "shared/secret_ref.h"
#include "shared/url_redact.h"

namespace scout::collector::alerting {
namespace {

using Steady = std::chrono::steady_clock;

constexpr size_t kMaxAlertsPerRequest = 1000;

const Clock& TheClock() {
  static const SystemClock clock;
  return clock;
}

std::string AlertKey(const AlertNotification& a) {
  if (!a.fingerprint.empty()) return a.fingerprint;
  std::string key = "labels:";
  for (const auto& [name, value] : a.labels) absl::StrAppend(&key, name, "\x1f", value, "\x1e");
  return key;
}

// {url}/api/v2/alerts, keeping a query string (if any) at the end.
std::string AlertsEndpoint(const std::string& base) {
  const size_t q = base.find_first_of("?#");
  std::string path = base.substr(0, q);
  while (!path.empty() && path.back() == '/') path.pop_back();
  path += "/api/v2/alerts";
  if (q != std::string::npos) path += base.substr(q);
  return path;
}

// Replaces every occurrence of each secret (longest first) in `text`.
std::string Scrub(std::string text, std::vector<std::string> secrets) {
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& secret : secrets) {
    if (secret.size() < 3) continue;
    for (size_t p = text.find(secret); p != std::string::npos; p = text.find(secret, p)) {
      text.replace(p, secret.size(), "<redacted>");
    }
  }
  return text;
}

bool ValidHeaderName(const std::string& name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && std::strchr("!#$%&'*+-.^_`|~", c) == nullptr) {
      return false;
    }
  }
  return true;
}

struct Queued {
  AlertNotification alert;
  uint64_t seq = 0;  // Send() call that queued it; higher is newer
};

// One request in flight; owned by the delivery thread.
struct Transfer {
  CURL* easy = nullptr;
  HttpPostOptions options;  // headers as "Name: value" lines
  HttpPost post;            // curl points into it until the transfer ends
  std::string body;
  std::vector<std::string> secrets;
  std::vector<std::pair<std::string, Queued>> batch;
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

// Userinfo, its parts and the query are secrets; so is the whole URL.
void AddUrlSecrets(const std::string& url, std::vector<std::string>* secrets) {
  secrets->push_back(url);
  const size_t scheme_end = url.find("://");
  if (scheme_end != std::string::npos) {
    const size_t a0 = scheme_end + 3;
    const size_t a1 = std::min(url.find_first_of("/?#", a0), url.size());
    const std::string authority = url.substr(a0, a1 - a0);
    const size_t at = authority.rfind('@');
    if (at != std::string::npos) {
      const std::string userinfo = authority.substr(0, at);
      secrets->push_back(userinfo);
      const size_t colon = userinfo.find(':');
      if (colon != std::string::npos) secrets->push_back(userinfo.substr(colon + 1));
      secrets->push_back(userinfo.substr(0, colon));
    }
  }
  const size_t q = url.find('?');
  if (q != std::string::npos) secrets->push_back(url.substr(q + 1));
}

// The request headers (configured values resolved, and kept as secrets);
// false and the reason when one cannot be sent.
bool AddHeaders(const ReceiverConfig& config, Transfer* t, std::string* reason) {
  t->options.headers.push_back("Content-Type: application/json");
  for (const auto& [name, value_ref] : config.headers) {
    if (!ValidHeaderName(name)) {
      *reason = "invalid header name";
      return false;
    }
    absl::StatusOr<std::string> resolved = ResolveSecretRef(value_ref);
    if (!resolved.ok()) {
      *reason = absl::StrCat("header ", name, ": ", resolved.status().message());
      return false;
    }
    const std::string value = *std::move(resolved);
    if (value.find_first_of("\r\n") != std::string::npos) {
      *reason = absl::StrCat("header ", name, ": value contains a line break");
      return false;
    }
    t->secrets.push_back(value);
    t->options.headers.push_back(absl::StrCat(name, ": ", value));
  }
  return true;
}

// A receiver's state shared by Send()/Stats()/Flush() and the delivery
// thread; Impl keeps one per receiver under its mutex.
struct ReceiverQueue {
  ReceiverQueue(const NotifierOptions& o, uint64_t seed)
      : backoff(o.backoff_initial, o.backoff_max, seed) {}
  std::map<std::string, Queued> queue;
  size_t in_flight = 0;  // alerts in the running request
  Steady::time_point next_attempt{};
  Backoff backoff;
  bool failing = false;
  uint64_t failed_streak = 0;
  Notifier::ReceiverStats stats;
};

struct Receiver {
  explicit Receiver(ReceiverConfig c) : config(std::move(c)) {}
  const ReceiverConfig config;
  // Delivery thread only.
  std::unique_ptr<Transfer> transfer;
};

}  // namespace

std::string RedactUrl(const std::string& url) { return UrlAuthorityOnly(url); }

// ---------------------------------------------------------------------------

struct Notifier::Impl {
  NotifierOptions options;
  mutable absl::Mutex mu;
  // Fixed after construction; receivers[i] goes with queues[i].
  std::vector<std::unique_ptr<Receiver>> receivers;
  std::vector<ReceiverQueue> queues ABSL_GUARDED_BY(mu);
  uint64_t seq ABSL_GUARDED_BY(mu) = 0;
  bool stop ABSL_GUARDED_BY(mu) = false;
  CURLM* multi = nullptr;
  std::thread thread;

  void Run();
  void Loop();
  // Takes due batches into transfers; returns the receivers that got one.
  std::vector<size_t> TakeDue(long* wait_ms);
  // Builds the request for `r`'s taken batch; false (and the reason) if it cannot be built.
  bool Prepare(Receiver& r, size_t index, std::string* redacted, std::string* reason);
  void Finish(size_t index, bool ok, const std::string& redacted, const std::string& reason);
  void DropAllOnShutdown();
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

bool Notifier::Impl::Prepare(Receiver& r, size_t index, std::string* redacted, std::string* reason) {
  Transfer& t = *r.transfer;
  absl::StatusOr<std::string> resolved_url = ResolveSecretRef(r.config.url);
  if (!resolved_url.ok()) {
    *redacted = "<unresolved url>";
    *reason = absl::StrCat("url: ", resolved_url.status().message());
    return false;
  }
  std::string url = *std::move(resolved_url);
  *redacted = RedactUrl(url);
  if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
    *reason = "url must start with http:// or https://";
    return false;
  }
  AddUrlSecrets(url, &t.secrets);
  if (r.config.kind == ReceiverConfig::Kind::kAlertmanager) url = AlertsEndpoint(url);

  if (!AddHeaders(r.config, &t, reason)) return false;

  std::vector<AlertNotification> alerts;
  alerts.reserve(t.batch.size());
  for (const auto& entry : t.batch) alerts.push_back(entry.second.alert);
  t.body = r.config.kind == ReceiverConfig::Kind::kAlertmanager
               ? AlertmanagerPayload(alerts)
               : WebhookPayload(r.config.name, options.external_url, alerts);

  t.easy = curl_easy_init();
  t.options.url = url;
  t.options.user_agent = "scout-collector";
  t.options.timeout = r.config.timeout.count() > 0 ? r.config.timeout : std::chrono::milliseconds(10000);
  t.options.max_body_kept = 0;  // only the status matters
  if (t.easy == nullptr || !t.post.Setup(t.easy, t.options, t.body)) {
    *reason = "cannot create a curl handle";
    return false;
  }
  CURL* e = t.easy;
  curl_easy_setopt(e, CURLOPT_PRIVATE, reinterpret_cast<void*>(index));
  if (curl_multi_add_handle(multi, e) != CURLM_OK) {
    *reason = "cannot start the request";
    return false;
  }
  return true;
}

void Notifier::Impl::Finish(size_t index, bool ok, const std::string& redacted,
                            const std::string& reason) {
  Receiver& r = *receivers[index];
  std::unique_ptr<Transfer> t = std::move(r.transfer);
  if (t->easy != nullptr) curl_multi_remove_handle(multi, t->easy);  // no-op if never added
  const std::string safe_reason = Scrub(reason, t->secrets);
  bool log_failing = false, log_recovered = false;
  uint64_t streak = 0;
  size_t queued = 0;
  {
    absl::MutexLock lock(&mu);
    ReceiverQueue& q = queues[index];
    const auto now = TheClock().SteadyNow();
    if (ok) {
      q.stats.sent_total += t->batch.size();
      q.stats.last_success_ms = TheClock().NowMs();
      log_recovered = q.failing;
      streak = q.failed_streak;
      q.failing = false;
      q.failed_streak = 0;
      q.backoff.Reset();
      q.next_attempt = now;
    } else {
      ++q.stats.failed_total;
      log_failing = !q.failing;
      q.failing = true;
      streak = ++q.failed_streak;
      q.next_attempt = now + q.backoff.NextDelay();
    }
    queued = q.queue.size();
    for (const auto& entry : t->batch) queued += (!ok && q.queue.count(entry.first) == 0) ? 1 : 0;
  }
  // Logged before the request counts as finished, so whoever Flush()es
  // sees the log line too.
  const std::string& name = r.config.name;
  if (log_failing) {
    spdlog::error("notifier: receiver {} ({}) is failing: {}; {} alert(s) waiting, retrying with backoff",
                  name, redacted, safe_reason, queued);
  } else if (!ok) {
    spdlog::debug("notifier: receiver {} ({}) attempt {} failed: {}", name, redacted, streak, safe_reason);
  } else if (log_recovered) {
    spdlog::info("notifier: receiver {} ({}) recovered after {} failed attempt(s)", name, redacted, streak);
  }
  absl::MutexLock lock(&mu);  // Flush() waits on its condition under mu
  ReceiverQueue& q = queues[index];
  q.in_flight = 0;
  // Put a failed batch back unless a newer state arrived meanwhile.
  for (auto& [key, item] : t->batch) {
    if (ok) break;
    auto it = q.queue.find(key);
    if (it == q.queue.end()) {
      if (q.queue.size() < options.max_queue) {
        q.queue.emplace(key, std::move(item));
      } else {
        ++q.stats.dropped_total;
      }
    } else if (it->second.seq < item.seq) {
      it->second = std::move(item);
    }
  }
}

std::vector<size_t> Notifier::Impl::TakeDue(long* wait_ms) {
  std::vector<size_t> started;
  absl::MutexLock lock(&mu);
  if (stop) return started;
  const auto now = TheClock().SteadyNow();
  for (size_t i = 0; i < receivers.size(); ++i) {
    Receiver& r = *receivers[i];
    ReceiverQueue& q = queues[i];
    if (r.transfer != nullptr || q.queue.empty()) continue;
    if (now < q.next_attempt) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(q.next_attempt - now);
      *wait_ms = std::min<long>(*wait_ms, static_cast<long>(left.count()) + 1);
      continue;
    }
    r.transfer = std::make_unique<Transfer>();
    while (!q.queue.empty() && r.transfer->batch.size() < kMaxAlertsPerRequest) {
      auto node = q.queue.extract(q.queue.begin());
      r.transfer->batch.emplace_back(std::move(node.key()), std::move(node.mapped()));
    }
    q.in_flight = r.transfer->batch.size();
    started.push_back(i);
  }
  return started;
}

void Notifier::Impl::Loop() {
  // Start a request for every receiver that has something due and none in flight.
  long wait_ms = 1000;
  for (const size_t i : TakeDue(&wait_ms)) {
    Receiver& r = *receivers[i];
    std::string redacted = "<unresolved url>", reason;
    bool prepared = false;
    try {
      prepared = Prepare(r, i, &redacted, &reason);
    } catch (const std::exception& e) {
      reason = absl::StrCat("cannot build the request: ", e.what());
    }
    if (!prepared) {
      Finish(i, false, redacted, reason);
      wait_ms = 0;
    }
  }
  int running = 0;
  curl_multi_perform(multi, &running);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    void* priv = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
    const size_t index = reinterpret_cast<size_t>(priv);
    Receiver& r = *receivers[index];
    const HttpPostResult result = r.transfer->post.Finish(msg->easy_handle, msg->data.result);
    char* effective = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_EFFECTIVE_URL, &effective);
    const std::string redacted = RedactUrl(effective != nullptr ? effective : "");
    std::string reason;
    if (result.http_status == 0) {
      reason = result.error;
    } else if (!result.ok()) {
      reason = absl::StrCat("HTTP ", result.http_status);
    }
    Finish(index, reason.empty(), redacted, reason);
    wait_ms = 0;  // something may be due again
  }
  curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::max(0L, wait_ms)), nullptr);
}

void Notifier::Impl::Run() {
  pthread_setname_np(pthread_self(), "scout-notify");
  for (;;) {
    {
      absl::MutexLock lock(&mu);
      if (stop) break;
    }
    try {
      Loop();
    } catch (const std::exception& e) {
      spdlog::error("notifier: unexpected error: {}", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } catch (...) {
      spdlog::error("notifier: unexpected error");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  DropAllOnShutdown();
}

void Notifier::Impl::DropAllOnShutdown() {
  for (size_t i = 0; i < receivers.size(); ++i) {
    Receiver& r = *receivers[i];
    if (r.transfer != nullptr && r.transfer->easy != nullptr) curl_multi_remove_handle(multi, r.transfer->easy);
    r.transfer.reset();
    size_t dropped = 0;
    {
      absl::MutexLock lock(&mu);
      ReceiverQueue& q = queues[i];
      dropped = q.queue.size() + q.in_flight;
      q.stats.dropped_total += dropped;
      q.queue.clear();
      q.in_flight = 0;
    }
    if (dropped > 0) {
      spdlog::warn("notifier: receiver {}: {} undelivered alert(s) dropped at shutdown", r.config.name, dropped);
    }
  }
}

bool Notifier::Impl::Idle() const {
  for (const ReceiverQueue& q : queues) {
    if (!q.queue.empty() || q.in_flight > 0) return false;
  }
  return true;
}

Notifier::Notifier(std::vector<ReceiverConfig> receivers, NotifierOptions options)
    : impl_(std::make_unique<Impl>()) {
  HttpPost::GlobalInit();
  impl_->options = std::move(options);
  if (impl_->options.max_queue == 0) impl_->options.max_queue = 1;
  uint64_t seed = static_cast<uint64_t>(TheClock().SteadyNow().time_since_epoch().count());
  {
    Impl& impl = *impl_;
    absl::MutexLock lock(&impl.mu);  // no other thread yet; for the analysis
    for (ReceiverConfig& c : receivers) {
      auto r = std::make_unique<Receiver>(std::move(c));
      ReceiverQueue q(impl.options, ++seed);
      q.stats.name = r->config.name;
      impl.receivers.push_back(std::move(r));
      impl.queues.push_back(std::move(q));
    }
  }
  impl_->multi = curl_multi_init();
  if (impl_->multi == nullptr) {
    spdlog::error("notifier: cannot create a curl multi handle; notifications are disabled");
    return;
  }
  try {
    impl_->thread = std::thread([impl = impl_.get()] { impl->Run(); });
  } catch (const std::exception& e) {
    spdlog::error("notifier: cannot start its thread ({}); notifications are disabled", e.what());
  }
}

Notifier::~Notifier() {
  Impl& impl = *impl_;
  {
    absl::MutexLock lock(&impl.mu);
    impl.stop = true;
  }
  if (impl.multi != nullptr) curl_multi_wakeup(impl.multi);
  if (impl.thread.joinable()) impl.thread.join();
  if (impl.multi != nullptr) curl_multi_cleanup(impl.multi);
}

void Notifier::Send(std::vector<AlertNotification> alerts) {
  Impl& impl = *impl_;
  try {
    {
      absl::MutexLock lock(&impl.mu);
      if (impl.stop || !impl.thread.joinable()) {
        for (ReceiverQueue& q : impl.queues) q.stats.dropped_total += alerts.size();
        return;
      }
      const uint64_t seq = ++impl.seq;
      for (ReceiverQueue& q : impl.queues) {
        for (const AlertNotification& a : alerts) {
          std::string key = AlertKey(a);
          auto it = q.queue.find(key);
          if (it != q.queue.end()) {
            it->second = Queued{a, seq};
          } else if (q.queue.size() < impl.options.max_queue) {
            q.queue.emplace(std::move(key), Queued{a, seq});
          } else {
            ++q.stats.dropped_total;
          }
        }
      }
    }
    curl_multi_wakeup(impl.multi);
  } catch (const std::exception& e) {
    spdlog::error("notifier: cannot queue {} alert(s): {}", alerts.size(), e.what());
  }
}

std::vector<Notifier::ReceiverStats> Notifier::Stats() const {
  std::vector<ReceiverStats> out;
  try {
    const Impl& impl = *impl_;
    absl::MutexLock lock(&impl.mu);
    for (const ReceiverQueue& q : impl.queues) {
      ReceiverStats s = q.stats;
      s.queue_length = q.queue.size() + q.in_flight;
      s.failing = q.failing;
      out.push_back(std::move(s));
    }
  } catch (const std::exception&) {
    out.clear();
  }
  return out;
}

bool Notifier::Flush(std::chrono::milliseconds timeout) {
  Impl* impl = impl_.get();
  absl::MutexLock lock(&impl->mu);
  return impl->mu.AwaitWithTimeout(absl::Condition(impl, &Impl::Idle), absl::FromChrono(timeout));
}

}  // namespace scout::collector::alerting
