#include "collector/http/http_auth.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace scout::collector {
namespace {

// `Basic base64(user:token)`: the token as the password, for clients that
// cannot send a bearer token (promtool 2.42 sends the URL's user:password
// as basic auth). The user name is not checked; the token decides.
// nullopt when the header is not basic auth.
std::optional<std::optional<std::string>> BasicAuthToken(const std::optional<std::string>& header) {
  if (!header || !absl::StartsWithIgnoreCase(*header, "basic ")) return std::nullopt;
  std::string decoded;
  if (!absl::Base64Unescape(absl::StripAsciiWhitespace(absl::string_view(*header).substr(6)),
                            &decoded)) {
    return std::optional<std::string>();
  }
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos || colon + 1 == decoded.size()) return std::optional<std::string>();
  return std::optional<std::string>(decoded.substr(colon + 1));
}

}  // namespace

auth::CallerIdentity HttpCaller(const http::Request& request) {
  auth::CallerIdentity who;
  who.peer = request.peer;
  const std::optional<std::string> header = request.Header("authorization");
  if (auto basic = BasicAuthToken(header)) {
    who.bearer_token = *basic;
    who.malformed_authorization = !basic->has_value();
  } else {
    auth::SetAuthorization(who, header);
  }
  if (request.client_cert) {
    who.cert = auth::CallerIdentity::Certificate{request.client_cert->cn, request.client_cert->sans};
  }
  return who;
}

absl::StatusOr<auth::Principal> AuthorizeHttp(auth::Authorizer& authorizer,
                                              const http::Request& request,
                                              auth::Permission permission) {
  return authorizer.Authorize(HttpCaller(request), permission);
}

http::Response AuthErrorResponse(const absl::Status& status) {
  http::Response r;
  std::string type = "internal";
  r.status = 500;
  if (absl::IsUnauthenticated(status)) {
    r.status = 401;
    type = "unauthorized";
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"scout\"");
  } else if (absl::IsPermissionDenied(status)) {
    r.status = 403;
    type = "forbidden";
  }
  r.body = nlohmann::json{{"status", "error"}, {"errorType", type}, {"error", std::string(status.message())}}
               .dump();
  return r;
}

}  // namespace scout::collector
