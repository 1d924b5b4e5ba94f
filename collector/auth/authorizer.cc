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

// The call's identity from gRPC: peer, authorization metadata, and the CN
// and SANs the TLS layer verified (the CN property exists only then).
CallerIdentity FromGrpc(const grpc::ServerContextBase& context) {
  CallerIdentity who;
  who.peer = context.peer();
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    SetAuthorization(who, std::string(it->second.data(), it->second.size()));
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  const std::vector<std::string> cns =
      auth ? Property(*auth, GRPC_X509_CN_PROPERTY_NAME) : std::vector<std::string>{};
  if (!cns.empty()) {
    who.cert = CallerIdentity::Certificate{cns.front(), Property(*auth, GRPC_X509_SAN_PROPERTY_NAME)};
  }
  return who;
}

}  // namespace

void SetAuthorization(CallerIdentity& who, const std::optional<std::string>& header) {
  who.bearer_token.reset();
  who.malformed_authorization = false;
  if (!header) return;
  absl::string_view value(*header);
  if (!absl::ConsumePrefix(&value, "Bearer ") && !absl::ConsumePrefix(&value, "bearer ")) {
    who.malformed_authorization = true;
    return;
  }
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) {
    who.malformed_authorization = true;
    return;
  }
  who.bearer_token = std::string(value);
}

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

absl::StatusOr<Principal> Authorizer::Identify(const CallerIdentity& who) {
  const std::string& peer = who.peer;
  if (who.malformed_authorization) {
    return Fail(peer, "", "unauthenticated",
                absl::UnauthenticatedError("malformed authorization header (want: Bearer <token>)"));
  }
  if (who.bearer_token) {
    std::optional<Principal> p = tokens_ ? tokens_->Find(Sha256Hex(*who.bearer_token)) : std::nullopt;
    if (!p) return Fail(peer, "", "unauthenticated", absl::UnauthenticatedError("unknown token"));
    return *std::move(p);
  }
  if (!who.cert) {
    return Fail(peer, "", "unauthenticated",
                absl::UnauthenticatedError("no credentials: send a bearer token or a client "
                                           "certificate"));
  }
  std::optional<Principal> p = MapCertificate(config_->certificates, who.cert->cn, who.cert->sans);
  if (!p) {
    return Fail(peer, "", "unauthenticated",
                absl::UnauthenticatedError(absl::StrCat("client certificate CN=", who.cert->cn,
                                                        " is not mapped to a principal")));
  }
  return *std::move(p);
}

std::optional<std::string> Authorizer::PrincipalName(const CallerIdentity& who) {
  if (!enabled() || who.malformed_authorization) return std::nullopt;
  std::optional<Principal> p;
  if (who.bearer_token) {
    if (tokens_) p = tokens_->Find(Sha256Hex(*who.bearer_token));
  } else if (who.cert) {
    p = MapCertificate(config_->certificates, who.cert->cn, who.cert->sans);
  }
  if (!p) return std::nullopt;
  return p->name;
}

absl::StatusOr<Principal> Authorizer::Authorize(const CallerIdentity& who, Permission permission) {
  if (!enabled()) return AnonymousAdmin();
  SCOUT_ASSIGN_OR_RETURN(Principal p, Identify(who));
  if (!RoleAllows(p.role, permission)) {
    return Fail(who.peer, p.name, "permission_denied",
                absl::PermissionDeniedError(absl::StrCat("principal ", p.name, " (role ",
                                                         RoleName(p.role), ") may not ",
                                                         PermissionName(permission))));
  }
  Succeeded(who.peer, p.name);
  return p;
}

absl::StatusOr<Principal> Authorizer::Authorize(const grpc::ServerContextBase& context,
                                                Permission permission) {
  if (!enabled()) return AnonymousAdmin();
  return Authorize(FromGrpc(context), permission);
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
