// Who a request counts against for `http.rate_limit` (issue 17;
// docs/prometheus.md "HTTP listener").
//
// The caller is the principal its credentials authenticate as (bearer
// token, basic-auth password, or mapped client certificate), so one
// Grafana behind a NAT and one script sharing its IP get separate buckets;
// a request that does not authenticate (no, unknown or malformed
// credentials, or auth off) counts against its peer IP, so inventing tokens
// buys no extra budget. Keys: "principal:<name>", "ip:<host>".
#pragma once

#include <string>

#include "collector/auth/authorizer.h"
#include "collector/http/http_config.h"
#include "shared/http/rate_limiter.h"
#include "shared/http/router.h"

namespace scout::collector {

std::string HttpRateLimitKey(auth::Authorizer& authorizer, const http::Request& request);

http::RateLimit ToRateLimit(const HttpRateLimitConfig& config);

}  // namespace scout::collector
