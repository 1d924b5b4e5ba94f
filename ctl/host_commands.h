// `sctl host H` and `sctl top`: one-screen views built from the collector's
// Latest values of a host's series.
//
// SummarizeHost and TopProcesses are pure functions over those values (the
// tests feed them fixed series); Run* fetch, then render as table, JSON or
// CSV like the other commands (see ctl/commands.h for the error contract).
//
// Status against the guide's thresholds: CPU < 70 % good, >= 80 %
// critical; memory < 80 % / >= 85 %; disk < 85 % / >= 90 %; between the
// two is a warning.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ctl/commands.h"
#include "shared/metric.h"

namespace scout::ctl {

enum class Health { kOk, kWarning, kCritical, kInfo };
const char* HealthName(Health h);  // "OK", "WARNING", "CRITICAL", ""

struct SummaryRow {
  std::string resource;   // "CPU usage", "Disk /var"
  std::string value;      // humanized
  double raw = 0;         // as stored
  Health health = Health::kInfo;
  std::string threshold;  // "< 70% (critical 80%)"
};

std::vector<SummaryRow> SummarizeHost(const std::vector<SeriesPoints>& latest);

struct ProcessRow {
  std::string host, pid, name, user;
  double cpu_ratio = -1;  // -1: not known this cycle
  double rss_bytes = -1, threads = -1, open_fds = -1;
};
struct GroupRow {
  std::string host, group;
  double processes = 0, cpu_ratio = 0, rss_bytes = 0;
};

// Processes sorted by CPU (then RSS), at most `limit`; groups by name.
std::vector<ProcessRow> TopProcesses(const std::vector<SeriesPoints>& latest, size_t limit);
std::vector<GroupRow> ProcessGroups(const std::vector<SeriesPoints>& latest);

absl::Status RunHost(v1::Query::StubInterface& stub, const Context& ctx, const std::string& host,
                     const Output& out);
// `host` empty = every host.
absl::Status RunTop(v1::Query::StubInterface& stub, const Context& ctx, const std::string& host,
                    size_t limit, const Output& out);

}  // namespace scout::ctl
