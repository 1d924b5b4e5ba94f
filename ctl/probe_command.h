// `sctl probe URL`: one HTTP probe from wherever sctl runs, with the same
// engine and timing the agent uses, printing the phase breakdown (what the
// guide's performance-monitor.js and api-performance.sh do by hand).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ctl/format.h"

namespace scout::ctl {

struct ProbeArgs {
  std::string url;
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value"; values may be ${VAR} or @file:PATH
  std::string timeout = "10s";
  std::string expect;                 // "200-299,304"; empty = 200-399
  bool insecure = false;              // skip TLS verification
  std::string ca_file;
  bool no_follow = false;
  std::string slow_after = "2s";
};

// Runs the probe and writes the result; returns whether it succeeded.
// Errors are usage errors (bad URL, header, duration) or unreadable secrets.
absl::StatusOr<bool> RunProbeCommand(const ProbeArgs& args, std::ostream& out,
                                     OutputFormat format);

}  // namespace scout::ctl
