// Authorizer: who is calling and whether they may. Every gRPC handler calls
// Authorize() first, before touching storage (docs/security.md).
//
// Identity rule: an `authorization: Bearer <token>` header must match the
// tokens file (else UNAUTHENTICATED, even with a good certificate); without
// one, the verified client certificate is mapped by the first matching
// certificates rule; neither -> UNAUTHENTICATED. A known principal whose
// role lacks the permission -> PERMISSION_DENIED (role.h has the table).
//
// Each failure counts in Failures() by (reason, principal) and is logged
// once per change of (peer host, principal, reason), never with the token.
// With authentication off (no `auth` section) every call is the anonymous
// admin.
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/auth/auth_config.h"
#include "collector/auth/principal.h"
#include "collector/auth/tokens_file.h"
#include "shared/clock.h"

namespace grpc {
class ServerContextBase;
}

namespace scout::collector::auth {

// The first rule matching the certificate's CN and SANs, with "{cn}"
// replaced by the CN in its principal name and agent ids.
std::optional<Principal> MapCertificate(const std::vector<CertificateRule>& rules,
                                        const std::string& cn, const std::vector<std::string>& sans);

// Who is calling, whatever the transport (gRPC metadata or HTTP headers).
struct CallerIdentity {
  std::string peer;  // "ipv4:10.1.2.3:51234" (gRPC's form)
  // The token of an "Authorization: Bearer <token>" header; nullopt = no header.
  std::optional<std::string> bearer_token;
  bool malformed_authorization = false;  // a header that is not "Bearer <token>"
  struct Certificate {
    std::string cn;
    std::vector<std::string> sans;
  };
  // Only a certificate the TLS layer verified against the client CA.
  std::optional<Certificate> cert;
};

// Fills bearer_token / malformed_authorization from an Authorization header
// value (nullopt: no header). "Bearer" / "bearer", then the token.
void SetAuthorization(CallerIdentity& who, const std::optional<std::string>& header);

struct AuthFailureCount {
  std::string reason;     // "unauthenticated", "permission_denied", "agent_id"
  std::string principal;  // "" when unauthenticated
  uint64_t count = 0;
};

class Authorizer {
 public:
  // nullopt: authentication off. Opens the tokens file (an error at start).
  static absl::StatusOr<std::unique_ptr<Authorizer>> Create(const std::optional<AuthConfig>& config,
                                                            const Clock& clock);

  bool enabled() const { return config_.has_value(); }

  // UNAUTHENTICATED or PERMISSION_DENIED (as absl codes), or the principal.
  absl::StatusOr<Principal> Authorize(const CallerIdentity& who, Permission permission);
  // The gRPC adapter: the call's metadata and TLS auth context as a
  // CallerIdentity (same counters, same log-once).
  absl::StatusOr<Principal> Authorize(const grpc::ServerContextBase& context,
                                      Permission permission);

  // Authorize() for handlers that need only the verdict.
  absl::Status Check(const grpc::ServerContextBase& context, Permission permission) {
    return Authorize(context, permission).status();
  }

  // Issue 17 (HTTP rate limit): the principal `who` authenticates as, or
  // nullopt (unknown or no credentials, or authentication off). Unlike
  // Authorize: no counting, no logging, no permission check.
  std::optional<std::string> PrincipalName(const CallerIdentity& who);

  // PERMISSION_DENIED unless `principal` may send a Hello for `agent_id`.
  absl::Status CheckAgentId(const Principal& principal, const std::string& agent_id,
                            const std::string& peer);

  std::vector<AuthFailureCount> Failures() const;

 private:
  Authorizer(std::optional<AuthConfig> config, std::unique_ptr<TokensFile> tokens)
      : config_(std::move(config)), tokens_(std::move(tokens)) {}

  absl::StatusOr<Principal> Identify(const CallerIdentity& who);
  absl::Status Fail(const std::string& peer, const std::string& principal,
                    const std::string& reason, absl::Status status);
  void Succeeded(const std::string& peer, const std::string& principal);

  const std::optional<AuthConfig> config_;
  const std::unique_ptr<TokensFile> tokens_;  // null without tokens_file

  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> failures_ ABSL_GUARDED_BY(mu_);
  // Peer host -> "principal/reason" of its last failure (for log-once).
  std::map<std::string, std::string> peer_state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scout::collector::auth
