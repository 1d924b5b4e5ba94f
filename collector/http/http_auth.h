// Authorization for the collector's HTTP port: the same tokens, client
// certificates and roles as the gRPC port (docs/security.md), through
// auth::Authorizer's CallerIdentity overload.
//
// Which permission a route needs (the route registers it):
//   /api/v1/write                  kIngest (principal name = the sender's agent id)
//   /api/v1/rules, /api/v1/alerts  kAlertsRead
//   other /api/v1/*, /metrics      kQuery
//   /-/healthy, /-/ready           none
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "collector/auth/authorizer.h"
#include "shared/http/router.h"

namespace scout::collector {

// The request's identity: the `Authorization` header (`Bearer <token>`, or
// `Basic` with the token as the password, for promtool and other clients
// that only do basic auth) and the verified client certificate.
auth::CallerIdentity HttpCaller(const http::Request& request);

absl::StatusOr<auth::Principal> AuthorizeHttp(auth::Authorizer& authorizer,
                                              const http::Request& request,
                                              auth::Permission permission);

// 401 (with `WWW-Authenticate: Bearer realm="scout"`) for UNAUTHENTICATED,
// 403 for PERMISSION_DENIED, 500 otherwise; Prometheus's error envelope:
// {"status":"error","errorType":"unauthorized"|"forbidden","error":"..."}.
http::Response AuthErrorResponse(const absl::Status& status);

}  // namespace scout::collector
