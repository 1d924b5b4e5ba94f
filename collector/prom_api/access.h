// Authorization of one API request: the single place the Prometheus API
// asks "may this caller do this?".
//
// INTEGRATION (issue 17): the body becomes
//   auto p = AuthorizeHttp(authorizer, request, permission);
//   if (!p.ok()) return AuthErrorResponse(p.status());
//   return std::nullopt;
// (collector/http/http_auth.h, H2). Until then it allows everything when
// authentication is off and refuses everything (401) when it is on, so the
// API can never be open by mistake.
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
