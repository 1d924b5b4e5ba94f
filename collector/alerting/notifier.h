// Notification delivery for the alert engine: Alertmanager v2 API and a
// generic webhook carrying Alertmanager's webhook payload.
//
// Contract
// - Send() never blocks on the network: it merges the batch into one queue
//   per receiver and wakes the delivery thread. The engine calls it once per
//   evaluation cycle with every alert due for (re)sending, so a queue holds
//   at most ONE state per fingerprint: a newer Send() replaces the state
//   waiting (or being retried) for the same receiver + fingerprint, and a
//   failed attempt never puts back a state older than what is queued.
//   Alerts are keyed by `fingerprint` (by their labels when it is empty).
// - A queue holds at most NotifierOptions::max_queue fingerprints; alerts
//   with a new fingerprint beyond that are dropped and counted
//   (dropped_total). Updates to queued fingerprints are always accepted.
// - One thread ("scout-notify") runs a libcurl multi loop: each receiver has
//   at most one request in flight, receivers are independent, so a receiver
//   that hangs until its `timeout` or fails does not delay any other.
//   One request carries everything queued for the receiver (up to 1,000
//   alerts; the rest follows immediately). Success = HTTP 2xx.
//   Requests are set up by shared/http_post.h (http/https only, redirects
//   not followed, `timeout` for the whole request, answer body discarded).
// - After a failure the receiver waits a capped, jittered exponential
//   backoff (shared/backoff.h: backoff_initial, 2x, ... up to backoff_max,
//   equal jitter), then sends what is queued by then; reset on success.
// - Logging, once per state change per receiver: an error when it starts
//   failing (reason: HTTP status or curl error, and the redacted URL), an
//   info when it recovers (with the number of failed attempts). Individual
//   retries are logged at debug.
// - Secrets: `url` and header values may be secret references, "${NAME}"
//   anywhere in the value (environment) or "@file:/path" as the whole value
//   (file content, whitespace-trimmed); they are resolved at every attempt,
//   so a rotated token file is picked up. Neither logs nor counters ever
//   contain a URL's userinfo, path or query, or a header value: the URL is shown
//   as RedactUrl() gives it, and error texts are scrubbed of every secret.
// - No exception leaves the API, and the delivery thread catches everything.
// - ~Notifier() stops the thread at once: queued and in-flight alerts are
//   dropped and counted. Call Flush() first for a graceful shutdown.
//
// Thread safety: every public method may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "collector/alerting/notification.h"

namespace scout::collector::alerting {

struct ReceiverConfig {
  enum class Kind { kAlertmanager, kWebhook };
  Kind kind = Kind::kAlertmanager;
  std::string name;  // label `receiver` in metrics and logs
  // Alertmanager: its base URL (we POST {url}/api/v2/alerts).
  // Webhook: the URL we POST to. May be a secret reference (see above).
  std::string url;
  std::map<std::string, std::string> headers;  // values may be secret references
  std::chrono::milliseconds timeout{10000};    // whole request, connect included
};

struct NotifierOptions {
  std::chrono::milliseconds backoff_initial{1000}, backoff_max{60000};
  size_t max_queue = 10000;  // fingerprints per receiver
  // `externalURL` of webhook payloads (where the alerts come from, e.g. the
  // collector's UI); may be empty.
  std::string external_url;
};

class Notifier {
 public:
  Notifier(std::vector<ReceiverConfig> receivers, NotifierOptions options);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Non-blocking: queues the batch for every receiver (see the contract).
  void Send(std::vector<AlertNotification> alerts);

  struct ReceiverStats {
    std::string name;
    uint64_t sent_total = 0;     // alerts delivered (2xx)
    uint64_t failed_total = 0;   // requests that failed
    uint64_t dropped_total = 0;  // alerts dropped: queue full, or shut down
    int64_t last_success_ms = 0;  // wall clock of the last 2xx, 0 = never
    size_t queue_length = 0;      // alerts queued or in flight
    bool failing = false;         // the last request failed
  };
  // In receiver order.
  std::vector<ReceiverStats> Stats() const;

  // Blocks until every queue is empty and nothing is in flight (true), or
  // the timeout passed (false).
  bool Flush(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// --- Exposed for tests (and for `sctl`-style tooling) ---

// "scheme://host:port" plus "/…" when there was a path: no userinfo, path
// (chat webhooks carry their token there), query or fragment. Unparseable
// input gives "<unparseable url>" — never the input.
std::string RedactUrl(const std::string& url);

}  // namespace scout::collector::alerting
