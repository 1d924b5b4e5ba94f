#include "collector/http/http_rate_limit.h"

#include "collector/http/http_auth.h"

namespace scout::collector {

std::string HttpRateLimitKey(auth::Authorizer& authorizer, const http::Request& request) {
  if (std::optional<std::string> name = authorizer.PrincipalName(HttpCaller(request))) {
    return "principal:" + *name;
  }
  return "ip:" + request.peer.substr(0, request.peer.rfind(':'));
}

http::RateLimit ToRateLimit(const HttpRateLimitConfig& config) {
  return http::RateLimit{config.requests_per_second, config.burst, config.max_callers};
}

}  // namespace scout::collector
