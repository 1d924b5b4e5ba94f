#include "shared/probe/probe_result.h"

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace scout::probe {

const char* FailureReasonName(FailureReason reason) {
  switch (reason) {
    case FailureReason::kNone: return "";
    case FailureReason::kTimeout: return "timeout";
    case FailureReason::kRefused: return "refused";
    case FailureReason::kDns: return "dns";
    case FailureReason::kTls: return "tls";
    case FailureReason::kStatus: return "status";
    case FailureReason::kBody: return "body";
    case FailureReason::kOther: return "other";
  }
  return "other";
}

const char* ProbeKindName(ProbeKind kind) { return kind == ProbeKind::kTcp ? "tcp" : "http"; }

std::string FormatPhaseBreakdown(const ProbeResult& r) {
  std::string out = absl::StrCat(r.target, ": ");
  if (r.success) {
    absl::StrAppend(&out, r.slow ? "SLOW" : "OK");
  } else {
    absl::StrAppend(&out, "FAILED (", FailureReasonName(r.reason), ")");
  }
  if (r.http_status > 0) absl::StrAppend(&out, " ", r.http_status);
  if (r.kind == ProbeKind::kHttp) absl::StrAppend(&out, ", ", r.response_bytes, " bytes");
  absl::StrAppend(&out, absl::StrFormat(", %.3fs\n", r.duration_seconds));
  if (!r.error.empty()) absl::StrAppend(&out, "  error     ", r.error, "\n");
  const std::pair<const char*, double> phases[] = {{"dns", r.phases.dns},
                                                   {"connect", r.phases.connect},
                                                   {"tls", r.phases.tls},
                                                   {"ttfb", r.phases.ttfb},
                                                   {"transfer", r.phases.transfer}};
  for (const auto& [phase, seconds] : phases) {
    absl::StrAppend(&out, absl::StrFormat("  %-9s %8.3fs\n", phase, seconds));
  }
  if (r.cert_expiry_unix) {
    const std::time_t t = static_cast<std::time_t>(*r.cert_expiry_unix);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char when[32];
    std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    const double days =
        static_cast<double>(*r.cert_expiry_unix - r.finished_unix_ms / 1000) / 86400.0;
    absl::StrAppend(&out, absl::StrFormat("  certificate expires %s (%s %.1f days)\n", when,
                                          days < 0 ? "EXPIRED" : "in", days < 0 ? -days : days));
  }
  return out;
}

}  // namespace scout::probe
