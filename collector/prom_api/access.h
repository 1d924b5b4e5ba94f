// Authorization of one API request: the single place the Prometheus API
// asks "may this caller do this?".
//
// Over collector/http/http_auth.h: the HTTP port's tokens, certificates
// and roles (docs/security.md).
#pragma once

#include <optional>

#include "collector/auth/authorizer.h"
#include "collector/auth/role.h"
#include "collector/prom_api/http.h"

namespace scout::collector::prom_api {

// nullopt: allowed. Otherwise the response to send (401/403).
std::optional<http::Response> CheckAccess(auth::Authorizer& authorizer,
                                          const http::Request& request,
                                          auth::Permission permission);

}  // namespace scout::collector::prom_api
