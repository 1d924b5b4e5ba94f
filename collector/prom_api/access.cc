#include "collector/prom_api/access.h"

#include "collector/prom_api/api_json.h"

namespace scout::collector::prom_api {

std::optional<http::Response> CheckAccess(auth::Authorizer& authorizer, const http::Request&,
                                          auth::Permission) {
  if (!authorizer.enabled()) return std::nullopt;
  http::Response r;
  r.status = 401;
  r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"scout\""});
  nlohmann::json body = {{"status", "error"},
                         {"errorType", "unauthorized"},
                         {"error", "HTTP authentication is not available in this build"}};
  r.body = body.dump();
  return r;
}

}  // namespace scout::collector::prom_api
