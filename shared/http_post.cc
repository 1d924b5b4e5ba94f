#include "shared/http_post.h"

#include <algorithm>
#include <cstdint>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace scout {

HttpPost::~HttpPost() { curl_slist_free_all(headers_); }

void HttpPost::GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t HttpPost::KeepBody(char* data, size_t size, size_t n, void* self) {
  auto* p = static_cast<HttpPost*>(self);
  const size_t bytes = size * n;
  if (p->body_.size() < p->max_body_kept_) {
    p->body_.append(data, std::min(bytes, p->max_body_kept_ - p->body_.size()));
  }
  return bytes;  // the rest is read and discarded
}

size_t HttpPost::ReadHeader(char* data, size_t size, size_t n, void* self) {
  auto* p = static_cast<HttpPost*>(self);
  const absl::string_view line(data, size * n);
  constexpr absl::string_view kName = "retry-after:";
  if (line.size() > kName.size() && absl::EqualsIgnoreCase(line.substr(0, kName.size()), kName)) {
    int64_t seconds = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(kName.size())), &seconds) &&
        seconds >= 0) {
      p->retry_after_ = std::chrono::seconds(std::min<int64_t>(seconds, 3600));
    }
  }
  return size * n;
}

bool HttpPost::Setup(CURL* e, const HttpPostOptions& o, std::string_view body) {
  curl_easy_reset(e);  // keeps the connection cache: keep-alive survives
  curl_slist_free_all(headers_);
  headers_ = nullptr;
  for (const std::string& h : o.headers) {
    curl_slist* next = curl_slist_append(headers_, h.c_str());
    if (next == nullptr) return false;
    headers_ = next;
  }
  // No "100-continue" round trip before the body.
  curl_slist* next = curl_slist_append(headers_, "Expect:");
  if (next == nullptr) return false;
  headers_ = next;
  error_[0] = '\0';
  body_.clear();
  retry_after_.reset();
  max_body_kept_ = o.max_body_kept;
  curl_easy_setopt(e, CURLOPT_URL, o.url.c_str());  // curl copies strings
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(e, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_);
  if (!o.user_agent.empty()) curl_easy_setopt(e, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  if (o.connect_timeout.count() > 0) {
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  }
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, KeepBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_);
  clear_password_ = o.basic_auth_user.has_value();
  if (clear_password_) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(e, CURLOPT_USERNAME, o.basic_auth_user->c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, o.basic_auth_password.c_str());
  }
  if (!o.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.cert_file.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLCERT, o.cert_file.c_str());
    curl_easy_setopt(e, CURLOPT_SSLKEY, o.key_file.c_str());
  }
  return true;
}

HttpPostResult HttpPost::Finish(CURL* e, CURLcode code) {
  HttpPostResult result;
  // curl's copy of the password must not linger in a reused handle.
  if (clear_password_) curl_easy_setopt(e, CURLOPT_PASSWORD, "");
  clear_password_ = false;
  if (code != CURLE_OK) {
    result.error = error_[0] != '\0' ? error_ : curl_easy_strerror(code);
    return result;
  }
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  result.http_status = static_cast<int>(status);
  result.retry_after = retry_after_;
  result.body = std::move(body_);
  body_.clear();
  return result;
}

HttpPostResult HttpPost::Perform(CURL* e, const HttpPostOptions& options, std::string_view body) {
  HttpPost post;
  if (!post.Setup(e, options, body)) {
    HttpPostResult r;
    r.error = "cannot build the request headers";
    return r;
  }
  return post.Finish(e, curl_easy_perform(e));
}

}  // namespace scout
