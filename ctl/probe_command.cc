#include "ctl/probe_command.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shared/probe/probe_engine.h"
#include "shared/probe/probe_result.h"
#include "shared/duration.h"
#include "shared/guide/kpi.h"
#include "shared/proto_convert.h"
#include "shared/status_macros.h"

#include <grpcpp/grpcpp.h>

#include <map>

namespace scout::ctl {
namespace {

// The guide's probe KPIs (shared/guide/kpi.h).
constexpr const guide::KpiSpec& kResponseTime = guide::FindKpi(guide::kKpiResponseTime);
constexpr const guide::KpiSpec& kErrorRate = guide::FindKpi(guide::kKpiErrorRate);
constexpr const guide::KpiSpec& kAvailability = guide::FindKpi(guide::kKpiAvailability);
constexpr const guide::KpiSpec& kNetworkLatency = guide::FindKpi(guide::kKpiNetworkLatency);
constexpr const guide::KpiSpec& kApiResponse = guide::FindKpi(guide::kKpiApiResponse);
constexpr const guide::KpiSpec& kApiSuccess = guide::FindKpi(guide::kKpiApiSuccess);
// An API's error rate is what its success rate leaves: 1 - 95 % = 5 %.
constexpr double kApiErrorRate = 1 - kApiSuccess.warning;

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
  probe::HttpProbeSpec spec;
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
  SCOUT_RETURN_IF_ERROR(probe::ValidateHttpProbeSpec(spec));
  SCOUT_ASSIGN_OR_RETURN(probe::ProbeResult r, probe::RunHttpProbeOnce(spec));

  if (format == OutputFormat::kJson) {
    JsonWriter json(out);
    json.BeginObject().Key("url").String(r.target).Key("success").Bool(r.success)
        .Key("reason").String(probe::FailureReasonName(r.reason)).Key("error").String(r.error)
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
    out << probe::FormatPhaseBreakdown(r);
    if (probe::FormatPhaseBreakdown(r).back() != '\n') out << '\n';
  }
  return r.success;
}

}  // namespace scout::ctl

