// sctl's global flags — where the collector is, how to reach it safely, the
// output format and the deadline — declared once and resolved once.
//
// Precedence per setting: flag > environment > config file (--config) >
// default. The config file takes the keys collector, output, timeout and
// the client security keys (insecure, tls{ca_file, cert_file, key_file,
// server_name}, token_file: shared/grpc_client_security.h); relative paths
// in it are relative to the file. Flags: --ca, --cert, --key and
// --server-name each turn TLS on; --insecure allows plaintext to a
// non-local collector; --token-file names the bearer token's file. The
// environment: $SCOUT_COLLECTOR; $SCOUT_TOKEN_FILE or $SCOUT_TOKEN, when
// set, replace the config file's token_file (but not --token-file).
//
// Every error is a usage error (exit 2) and names the flag, or the config
// file's file:line:key.
#pragma once

#include <chrono>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "ctl/format.h"
#include "ctl/rpc.h"

namespace scout::ctl {

inline constexpr const char* kDefaultCollector = "127.0.0.1:7070";

// Global flags as typed; empty (false) means "not given".
struct GlobalFlags {
  std::string collector;
  std::string output;
  std::string timeout;
  std::string config;
  std::string ca;
  std::string cert;
  std::string key;
  std::string server_name;
  std::string token_file;
  bool insecure = false;
};

// What sctl reads from its environment; tests pass their own.
struct Environment {
  std::string collector;   // $SCOUT_COLLECTOR
  bool token_set = false;  // $SCOUT_TOKEN_FILE or $SCOUT_TOKEN is non-empty
  static Environment FromProcess();
};

struct Settings {
  ChannelOptions channel{kDefaultCollector, {}};
  OutputFormat format = OutputFormat::kTable;
  std::chrono::milliseconds timeout{10'000};
};

void AddGlobalFlags(CLI::App& app, GlobalFlags& flags);

// The settings per the precedence above. Reads the config file, but no
// certificate or token file, and leaves the security rules (plaintext to a
// non-local collector) to MakeChannel: a command that connects nowhere
// (sctl probe) must not fail on them.
absl::StatusOr<Settings> ResolveSettings(const GlobalFlags& flags, const Environment& env);

}  // namespace scout::ctl
