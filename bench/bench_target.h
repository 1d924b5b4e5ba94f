// What every scout-bench mode shares: the collector it talks to (address,
// TLS, token), the security flags (the same names and meaning as sctl's),
// a Hello, percentiles, the collector's RSS and our own CPU time.
#pragma once

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "scout/v1/ingest.pb.h"
#include "shared/grpc_client_security.h"

namespace scout::bench {

// The collector and how to reach it (shared/grpc_client_security.h).
struct Target {
  std::string address;
  ClientSecurity security;
  std::string token;  // read once at start

  // A new channel of its own: one TCP (TLS) connection per simulated agent.
  // Exits the program if the channel cannot be built (files were checked
  // at start by ResolveSecurity).
  std::shared_ptr<grpc::Channel> Connect(int max_receive_bytes = 4 << 20) const;
  void Prepare(grpc::ClientContext& ctx) const { AttachToken(token, ctx); }
};

struct SecurityFlags {
  std::string ca, cert, key, server_name, token_file;
  bool insecure = false;
};
void AddSecurityFlags(CLI::App& app, SecurityFlags& flags);
// Fills target.security and target.token; checks the rules and reads the
// files once, so a bad flag fails here and not in 100 threads.
absl::Status ResolveSecurity(const SecurityFlags& flags, Target& target);

v1::AgentMessage Hello(const std::string& agent_id);

// q in [0,1] of v (nearest rank); 0 for an empty vector.
double Percentile(std::vector<double> v, double q);
// "123.4 MiB" of /proc/PID/status's field (VmHWM = peak, VmRSS = now), or "n/a".
std::string ProcessMemory(int pid, const char* field = "VmHWM");
// The same in KiB; -1 when unknown.
long ProcessMemoryKiB(int pid, const char* field);
// CPU seconds (user + system) this process has used so far.
double ProcessCpuSeconds();

}  // namespace scout::bench
