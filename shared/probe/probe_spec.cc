#include "shared/probe/probe_spec.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"

namespace scout::probe {
namespace {

absl::Status CheckRegex(const std::string& what, const std::string& pattern) {
  if (pattern.empty()) return absl::OkStatus();
  const RE2 re(pattern, RE2::Quiet);
  if (!re.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": invalid regex: ", re.error()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateHttpProbeSpec(const HttpProbeSpec& spec) {
  const std::string where = absl::StrCat("probe \"", spec.name, "\"");
  if (spec.name.empty()) return absl::InvalidArgumentError("http probe without a name");
  if (!absl::StartsWith(spec.url, "http://") && !absl::StartsWith(spec.url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": url must start with http(s)://"));
  }
  if (spec.timeout.count() <= 0 || spec.interval.count() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": timeout and interval must be > 0"));
  }
  for (const auto& [lo, hi] : spec.expect_status) {
    if (lo < 100 || hi > 599 || lo > hi) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": bad status range ", lo, "-", hi));
    }
  }
  const absl::Status match = CheckRegex(absl::StrCat(where, " body_must_match"), spec.body_must_match);
  if (!match.ok()) return match;
  return CheckRegex(absl::StrCat(where, " body_must_not_match"), spec.body_must_not_match);
}

absl::Status ValidateTcpProbeSpec(const TcpProbeSpec& spec) {
  if (spec.name.empty()) return absl::InvalidArgumentError("tcp probe without a name");
  if (spec.host.empty() || spec.port <= 0 || spec.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("probe \"", spec.name, "\": needs a host and a port in 1..65535"));
  }
  if (spec.timeout.count() <= 0 || spec.interval.count() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("probe \"", spec.name, "\": timeout and interval must be > 0"));
  }
  return absl::OkStatus();
}

}  // namespace scout::probe