namespace scout::ctl {
namespace {

using RowKey = std::pair<std::string, std::string>;  // (host, probe)

RowKey KeyOf(const Labels& labels) {
  return {LabelValue(labels, "host"), LabelValue(labels, "probe")};
}

absl::Status Fetch(v1::Query::StubInterface& stub, const Context& ctx, const Selector& selector,
                   int64_t window_ms, v1::Aggregation agg, std::vector<SeriesPoints>* out) {
  const int64_t now = ctx.clock->NowMs();
  v1::QueryRangeRequest req;
  *req.mutable_selector() = SelectorToProto(selector);
  req.set_start_ms(now - window_ms);
  req.set_end_ms(now + 1);
  // One bucket for the whole window: buckets are epoch-aligned, so the
  // step must be far larger than the window for them not to split it.
  req.set_step_ms(1000LL * 86400 * 3650);
  req.set_aggregation(agg);
  req.set_series_limit(10'000);
  v1::QueryRangeResponse resp;
  SCOUT_RETURN_IF_ERROR(Call(ctx, stub, &v1::Query::StubInterface::QueryRange, req, &resp));
  for (const auto& s : resp.series()) out->push_back(SeriesPointsFromProto(s));
  return absl::OkStatus();
}

Selector ProbeSelector(const std::string& metric, const std::string& host) {
  Selector sel;
  sel.metric = metric;
  if (!host.empty()) sel.matchers.push_back({"host", MatchOp::kEqual, host});
  return sel;
}

std::string Paint(const std::string& text, Kpi kpi, bool color) {
  if (!color || kpi == Kpi::kUnknown) return text;
  return (kpi == Kpi::kGood ? "\033[32m" : "\033[31m") + text + "\033[0m";
}

std::string PercentOrDash(double v) { return v < 0 ? "-" : FormatPercent(v); }
std::string SecondsOrDash(double v) { return v < 0 ? "-" : FormatSeconds(v); }

Kpi ErrorsKpi(const ProbeSummaryRow& row) {
  if (row.availability_1h < 0) return Kpi::kUnknown;
  const double limit = row.kind == "api" ? kApiErrorRate : kErrorRate.warning;
  return (1 - row.availability_1h) < limit ? Kpi::kGood : Kpi::kBad;
}

}  // namespace

Kpi LatencyKpi(const ProbeSummaryRow& row) {
  if (row.p95_latency_1h < 0) return Kpi::kUnknown;
  const double limit = row.protocol == "tcp" ? kNetworkLatency.warning
                       : row.kind == "api"   ? kApiResponse.warning
                                             : kResponseTime.warning;
  return row.p95_latency_1h < limit ? Kpi::kGood : Kpi::kBad;
}

// sctl judges an API's success rate as met at the bound itself (the
// table's "> 95 %" is strict); kept as sctl always showed it.
Kpi AvailabilityKpi(const ProbeSummaryRow& row, double availability) {
  if (availability < 0) return Kpi::kUnknown;
  const double target = row.kind == "api" ? kApiSuccess.warning : kAvailability.warning;
  return availability >= target ? Kpi::kGood : Kpi::kBad;
}


absl::Status RunProbes(v1::Query::StubInterface& stub, const Context& ctx,
                       const std::string& host, bool color, const Output& out) {
  constexpr int64_t kHour = 3'600'000, kDay = 24 * kHour;
  std::map<RowKey, ProbeSummaryRow> rows;
  auto fill = [&](const std::string& metric, int64_t window, v1::Aggregation agg,
                  double ProbeSummaryRow::*field) -> absl::Status {
    std::vector<SeriesPoints> series;
    SCOUT_RETURN_IF_ERROR(Fetch(stub, ctx, ProbeSelector(metric, host), window, agg, &series));
    for (const SeriesPoints& s : series) {
      if (s.points.empty()) continue;
      ProbeSummaryRow& row = rows[KeyOf(s.key.labels)];
      row.host = LabelValue(s.key.labels, "host");
      row.probe = LabelValue(s.key.labels, "probe");
      row.target = LabelValue(s.key.labels, "target");
      row.kind = LabelValue(s.key.labels, "kind");
      row.protocol = LabelValue(s.key.labels, "protocol");
      row.*field = s.points.back().value;
    }
    return absl::OkStatus();
  };
  SCOUT_RETURN_IF_ERROR(fill("scout_probe_success", 5 * 60'000, v1::LAST, &ProbeSummaryRow::last_success));
  SCOUT_RETURN_IF_ERROR(fill("scout_probe_duration_seconds", 5 * 60'000, v1::LAST,
                             &ProbeSummaryRow::last_latency));
  SCOUT_RETURN_IF_ERROR(fill("scout_probe_duration_seconds", kHour, v1::P95,
                             &ProbeSummaryRow::p95_latency_1h));
  SCOUT_RETURN_IF_ERROR(fill("scout_probe_duration_seconds", kHour, v1::P99,
                             &ProbeSummaryRow::p99_latency_1h));
  SCOUT_RETURN_IF_ERROR(fill("scout_probe_success", kHour, v1::AVG, &ProbeSummaryRow::availability_1h));
  SCOUT_RETURN_IF_ERROR(fill("scout_probe_success", kDay, v1::AVG, &ProbeSummaryRow::availability_24h));
  SCOUT_RETURN_IF_ERROR(fill("scout_probe_success", 7 * kDay, v1::AVG, &ProbeSummaryRow::availability_7d));
  SCOUT_RETURN_IF_ERROR(fill("scout_probe_success", 30 * kDay, v1::AVG, &ProbeSummaryRow::availability_30d));

  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("probes").BeginArray();
    for (const auto& [key, r] : rows) {
      json.BeginObject().Key("host").String(r.host).Key("probe").String(r.probe)
          .Key("target").String(r.target).Key("kind").String(r.kind)
          .Key("last_success").Number(r.last_success).Key("last_latency_seconds").Number(r.last_latency)
          .Key("p95_latency_1h_seconds").Number(r.p95_latency_1h)
          .Key("p99_latency_1h_seconds").Number(r.p99_latency_1h)
          .Key("error_rate_1h").Number(r.availability_1h < 0 ? -1 : 1 - r.availability_1h)
          .Key("availability_24h").Number(r.availability_24h)
          .Key("availability_7d").Number(r.availability_7d)
          .Key("availability_30d").Number(r.availability_30d).EndObject();
    }
    json.EndArray().EndObject();
    *out.out << '\n';
    return absl::OkStatus();
  }
  TextTable table({{"HOST"}, {"PROBE"}, {"STATUS"}, {"LAST", TextTable::Align::kRight},
                   {"P95 1H", TextTable::Align::kRight}, {"P99 1H", TextTable::Align::kRight},
                   {"ERRORS 1H", TextTable::Align::kRight},
                   {"AVAIL 24H", TextTable::Align::kRight}, {"7D", TextTable::Align::kRight},
                   {"30D", TextTable::Align::kRight}, {"TARGET"}});
  for (const auto& [key, r] : rows) {
    const char* status = r.last_success < 0 ? "-" : r.last_success > 0.5 ? "UP" : "DOWN";
    const Kpi status_kpi = r.last_success < 0 ? Kpi::kUnknown
                           : r.last_success > 0.5 ? Kpi::kGood : Kpi::kBad;
    const Kpi errors_kpi = ErrorsKpi(r);
    table.AddRow({r.host, r.probe, Paint(status, status_kpi, color), SecondsOrDash(r.last_latency),
                  Paint(SecondsOrDash(r.p95_latency_1h), LatencyKpi(r), color),
                  SecondsOrDash(r.p99_latency_1h),
                  Paint(PercentOrDash(r.availability_1h < 0 ? -1 : 1 - r.availability_1h),
                        errors_kpi, color),
                  Paint(PercentOrDash(r.availability_24h), AvailabilityKpi(r, r.availability_24h), color),
                  Paint(PercentOrDash(r.availability_7d), AvailabilityKpi(r, r.availability_7d), color),
                  Paint(PercentOrDash(r.availability_30d), AvailabilityKpi(r, r.availability_30d), color),
                  r.target});
  }
  table.Write(*out.out);
  if (rows.empty()) *out.err << "no probe results in the last 5 minutes (is the probes collector configured?)\n";
  return absl::OkStatus();
}

}  // namespace scout::ctl
