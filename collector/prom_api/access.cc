#include "collector/prom_api/access.h"

#include "collector/http/http_auth.h"

namespace scout::collector::prom_api {

std::optional<http::Response> CheckAccess(auth::Authorizer& authorizer,
                                          const http::Request& request,
                                          auth::Permission permission) {
  absl::StatusOr<auth::Principal> principal = AuthorizeHttp(authorizer, request, permission);
  if (!principal.ok()) return AuthErrorResponse(principal.status());
  return std::nullopt;
}

}  // namespace scout::collector::prom_api
