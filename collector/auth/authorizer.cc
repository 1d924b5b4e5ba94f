#include "collector/auth/authorizer.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>
#include <grpcpp/server_context.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "shared/logging.h"
#include "shared/net_address.h"
#include "shared/status_macros.h"

namespace scout::collector::auth {
namespace {

constexpr size_t kMaxTrackedPeers = 10'000;

std::vector<std::string> Property(const grpc::AuthContext& auth, const char* name) {
  std::vector<std::string> out;
  for (const grpc::string_ref& v : auth.FindPropertyValues(name)) out.emplace_back(v.data(), v.size());
  return out;
}

// "ipv4:10.1.2.3:51234" -> "ipv4:10.1.2.3": a reconnect from a new port is
// the same peer for logging.
std::string PeerHost(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  if (colon == std::string::npos || colon < peer.find(':') + 1) return peer;
  return peer.substr(0, colon);
}

// The bearer token of the call, if any ("" = none; nullopt = malformed).
std::optional<std::string> BearerToken(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return std::string();
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::ConsumePrefix(&value, "Bearer ") && !absl::ConsumePrefix(&value, "bearer ")) {
    return std::nullopt;
  }
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  return std::string(value);
}

}  // namespace

std::optional<Principal> MapCertificate(const std::vector<CertificateRule>& rules,
                                        const std::string& cn,
                                        const std::vector<std::string>& sans) {
  for (const CertificateRule& rule : rules) {
    if (!rule.cn.empty() && (cn.empty() || !GlobMatch(rule.cn, cn))) continue;
    if (!rule.san.empty()) {
      bool any = false;
      for (const std::string& san : sans) any = any || GlobMatch(rule.san, san);
      if (!any) continue;
    }
    Principal p = rule.principal;
    p.name = absl::StrReplaceAll(p.name, {{"{cn}", cn}});
    for (std::string& id : p.agent_ids) id = absl::StrReplaceAll(id, {{"{cn}", cn}});
    return p;
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::Create(
    const std::optional<AuthConfig>& config, const Clock& clock) {
  std::unique_ptr<TokensFile> tokens;
  if (config && !config->tokens_file.empty()) {
    SCOUT_ASSIGN_OR_RETURN(tokens, TokensFile::Open(config->tokens_file, clock));
  }
  return std::unique_ptr<Authorizer>(new Authorizer(config, std::move(tokens)));
}

absl::StatusOr<Principal> Authorizer::Identify(const grpc::ServerContextBase& context) {
  const std::string peer = context.peer();
  const std::optional<std::string> token = BearerToken(context);
  if (!token) {
    return Fail(peer, "", "unauthenticated",
                absl::UnauthenticatedError("malformed authorization header (want: Bearer <token>)"));
  }
  if (!token->empty()) {
    std::optional<Principal> p = tokens_ ? tokens_->Find(Sha256Hex(*token)) : std::nullopt;
    if (!p) return Fail(peer, "", "unauthenticated", absl::UnauthenticatedError("unknown token"));
    return *std::move(p);
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  // The CN property exists only for a certificate the TLS layer verified.
  const std::vector<std::string> cns =
      auth ? Property(*auth, GRPC_X509_CN_PROPERTY_NAME) : std::vector<std::string>{};
  if (cns.empty()) {
    return Fail(peer, "", "unauthenticated",
                absl::UnauthenticatedError("no credentials: send a bearer token or a client "
                                           "certificate"));
  }
  std::optional<Principal> p =
      MapCertificate(config_->certificates, cns.front(), Property(*auth, GRPC_X509_SAN_PROPERTY_NAME));
  if (!p) {
    return Fail(peer, "", "unauthenticated",
                absl::UnauthenticatedError(absl::StrCat("client certificate CN=", cns.front(),
                                                        " is not mapped to a principal")));
  }
  return *std::move(p);
}

absl::StatusOr<Principal> Authorizer::Authorize(const grpc::ServerContextBase& context,
                                                Permission permission) {
  if (!enabled()) return AnonymousAdmin();
  SCOUT_ASSIGN_OR_RETURN(Principal p, Identify(context));
  if (!RoleAllows(p.role, permission)) {
    return Fail(context.peer(), p.name, "permission_denied",
                absl::PermissionDeniedError(absl::StrCat("principal ", p.name, " (role ",
                                                         RoleName(p.role), ") may not ",
                                                         PermissionName(permission))));
  }
  Succeeded(context.peer(), p.name);
  return p;
}

absl::Status Authorizer::CheckAgentId(const Principal& principal, const std::string& agent_id,
                                      const std::string& peer) {
  if (!enabled() || MayUseAgentId(principal, agent_id)) return absl::OkStatus();
  return Fail(peer, principal.name, "agent_id",
              absl::PermissionDeniedError(absl::StrCat("principal ", principal.name,
                                                       " may not send as agent \"", agent_id,
                                                       "\"")));
}

absl::Status Authorizer::Fail(const std::string& peer, const std::string& principal,
                              const std::string& reason, absl::Status status) {
  const std::string host = PeerHost(peer);
  const std::string state = absl::StrCat(principal, "/", reason);
  bool log = false;
  {
    absl::MutexLock lock(&mu_);
    ++failures_[{reason, principal}];
    if (peer_state_.size() >= kMaxTrackedPeers) peer_state_.clear();
    std::string& last = peer_state_[host];
    log = last != state;
    last = state;
  }
  if (log) {
    spdlog::warn("auth: refused {} (principal \"{}\"): {}", host, principal, status.message());
  }
  return status;
}

void Authorizer::Succeeded(const std::string& peer, const std::string& principal) {
  const std::string host = PeerHost(peer);
  {
    absl::MutexLock lock(&mu_);
    if (peer_state_.erase(host) == 0) return;
  }
  spdlog::info("auth: {} accepted again (principal \"{}\")", host, principal);
}

std::vector<AuthFailureCount> Authorizer::Failures() const {
  absl::MutexLock lock(&mu_);
  std::vector<AuthFailureCount> out;
  for (const auto& [key, count] : failures_) out.push_back({key.first, key.second, count});
  return out;
}

}  // namespace scout::collector::auth
