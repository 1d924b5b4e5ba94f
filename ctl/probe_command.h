// `sctl probe URL`: one HTTP probe from wherever sctl runs, with the same
// engine and timing the agent uses, printing the phase breakdown (what the
// guide's performance-monitor.js and api-performance.sh do by hand).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ctl/commands.h"
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

namespace scout::ctl {

// One row of `sctl probes`: figures from the collector's probe series.
struct ProbeSummaryRow {
  std::string probe, target, host, kind;  // kind: the probe's `kind` label (api, ...)
  std::string protocol;                   // http or tcp
  double last_success = -1;               // -1 unknown
  double last_latency = -1;               // seconds
  double p95_latency_1h = -1, p99_latency_1h = -1;
  double availability_1h = -1, availability_24h = -1, availability_7d = -1,
         availability_30d = -1;
};

// KPI thresholds from the guide: p95 < 2 s (5 s for kind=api; 100 ms
// network latency for TCP probes), error rate
// (1 - availability over 1 h) < 0.1 %, availability >= 99.9 % (APIs:
// success rate >= 95 %).
enum class Kpi { kGood, kBad, kUnknown };
Kpi LatencyKpi(const ProbeSummaryRow& row);
Kpi AvailabilityKpi(const ProbeSummaryRow& row, double availability);

// `sctl probes [--host H]`: every probe with last status, last and p95
// latency, error rate and availability over 24 h / 7 d / 30 d; coloured
// when `color` (a terminal).
absl::Status RunProbes(v1::Query::StubInterface& stub, const Context& ctx,
                       const std::string& host, bool color, const Output& out);

}  // namespace scout::ctl
