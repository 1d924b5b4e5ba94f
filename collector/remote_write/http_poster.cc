#include "collector/remote_write/http_poster.h"

#include <curl/curl.h>

#include <cstdlib>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/secret_ref.h"
#include "shared/version.h"

namespace scout::collector::remote_write {
namespace {

constexpr size_t kMaxBodyKept = 512;  // of an error answer, for the log

struct Answer {
  std::string body;
  std::optional<std::chrono::seconds> retry_after;
};

size_t KeepBody(char* data, size_t size, size_t n, void* user) {
  auto* a = static_cast<Answer*>(user);
  const size_t bytes = size * n;
  if (a->body.size() < kMaxBodyKept) {
    a->body.append(data, std::min(bytes, kMaxBodyKept - a->body.size()));
  }
  return bytes;  // the rest is read and discarded
}

size_t ReadHeader(char* data, size_t size, size_t n, void* user) {
  auto* a = static_cast<Answer*>(user);
  const std::string line(data, size * n);
  const std::string kName = "retry-after:";
  if (line.size() > kName.size() &&
      absl::AsciiStrToLower(line.substr(0, kName.size())) == kName) {
    int64_t seconds = 0;
    // Only the delta-seconds form; an HTTP date falls back to our backoff.
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(kName.size())), &seconds) &&
        seconds >= 0) {
      a->retry_after = std::chrono::seconds(std::min<int64_t>(seconds, 3600));
    }
  }
  return size * n;
}

}  // namespace

HttpPoster::HttpPoster(const RemoteWriteTarget& target) : target_(target) {
  static std::once_flag curl_once;
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpPoster::~HttpPoster() {
  if (easy_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(easy_));
}

PostResult HttpPoster::Post(const std::string& body) {
  PostResult result;
  if (easy_ == nullptr) easy_ = curl_easy_init();
  CURL* e = static_cast<CURL*>(easy_);
  if (e == nullptr) {
    result.error = "cannot create a curl handle";
    return result;
  }
  curl_easy_reset(e);  // keeps the connection cache: keep-alive survives
  std::string token;
  std::string password;
  if (!target_.bearer_token_ref.empty()) {
    absl::StatusOr<std::string> t = ResolveSecretRef(target_.bearer_token_ref);
    if (!t.ok()) {
      result.error = absl::StrCat("bearer_token: ", t.status().message());
      return result;
    }
    token = *std::move(t);
  }
  if (target_.basic_auth) {
    absl::StatusOr<std::string> p = ResolveSecretRef(target_.basic_auth->password_ref);
    if (!p.ok()) {
      result.error = absl::StrCat("basic_auth.password: ", p.status().message());
      return result;
    }
    password = *std::move(p);
  }
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/x-protobuf");
  headers = curl_slist_append(headers, "Content-Encoding: snappy");
  headers = curl_slist_append(headers, "X-Prometheus-Remote-Write-Version: 0.1.0");
  headers = curl_slist_append(headers, "Expect:");
  if (!token.empty()) {
    headers = curl_slist_append(headers, absl::StrCat("Authorization: Bearer ", token).c_str());
  }
  Answer answer;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(e, CURLOPT_URL, target_.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(e, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "scout-collector/" SCOUT_VERSION);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(target_.timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(target_.timeout.count(), 10'000)));
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, KeepBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &answer);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  if (target_.basic_auth) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(e, CURLOPT_USERNAME, target_.basic_auth->username.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, password.c_str());
  }
  if (!target_.tls.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, target_.tls.ca_file.c_str());
  if (!target_.tls.cert_file.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLCERT, target_.tls.cert_file.c_str());
    curl_easy_setopt(e, CURLOPT_SSLKEY, target_.tls.key_file.c_str());
  }
  const CURLcode code = curl_easy_perform(e);
  curl_slist_free_all(headers);
  // The password copy in curl is replaced so it does not linger in the handle.
  if (target_.basic_auth) curl_easy_setopt(e, CURLOPT_PASSWORD, "");
  if (code != CURLE_OK) {
    result.error = error[0] != '\0' ? error : curl_easy_strerror(code);
    return result;
  }
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  result.http_status = static_cast<int>(status);
  result.retry_after = answer.retry_after;
  if (status < 200 || status >= 300) result.error = answer.body;
  return result;
}

}  // namespace scout::collector::remote_write
