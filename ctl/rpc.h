// How sctl talks to the collector: the one channel, one deadline rule and
// one error mapping for every RPC, and the one way an error leaves sctl.
//
// Connection options (the collector address today; TLS and a token in a
// later issue) are ChannelOptions: MakeChannel is the only place that turns
// them into a channel, and Call the only place that prepares a call.
//
// Contract:
//  * Every RPC carries a deadline of Context::timeout (or more, when the
//    caller asks for a minimum). An unreachable collector (UNAVAILABLE or
//    DEADLINE_EXCEEDED) becomes one UNAVAILABLE status "cannot reach
//    collector at ADDR (reason)"; any other gRPC error keeps its code and
//    message.
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
#include "shared/clock.h"

namespace scout::ctl {

// Exit codes of sctl: 0 success, 1 the collector (or the probed URL) could
// not answer, 2 usage error (bad flag, selector, duration, config file).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

// Writes the one "sctl: MESSAGE" line to `err` and returns `exit_code`.
int Fail(std::ostream& err, absl::string_view message, int exit_code);

struct ChannelOptions {
  std::string collector;  // host:port
};

// The channel to the collector, allowing messages of up to 256 MiB (HTML
// reports with inline charts exceed gRPC's 4 MiB default).
std::shared_ptr<grpc::Channel> MakeChannel(const ChannelOptions& options);

struct Context {
  std::string collector;                      // address, named in errors
  std::chrono::milliseconds timeout{10'000};  // deadline of each RPC
  const Clock* clock = nullptr;               // "now" for ages and --since
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
  return StatusFromRpc((stub.*method)(&rpc, request, response), ctx);
}

}  // namespace scout::ctl
