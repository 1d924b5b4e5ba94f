#include "collector/remote_write/http_poster.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "shared/http_post.h"
#include "shared/secret_ref.h"
#include "shared/version.h"

namespace scout::collector::remote_write {
namespace {

constexpr size_t kMaxBodyKept = 512;  // of an error answer, for the log

// The request options with the target's secrets resolved; an error text
// (naming the setting, never its value) when one cannot be resolved.
bool Options(const RemoteWriteTarget& target, HttpPostOptions* o, std::string* error) {
  o->url = target.url;
  o->headers = {"Content-Type: application/x-protobuf", "Content-Encoding: snappy",
                "X-Prometheus-Remote-Write-Version: 0.1.0"};
  o->user_agent = "scout-collector/" SCOUT_VERSION;
  o->timeout = target.timeout;
  o->connect_timeout = std::min<std::chrono::milliseconds>(target.timeout, std::chrono::seconds(10));
  o->ca_file = target.tls.ca_file;
  o->cert_file = target.tls.cert_file;
  o->key_file = target.tls.key_file;
  o->max_body_kept = kMaxBodyKept;
  if (!target.bearer_token_ref.empty()) {
    absl::StatusOr<std::string> t = ResolveSecretRef(target.bearer_token_ref);
    if (!t.ok()) {
      *error = absl::StrCat("bearer_token: ", t.status().message());
      return false;
    }
    if (!t->empty()) o->headers.push_back(absl::StrCat("Authorization: Bearer ", *t));
  }
  if (target.basic_auth) {
    absl::StatusOr<std::string> p = ResolveSecretRef(target.basic_auth->password_ref);
    if (!p.ok()) {
      *error = absl::StrCat("basic_auth.password: ", p.status().message());
      return false;
    }
    o->basic_auth_user = target.basic_auth->username;
    o->basic_auth_password = *std::move(p);
  }
  return true;
}

}  // namespace

HttpPoster::HttpPoster(const RemoteWriteTarget& target) : target_(target) { HttpPost::GlobalInit(); }

HttpPoster::~HttpPoster() {
  if (easy_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(easy_));
}

PostResult HttpPoster::Post(const std::string& body) {
  PostResult result;
  if (easy_ == nullptr) easy_ = curl_easy_init();
  if (easy_ == nullptr) {
    result.error = "cannot create a curl handle";
    return result;
  }
  HttpPostOptions options;
  // Resolved at each request: a rotated token file is picked up.
  if (!Options(target_, &options, &result.error)) return result;
  HttpPostResult r = HttpPost::Perform(static_cast<CURL*>(easy_), options, body);
  result.http_status = r.http_status;
  result.retry_after = r.retry_after;
  if (r.http_status == 0) {
    result.error = std::move(r.error);
  } else if (!r.ok()) {
    result.error = std::move(r.body);
  }
  return result;
}

}  // namespace scout::collector::remote_write
