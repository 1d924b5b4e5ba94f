// HttpPost: the libcurl set-up every outgoing POST of the collector shares
// (remote write out, alert notifications), so timeouts, TLS, redirects,
// allowed protocols and how much of an answer is read are decided once.
//
// Contract
// - Only http:// and https:// (curl refuses other schemes); redirects are
//   NOT followed (a 3xx is an answer like any other non-2xx); no signals.
// - `timeout` bounds the whole request; `connect_timeout` (0 = none of our
//   own) the connection set-up.
// - TLS: `ca_file` replaces the system CAs when set; `cert_file` +
//   `key_file` present a client certificate. Peer and host name are always
//   verified (there is no insecure switch).
// - The answer body is read to the end (so the connection can be kept
//   alive) but at most `max_body_kept` bytes of it are kept.
// - `Retry-After` in delta-seconds is returned, capped at one hour; the
//   HTTP-date form is ignored (callers fall back to their own backoff).
// - Secrets (header values, the basic-auth password) are handed to curl
//   only; nothing here logs, and `error` holds curl's transport message,
//   which does not contain header values. The password is cleared from the
//   handle when the transfer is finished.
//
// Use: blocking, `HttpPost::Perform(easy, options, body)`; inside a curl
// multi loop, `Setup()` before curl_multi_add_handle and `Finish()` once the
// transfer is done. The HttpPost object and `body` must outlive the
// transfer (curl keeps pointers to both). The easy handle is reset by
// Setup() (its connection cache survives: keep-alive across requests).
//
// Thread safety: one HttpPost per transfer, used by one thread at a time.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scout {

struct HttpPostOptions {
  std::string url;
  std::vector<std::string> headers;  // "Name: value" lines, sent as given
  std::string user_agent;
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds connect_timeout{0};
  std::string ca_file, cert_file, key_file;
  std::optional<std::string> basic_auth_user;  // with basic_auth_password
  std::string basic_auth_password;
  size_t max_body_kept = 0;
};

struct HttpPostResult {
  int http_status = 0;  // 0: no HTTP answer (connect, TLS, timeout, ...)
  std::string error;    // the transport error when http_status == 0
  std::string body;     // the first max_body_kept bytes of the answer
  std::optional<std::chrono::seconds> retry_after;
  bool ok() const { return http_status >= 200 && http_status < 300; }
};

class HttpPost {
 public:
  HttpPost() = default;
  ~HttpPost();
  HttpPost(const HttpPost&) = delete;  // curl holds pointers into it
  HttpPost& operator=(const HttpPost&) = delete;

  // curl_global_init, once per process (call before any handle is made).
  static void GlobalInit();

  // Resets `easy` and sets every option for POSTing `body`. False only when
  // curl cannot allocate the header list.
  bool Setup(CURL* easy, const HttpPostOptions& options, std::string_view body);
  // The outcome of the transfer `easy` that ended with `code`.
  HttpPostResult Finish(CURL* easy, CURLcode code);

  // Setup, curl_easy_perform, Finish.
  static HttpPostResult Perform(CURL* easy, const HttpPostOptions& options,
                                std::string_view body);

 private:
  static size_t KeepBody(char* data, size_t size, size_t n, void* self);
  static size_t ReadHeader(char* data, size_t size, size_t n, void* self);

  curl_slist* headers_ = nullptr;
  char error_[CURL_ERROR_SIZE] = {};
  size_t max_body_kept_ = 0;
  bool clear_password_ = false;
  std::string body_;
  std::optional<std::chrono::seconds> retry_after_;
};

}  // namespace scout
