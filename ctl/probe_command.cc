#include "ctl/probe_command.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/probe/probe_engine.h"
#include "agent/probe/probe_result.h"
#include "shared/duration.h"
#include "shared/status_macros.h"

namespace scout::ctl {
namespace {

absl::StatusOr<std::vector<std::pair<int, int>>> ParseExpect(const std::string& text) {
  std::vector<std::pair<int, int>> ranges;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> lo_hi = absl::StrSplit(part, '-');
    int lo, hi;
    if (!absl::SimpleAtoi(lo_hi.first, &lo) ||
        !absl::SimpleAtoi(lo_hi.second.empty() ? lo_hi.first : lo_hi.second, &hi) || lo > hi) {
      return absl::InvalidArgumentError("--expect: \"" + std::string(part) +
                                        "\" is not a status like 200 or 200-299");
    }
    ranges.emplace_back(lo, hi);
  }
  return ranges;
}

}  // namespace

absl::StatusOr<bool> RunProbeCommand(const ProbeArgs& args, std::ostream& out,
                                     OutputFormat format) {
  agent::HttpProbeSpec spec;
  spec.name = args.url;
  spec.url = args.url;
  spec.method = args.method;
  for (const std::string& h : args.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return absl::InvalidArgumentError("--header wants \"Name: value\"");
    }
    spec.headers.emplace_back(h.substr(0, colon),
                              std::string(absl::StripLeadingAsciiWhitespace(h.substr(colon + 1))));
  }
  SCOUT_ASSIGN_OR_RETURN(spec.timeout, ParseDuration(args.timeout));
  SCOUT_ASSIGN_OR_RETURN(spec.slow_after, ParseDuration(args.slow_after));
  if (!args.expect.empty()) {
    SCOUT_ASSIGN_OR_RETURN(spec.expect_status, ParseExpect(args.expect));
  }
  spec.tls_verify = !args.insecure;
  spec.ca_file = args.ca_file;
  spec.follow_redirects = !args.no_follow;
  SCOUT_RETURN_IF_ERROR(agent::ValidateHttpProbeSpec(spec));
  SCOUT_ASSIGN_OR_RETURN(agent::ProbeResult r, agent::RunHttpProbeOnce(spec));

  if (format == OutputFormat::kJson) {
    JsonWriter json(out);
    json.BeginObject().Key("url").String(r.target).Key("success").Bool(r.success)
        .Key("reason").String(agent::FailureReasonName(r.reason)).Key("error").String(r.error)
        .Key("http_status").Int(r.http_status).Key("duration_seconds").Number(r.duration_seconds)
        .Key("slow").Bool(r.slow).Key("response_bytes").Int(r.response_bytes)
        .Key("phases").BeginObject()
        .Key("dns").Number(r.phases.dns).Key("connect").Number(r.phases.connect)
        .Key("tls").Number(r.phases.tls).Key("ttfb").Number(r.phases.ttfb)
        .Key("transfer").Number(r.phases.transfer).EndObject();
    if (r.cert_expiry_unix) json.Key("tls_cert_expiry_unix").Int(*r.cert_expiry_unix);
    json.EndObject();
    out << '\n';
  } else {
    out << agent::FormatPhaseBreakdown(r);
    if (agent::FormatPhaseBreakdown(r).back() != '\n') out << '\n';
  }
  return r.success;
}

}  // namespace scout::ctl
