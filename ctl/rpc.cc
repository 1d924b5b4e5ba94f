#include "ctl/rpc.h"

#include <algorithm>
#include <utility>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/duration.h"

namespace scout::ctl {
namespace {

// Turns gRPC's multi-part transport text ("failed to connect to all
// addresses; last error: UNKNOWN: ipv4:...: Connection refused") into the
// few words a user needs.
std::string UnreachableReason(const grpc::Status& status, const Context& ctx) {
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::StrCat("no answer within ", FormatDuration(ctx.timeout));
  }
  std::string text = absl::AsciiStrToLower(status.error_message());
  constexpr std::pair<const char*, const char*> kKnown[] = {
      // TLS first: a failed handshake also reads "connection closed".
      {"is not in peer certificate",
       "TLS: the collector's certificate is not for this name; check --server-name"},
      // OpenSSL 3 writes "certificate verify failed", BoringSSL and 1.1
      // CERTIFICATE_VERIFY_FAILED.
      {"certificate verify failed", "TLS: the collector's certificate is not trusted; check --ca"},
      {"certificate_verify_failed", "TLS: the collector's certificate is not trusted; check --ca"},
      {"wrong version number", "TLS handshake failed: does the collector serve plaintext?"},
      {"wrong_version_number", "TLS handshake failed: does the collector serve plaintext?"},
      {"ssl handshake failed", "TLS handshake failed"},
      {"handshake failed", "TLS handshake failed"},
      {"connection refused", "connection refused"},
      {"dns resolution failed", "cannot resolve host name"},
      {"name or service not known", "cannot resolve host name"},
      {"no route to host", "no route to host"},
      {"network is unreachable", "network is unreachable"},
      {"connection reset", "connection reset"},
      {"timed out", "connection timed out"},
      {"socket closed", "connection closed"},
  };
  for (const auto& [needle, reason] : kKnown) {
    if (absl::StrContains(text, needle)) return reason;
  }
  text = text.substr(0, text.find('\n'));
  size_t colon = text.rfind(": ");
  if (colon != std::string::npos) text = text.substr(colon + 2);
  if (text.empty() || text.size() > 80) return "unavailable";
  return text;
}

// "collector refused: <the collector's reason>; <what to check>".
std::string RefusalMessage(const grpc::Status& status) {
  std::string reason = status.error_message();
  const bool denied = status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
  const char* kind = denied ? "permission denied" : "not authenticated";
  if (reason.empty()) {
    reason = kind;
  } else if (!absl::StartsWithIgnoreCase(reason, kind)) {
    reason = absl::StrCat(kind, ": ", reason);
  }
  return absl::StrCat(
      "collector refused: ", reason,
      denied ? " (the token's or certificate's role may not do this)"
             : " (check --token-file, $SCOUT_TOKEN_FILE or $SCOUT_TOKEN, or the client "
               "certificate --cert/--key)");
}

}  // namespace

int Fail(std::ostream& err, absl::string_view message, int exit_code) {
  err << "sctl: " << message << '\n';
  return exit_code;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options) {
  if (absl::Status valid = ValidateClientSecurity(options.security, options.collector);
      !valid.ok()) {
    // The plaintext rule's fix, in sctl's words.
    const char* hint = options.security.tls ? "" : " (flags: --ca/--server-name, or --insecure)";
    return absl::InvalidArgumentError(absl::StrCat(valid.message(), hint));
  }
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(256 << 20);
  auto channel = MakeClientChannel(options.collector, options.security, channel_args);
  if (!channel.ok()) return absl::InvalidArgumentError(channel.status().message());
  return channel;
}

absl::Status StatusFromRpc(const grpc::Status& status, const Context& ctx) {
  if (status.ok()) return absl::OkStatus();
  auto code = status.error_code();
  if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::UnavailableError(absl::StrCat("cannot reach collector at ", ctx.collector,
                                               " (", UnreachableReason(status, ctx), ")"));
  }
  std::string message = status.error_message();
  if (code == grpc::StatusCode::UNAUTHENTICATED || code == grpc::StatusCode::PERMISSION_DENIED) {
    return absl::Status(static_cast<absl::StatusCode>(code), RefusalMessage(status));
  }
  if (message.empty()) message = absl::StrCat("collector returned error code ", code);
  return absl::Status(static_cast<absl::StatusCode>(code), message);
}

void SetDeadline(const Context& ctx, grpc::ClientContext& rpc,
                 std::chrono::milliseconds min_timeout) {
  // A transport deadline, kept by gRPC against the real clock (not logic
  // time: a test's FakeClock must not expire calls), so it reads the system
  // clock here and nowhere else in sctl.
  rpc.set_deadline(std::chrono::system_clock::now() + std::max(ctx.timeout, min_timeout));
}

}  // namespace scout::ctl
