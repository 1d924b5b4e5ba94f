// How sctl talks to the collector: the one channel, one deadline rule and
// one error mapping for every RPC, and the one way an error leaves sctl.
//
// Connection options (the collector address, TLS, the token file) are
// ChannelOptions: MakeChannel is the only place that turns them into a
// channel, and Call the only place that prepares a call (deadline and the
// bearer token, Context::token). Both go through
// shared/grpc_client_security.h.
//
// Contract:
//  * Every RPC carries a deadline of Context::timeout (or more, when the
//    caller asks for a minimum). An unreachable collector (UNAVAILABLE or
//    DEADLINE_EXCEEDED) becomes one UNAVAILABLE status "cannot reach
//    collector at ADDR (reason)"; any other gRPC error keeps its code and
//    message, except that UNAUTHENTICATED and PERMISSION_DENIED become
//    "collector refused: ..." (the collector's reason, e.g. "permission
//    denied for principal ...", plus what to check).
//  * Thread-compatible: nothing here holds state between calls.
#pragma once

#include <chrono>
#include <memory>
#include <ostream>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "shared/clock.h"
#include "shared/grpc_client_security.h"

namespace scout::ctl {

// Exit codes of sctl: 0 success, 1 the collector (or the probed URL) could
// not answer, 2 usage error (bad flag, selector, duration, config file).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

// Writes the one "sctl: MESSAGE" line to `err` and returns `exit_code`.
int Fail(std::ostream& err, absl::string_view message, int exit_code);

struct ChannelOptions {
  std::string collector;     // host:port
  ClientSecurity security;   // TLS, insecure, token file
};

// The channel to the collector, allowing messages of up to 256 MiB (HTML
// reports with inline charts exceed gRPC's 4 MiB default). Errors (usage
// errors: plaintext to a non-local collector without --insecure, a
// certificate without its key, an unreadable CA/certificate/key file) name
// the flag or file, never a key's contents.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options);

struct Context {
  std::string collector;                      // address, named in errors
  std::chrono::milliseconds timeout{10'000};  // deadline of each RPC
  const Clock* clock = nullptr;               // "now" for ages and --since
  std::string token;  // bearer token sent with every call; "" = none. Never printed.
};

// The error mapping described above; exposed for tests.
absl::Status StatusFromRpc(const grpc::Status& status, const Context& ctx);

// Sets the deadline of `rpc`: now + max(ctx.timeout, min_timeout).
void SetDeadline(const Context& ctx, grpc::ClientContext& rpc,
                 std::chrono::milliseconds min_timeout = std::chrono::milliseconds(0));

// One unary call: (stub.*method)(request) under the deadline, errors mapped
// by StatusFromRpc. Usage:
//   v1::ListAgentsResponse response;
//   SCOUT_RETURN_IF_ERROR(Call(ctx, stub, &v1::Query::StubInterface::ListAgents,
//                              v1::ListAgentsRequest(), &response));
template <typename Stub, typename Request, typename Response>
absl::Status Call(const Context& ctx, Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const Request& request, Response* response,
                  std::chrono::milliseconds min_timeout = std::chrono::milliseconds(0)) {
  grpc::ClientContext rpc;
  SetDeadline(ctx, rpc, min_timeout);
  AttachToken(ctx.token, rpc);
  return StatusFromRpc((stub.*method)(&rpc, request, response), ctx);
}

}  // namespace scout::ctl
