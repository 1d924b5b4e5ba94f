#include "collector/http/http_auth.h"

#include <nlohmann/json.hpp>

namespace scout::collector {

auth::CallerIdentity HttpCaller(const http::Request& request) {
  auth::CallerIdentity who;
  who.peer = request.peer;
  auth::SetAuthorization(who, request.Header("authorization"));
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
