#include "collector/reports/markdown_renderer.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "collector/reports/markdown_escape.h"
#include "collector/reports/report_format.h"
#include "collector/reports/report_util.h"
#include "shared/guide/db_advice.h"

namespace scout::collector::reports {
namespace {

// A rendered piece of Markdown. Built from a std::string it is untrusted
// text and escaped (markdown_escape.h): escaping is the default, so a new
// cell cannot forget it. Only what this file formats itself (numbers,
// units, dates, fixed words) is passed through, via Md::Trusted.
class Md {
 public:
  Md(const std::string& text) : markdown_(MarkdownText(text)) {}  // NOLINT: implicit on purpose
  Md(const char* text) : Md(std::string(text)) {}                 // NOLINT
  static Md Trusted(std::string markdown) { return Md(std::move(markdown), 0); }
  static Md Code(const std::string& text) { return Md(MarkdownCode(text), 0); }
  const std::string& markdown() const { return markdown_; }

 private:
  Md(std::string markdown, int) : markdown_(std::move(markdown)) {}
  std::string markdown_;
};

void Row(std::string& out, std::initializer_list<Md> cells) {
  out += "|";
  for (const Md& c : cells) absl::StrAppend(&out, " ", c.markdown(), " |");
  out += "\n";
}

void Header(std::string& out, std::initializer_list<Md> cells) {
  Row(out, cells);
  out += "|";
  for (size_t i = 0; i < cells.size(); ++i) out += " --- |";
  out += "\n";
}

// Formatted by us: digits, units, "—".
Md V(Unit u, double v) { return Md::Trusted(FormatValue(u, v)); }
std::string VText(Unit u, double v) { return FormatValue(u, v); }

// A chart as one sparkline per line, over the chart's own time buckets.
void Sparklines(std::string& out, const Chart& chart) {
  if (!chart.HasPoints()) {
    absl::StrAppend(&out, "_", MarkdownText(chart.title), ": no data._\n\n");
    return;
  }
  double max = 0;
  for (const ChartLine& l : chart.lines) {
    for (const Point& p : l.points) max = std::max(max, p.value);
  }
  absl::StrAppend(&out, "_", MarkdownText(chart.title), "_ (max ", VText(chart.unit, max), ")\n\n");
  // At most kSparkWidth characters (chat lines wrap): each character is
  // the peak of its share of the chart's time axis, "·" where none.
  constexpr int kSparkWidth = 24;
  const double span = static_cast<double>(chart.end_ms - chart.start_ms);
  for (const ChartLine& l : chart.lines) {
    std::vector<double> values(kSparkWidth, kNoData);
    for (const Point& p : l.points) {
      const int i = std::clamp(
          static_cast<int>(static_cast<double>(p.timestamp_ms - chart.start_ms) / span * kSparkWidth),
          0, kSparkWidth - 1);
      values[i] = MaxKnown(values[i], p.value);
    }
    // An indented code block: the name shows literally; only a line
    // break could leave the block.
    absl::StrAppend(&out, "    ", Sparkline(values, max), "  ", MarkdownCodeLine(l.name), "\n");
  }
  out += "\n";
}

void KpisMd(std::string& out, const DailyReport& r) {
  out += "## KPIs\n\n";
  Header(out, {"KPI", "Value", "Status", "Worst", "Target"});
  for (const Kpi& k : r.kpis) {
    Row(out, {k.name, V(k.unit, k.value), Md(KpiStatusTitle(k.status)), k.subject, k.target});
  }
}

void EndpointsMd(std::string& out, const DailyReport& r) {
  out += "\n## Endpoints\n\n";
  if (r.endpoints.empty()) {
    out += "_No probe data for this day._\n";
  } else {
    Header(out, {"Endpoint", "Host", "Kind", "p50", "p95", "p99", "Error rate", "Availability"});
    for (const EndpointStats& e : r.endpoints) {
      Row(out, {e.probe, e.host, e.kind.empty() ? e.protocol : e.protocol + "/" + e.kind,
                V(Unit::kSeconds, e.p50), V(Unit::kSeconds, e.p95), V(Unit::kSeconds, e.p99),
                V(Unit::kRatio, e.error_rate), V(Unit::kRatio, e.availability)});
    }
  }
}

void HostsMd(std::string& out, const DailyReport& r) {
  out += "\n## Hosts\n\n";
  if (r.hosts.empty()) {
    out += "_No host data for this day._\n";
  } else {
    Header(out, {"Host", "CPU avg", "CPU peak", "Memory avg", "Memory peak", "Disk",
                 "Disk avg", "Disk peak"});
    for (const HostStats& h : r.hosts) {
      Row(out, {h.host, V(Unit::kRatio, h.cpu_avg), V(Unit::kRatio, h.cpu_peak),
                V(Unit::kRatio, h.memory_avg), V(Unit::kRatio, h.memory_peak), h.disk_mountpoint,
                V(Unit::kRatio, h.disk_avg), V(Unit::kRatio, h.disk_peak)});
    }
    out += "\n";
    for (const HostStats& h : r.hosts) Sparklines(out, h.chart);
  }
}

void DatabaseMd(std::string& out, const DailyReport& r) {
  const DatabaseSection& db = r.database;
  out += "\n## Database\n\n";
  if (db.targets.empty()) {
    out += "_No PostgreSQL data for this day._\n";
  } else {
    Header(out, {"Target", "Active conn. avg/peak", "Pool usage peak", "Avg query time",
                 "Max lock wait", "Blocked peak", "Lock incidents"});
    for (const DbTargetStats& t : db.targets) {
      Row(out, {t.target + " (" + t.host + ")",
                Md::Trusted(VText(Unit::kCount, t.active_connections_avg) + " / " +
                            VText(Unit::kCount, t.active_connections_peak)),
                V(Unit::kRatio, t.connections_used_peak), V(Unit::kSeconds, t.avg_query_seconds),
                V(Unit::kSeconds, t.lock_wait_max_seconds),
                V(Unit::kCount, t.blocked_sessions_peak), Md::Trusted(absl::StrCat(t.lock_incidents))});
    }
  }
  out += "\n### Slowest queries\n\n";
  if (db.slow_queries.empty()) {
    out += "_No pg_stat_statements data for this day._\n";
  } else {
    Header(out, {"Mean", "Calls/h", "Database", "Query"});
    for (const SlowQuery& q : db.slow_queries) {
      Row(out, {Md::Trusted(VText(Unit::kSeconds, q.mean_seconds) +
                            (q.mean_basis == "since_reset" ? " (since reset)" : "")),
                V(Unit::kCount, q.calls_per_hour), q.datname, Md::Code(q.query)});
    }
  }
  out += "\n### Lock waits\n\n";
  if (db.lock_waits.empty()) {
    out += "_No session waited for a lock._\n";
  } else {
    Header(out, {"Longest wait", "Target", "Blocked query", "Blocking query"});
    for (const LockWait& w : db.lock_waits) {
      Row(out, {V(Unit::kSeconds, w.max_wait_seconds), w.target, Md::Code(w.blocked_query),
                Md::Code(w.blocking_query)});
    }
  }
  out += "\n### Advice\n\n";
  if (db.advice.empty()) {
    out += "_No findings._\n";
  } else {
    for (const guide::Advice& a : db.advice) {
      absl::StrAppend(&out, "- **", MarkdownText(guide::SeverityName(a.severity)), "** ",
                      MarkdownText(a.object), ": ", MarkdownText(a.finding), " (",
                      MarkdownText(a.detail), ")\n");
    }
  }
}

void IngestionMd(std::string& out, const DailyReport& r, absl::TimeZone tz) {
  const IngestionSection& in = r.ingestion;
  out += "\n## Event ingestion\n\n";
  if (in.hours_sampled == 0 && in.sources.empty()) {
    out += "_No SceneScout ingestion data for this day._\n";
  } else {
    absl::StrAppend(&out, "Events: **", VText(Unit::kCount, in.total_events), "** (",
                    VText(Unit::kPerHour, in.avg_events_per_hour), "), active sources ",
                    in.active_sources, ", worst freshness lag ",
                    VText(Unit::kSeconds, in.freshness_peak_seconds), ".\n\n");
    Header(out, {"Source", "Events", "Gap (> 2 h)", "API avg response", "API success"});
    for (const SourceIngestion& s : in.sources) {
      Row(out, {s.source, V(Unit::kCount, s.total_events), Md(s.gap ? "yes" : "no"),
                V(Unit::kSeconds, s.api_avg_response_seconds),
                V(Unit::kRatio, s.api_success_ratio)});
    }
    out += "\n";
    Sparklines(out, in.chart);
    if (in.errors.empty()) {
      out += "_No ingestion errors._\n";
    } else {
      Header(out, {"Source", "Error type", "Errors", "Last error"});
      for (const IngestionError& e : in.errors) {
        Row(out, {e.source, e.error_type, V(Unit::kCount, e.count),
                  Md::Trusted(e.last_error_ms > 0 ? FormatDateTime(e.last_error_ms, tz) : kNoDataText)});
      }
    }
  }
}

void AlertsFiredMd(std::string& out, const DailyReport& r, absl::TimeZone tz) {
  out += "\n## Alerts fired\n\n";
  if (r.alerts.fired.empty()) {
    out += "_No alert fired this day._\n";
  } else {
    Header(out, {"Time", "Rule", "Severity", "Labels"});
    for (const FiredAlert& a : r.alerts.fired) {
      Row(out, {Md::Trusted(FormatClock(a.at_ms, tz)), a.rule, a.severity, a.labels});
    }
  }
}

void GroupGrowthMd(std::string& out, const DailyReport& r) {
  out += "\n## Process groups: memory growth\n\n";
  bool any = false;
  for (const ProcessGroupGrowth& g : r.process_groups) {
    if (!g.grew) continue;
    if (!any) Header(out, {"Host", "Group", "First hour", "Last hour", "Growth"});
    any = true;
    Row(out, {g.host, g.group, V(Unit::kBytes, g.first_hour_bytes),
              V(Unit::kBytes, g.last_hour_bytes), V(Unit::kBytes, g.growth_bytes)});
  }
  if (!any) {
    absl::StrAppend(&out, "_", r.process_groups.size(),
                    " groups checked; none grew by more than 10 % or 50 MiB._\n");
  }
}

void Daily(std::string& out, const DailyReport& r, absl::TimeZone tz) {
  KpisMd(out, r);
  EndpointsMd(out, r);
  HostsMd(out, r);
  DatabaseMd(out, r);
  IngestionMd(out, r, tz);
  AlertsFiredMd(out, r, tz);
  GroupGrowthMd(out, r);
}

void DayRow(std::string& out, const std::string& first, const DayFigures& d) {
  Row(out, {first, V(Unit::kCount, d.total_events), V(Unit::kCount, d.active_sources),
            V(Unit::kSeconds, d.api_avg_response_seconds), V(Unit::kRatio, d.api_avg_success_ratio),
            V(Unit::kSeconds, d.p95_latency_seconds), V(Unit::kRatio, d.error_rate),
            V(Unit::kRatio, d.availability), V(Unit::kRatio, d.cpu_peak),
            V(Unit::kRatio, d.memory_peak), Md::Trusted(absl::StrCat(d.alerts_fired))});
}

void Weekly(std::string& out, const WeeklyReport& w) {
  out += "## Per day\n\n";
  Header(out, {"Date", "Total events", "Active sources", "Avg API response", "Avg API success",
               "p95 latency", "Error rate", "Availability", "CPU peak", "Memory peak",
               "Alerts"});
  for (const DayFigures& d : w.days) DayRow(out, d.weekday + " " + d.date, d);
  out += "\n## Week over week\n\n";
  Header(out, {"Figure", w.this_week.label, w.previous_week.label, "Change"});
  for (const WeekChange& c : w.changes) {
    Row(out, {c.name, V(c.unit, c.this_week), V(c.unit, c.previous_week),
              Md::Trusted(FormatChange(c))});
  }
  out += "\n";
  Sparklines(out, w.events_chart);
  Sparklines(out, w.latency_chart);
  out += "## Previous week per day\n\n";
  Header(out, {"Date", "Total events", "Active sources", "Avg API response", "Avg API success",
               "p95 latency", "Error rate", "Availability", "CPU peak", "Memory peak",
               "Alerts"});
  for (const DayFigures& d : w.previous_days) DayRow(out, d.weekday + " " + d.date, d);
}

}  // namespace

std::string Sparkline(const std::vector<double>& values, double max) {
  static const char* const kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out;
  for (double v : values) {
    if (!HasData(v)) {
      out += "·";
      continue;
    }
    const double f = max > 0 ? std::clamp(v / max, 0.0, 1.0) : 0;
    out += kBars[static_cast<int>(std::lround(f * 7))];
  }
  return out;
}

std::string RenderMarkdown(const Report& report) {
  const absl::TimeZone tz = ReportZone(report.period);
  const ReportPeriod& p = report.period;
  std::string out = absl::StrCat("# SceneScout Performance Report: ", report.daily ? "daily " : "weekly ",
                                 MarkdownText(p.label), " (", MarkdownText(p.timezone), ")\n\nWindow ",
                                 FormatDateTime(p.start_ms, tz), " to ",
                                 FormatDateTime(p.end_ms, tz), ".\n\n");
  if (report.daily) Daily(out, *report.daily, tz);
  if (report.weekly) Weekly(out, *report.weekly);
  return out;
}

}  // namespace scout::collector::reports
