#include "collector/reports/html_renderer.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "collector/reports/endpoints.h"
#include "collector/reports/report_format.h"
#include "collector/reports/svg_chart.h"
#include "shared/guide/db_advice.h"
#include "shared/units.h"

namespace scout::collector::reports {
namespace {

constexpr const char* kStyle = R"css(
body { font-family: Arial, Helvetica, sans-serif; margin: 20px; color: #222; }
h1 { margin-bottom: 0; } h2 { margin-top: 4px; color: #555; font-weight: normal; }
h3 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 32px; }
.meta, .note, .empty { color: #666; font-size: 0.9em; }
.empty { font-style: italic; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 10px; }
.metric { background: #f5f5f5; padding: 10px; border-radius: 5px; }
.metric h4 { margin: 0 0 6px 0; font-size: 0.95em; }
.metric .value { font-size: 1.5em; font-weight: bold; margin: 0; }
.metric .status { margin: 2px 0; font-weight: bold; }
.metric .sub { margin: 0; font-size: 0.8em; color: #555; }
.good { border-left: 5px solid #4CAF50; } .good .status { color: #2e7d32; }
.warning { border-left: 5px solid #FF9800; } .warning .status { color: #e65100; }
.critical { border-left: 5px solid #F44336; } .critical .status { color: #c62828; }
.no_data { border-left: 5px solid #9e9e9e; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background-color: #f2f2f2; }
td.num, td:first-child { white-space: nowrap; } td.num { text-align: right; }
tr.bad td { background: #fff3f3; }
code.q { font-size: 0.85em; white-space: pre-wrap; word-break: break-word; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; }
svg.chart { background: #fff; border: 1px solid #eee; max-width: 100%; height: auto; }
svg .chart-title { font-size: 13px; font-weight: bold; fill: #333; }
svg .tick, svg .legend { font-size: 11px; fill: #555; }
svg .nodata { font-size: 14px; fill: #999; }
svg .grid { stroke: #eee; } svg .axis { stroke: #888; } svg .frame { fill: none; stroke: #ddd; }
svg .threshold { stroke: #F44336; stroke-dasharray: 5 4; }
svg .line { fill: none; stroke-width: 1.6; }
.up { color: #2e7d32; } .down { color: #c62828; }
@media print {
  body { margin: 0; font-size: 10pt; }
  h3 { page-break-after: avoid; }
  .metric, svg.chart, tr { page-break-inside: avoid; break-inside: avoid; }
  .tiles { grid-template-columns: repeat(4, 1fr); }
  a { color: inherit; text-decoration: none; }
}
)css";

std::string E(const std::string& s) { return HtmlEscape(s); }
std::string V(Unit u, double v) { return E(FormatValue(u, v)); }

std::string Th(std::initializer_list<const char*> headers) {
  std::string out = "<tr>";
  for (const char* h : headers) absl::StrAppend(&out, "<th>", h, "</th>");
  return out + "</tr>";
}
std::string Td(const std::string& text) { return absl::StrCat("<td>", E(text), "</td>"); }
std::string Num(Unit u, double v) { return absl::StrCat("<td class=\"num\">", V(u, v), "</td>"); }
std::string Empty(const std::string& what) {
  return absl::StrCat("<p class=\"empty\">", E(what), "</p>");
}

void Kpis(std::string& out, const DailyReport& r) {
  absl::StrAppend(&out, "<section id=\"kpis\"><h3>KPIs</h3><div class=\"tiles\">");
  for (const Kpi& k : r.kpis) {
    absl::StrAppend(&out, "<div class=\"metric ", KpiStatusName(k.status), "\" data-kpi=\"", k.id,
                    "\"><h4>", E(k.name), "</h4><p class=\"value\">", V(k.unit, k.value),
                    "</p><p class=\"status\">", KpiStatusTitle(k.status), "</p><p class=\"sub\">",
                    k.subject.empty() ? "" : E(k.subject) + "<br>", "KPI ", E(k.target),
                    "</p></div>");
  }
  absl::StrAppend(&out, "</div><p class=\"note\">Each tile shows the worst endpoint, host, "
                        "target or source of the day.</p></section>");
}

void Endpoints(std::string& out, const DailyReport& r) {
  absl::StrAppend(&out, "<section id=\"endpoints\"><h3>Endpoints</h3>");
  if (r.endpoints.empty()) {
    out += Empty("No probe data for this day.") + "</section>";
    return;
  }
  absl::StrAppend(&out, "<table>",
                  Th({"Endpoint", "Host", "Kind", "Target", "p50", "p95", "p99", "Error rate",
                      "Availability", "Samples"}));
  for (const EndpointStats& e : r.endpoints) {
    const bool bad = EndpointMissesKpi(e);
    absl::StrAppend(&out, bad ? "<tr class=\"bad\">" : "<tr>", Td(e.probe), Td(e.host),
                    Td(e.kind.empty() ? e.protocol : e.protocol + "/" + e.kind), Td(e.target),
                    Num(Unit::kSeconds, e.p50), Num(Unit::kSeconds, e.p95),
                    Num(Unit::kSeconds, e.p99), Num(Unit::kRatio, e.error_rate),
                    Num(Unit::kRatio, e.availability), Num(Unit::kCount, static_cast<double>(e.samples)),
                    "</tr>");
  }
  absl::StrAppend(&out, "</table><div class=\"charts\">");
  for (const EndpointStats& e : r.endpoints) out += RenderSvgChart(e.chart);
  absl::StrAppend(&out, "</div></section>");
}

void Hosts(std::string& out, const DailyReport& r) {
  absl::StrAppend(&out, "<section id=\"hosts\"><h3>Hosts</h3>");
  if (r.hosts.empty()) {
    out += Empty("No host data for this day.") + "</section>";
    return;
  }
  absl::StrAppend(&out, "<table>",
                  Th({"Host", "CPU avg", "CPU peak", "Memory avg", "Memory peak", "Disk",
                      "Disk avg", "Disk peak"}));
  for (const HostStats& h : r.hosts) {
    absl::StrAppend(&out, "<tr>", Td(h.host), Num(Unit::kRatio, h.cpu_avg),
                    Num(Unit::kRatio, h.cpu_peak), Num(Unit::kRatio, h.memory_avg),
                    Num(Unit::kRatio, h.memory_peak), Td(h.disk_mountpoint),
                    Num(Unit::kRatio, h.disk_avg), Num(Unit::kRatio, h.disk_peak), "</tr>");
  }
  absl::StrAppend(&out, "</table><div class=\"charts\">");
  for (const HostStats& h : r.hosts) out += RenderSvgChart(h.chart);
  absl::StrAppend(&out, "</div></section>");
}

void Database(std::string& out, const DailyReport& r, absl::TimeZone tz) {
  const DatabaseSection& db = r.database;
  absl::StrAppend(&out, "<section id=\"database\"><h3>Database</h3>");
  if (db.targets.empty()) {
    out += Empty("No PostgreSQL data for this day.");
  } else {
    absl::StrAppend(&out, "<table>",
                    Th({"Target", "Host", "Active conn. avg", "Active conn. peak",
                        "Max conn.", "Pool usage avg", "Pool usage peak", "Avg query time",
                        "Max lock wait", "Blocked sessions peak", "Blocked minutes",
                        "Lock incidents"}));
    for (const DbTargetStats& t : db.targets) {
      absl::StrAppend(
          &out, "<tr>", Td(t.target), Td(t.host), Num(Unit::kCount, t.active_connections_avg),
          Num(Unit::kCount, t.active_connections_peak), Num(Unit::kCount, t.max_connections),
          Num(Unit::kRatio, t.connections_used_avg), Num(Unit::kRatio, t.connections_used_peak),
          Num(Unit::kSeconds, t.avg_query_seconds), Num(Unit::kSeconds, t.lock_wait_max_seconds),
          Num(Unit::kCount, t.blocked_sessions_peak),
          Num(Unit::kCount, static_cast<double>(t.blocked_minutes)),
          Num(Unit::kCount, static_cast<double>(t.lock_incidents)), "</tr>");
    }
    absl::StrAppend(&out, "</table>");
  }
  absl::StrAppend(&out, "<h4>Slowest queries</h4>");
  if (db.slow_queries.empty()) {
    out += Empty("No pg_stat_statements data for this day.");
  } else {
    absl::StrAppend(&out, "<table>",
                    Th({"Target", "Database", "User", "Query id", "Mean", "Calls/h",
                        "Max (since reset)", "Query"}));
    for (const SlowQuery& q : db.slow_queries) {
      absl::StrAppend(&out, q.slow ? "<tr class=\"bad\">" : "<tr>", Td(q.target), Td(q.datname),
                      Td(q.user), Td(q.queryid),
                      "<td class=\"num\">", V(Unit::kSeconds, q.mean_seconds),
                      q.mean_basis == "since_reset" ? " (since reset)" : "", "</td>",
                      Num(Unit::kCount, q.calls_per_hour), Num(Unit::kSeconds, q.max_seconds),
                      "<td><code class=\"q\">", E(q.query), "</code></td></tr>");
    }
    absl::StrAppend(&out, "</table>");
  }
  absl::StrAppend(&out, "<h4>Lock waits</h4>");
  if (db.lock_waits.empty()) {
    out += Empty("No session waited for a lock (in the scrapes of this day).");
  } else {
    absl::StrAppend(&out, "<table>",
                    Th({"Target", "Database", "Longest wait", "Lock", "Blocked (pid, user)",
                        "Blocked query", "Blocking (pid, user)", "Blocking query"}));
    for (const LockWait& w : db.lock_waits) {
      absl::StrAppend(&out, "<tr>", Td(w.target), Td(w.datname),
                      Num(Unit::kSeconds, w.max_wait_seconds), Td(w.locktype + " " + w.mode),
                      Td(w.blocked_pid + " " + w.blocked_user), "<td><code class=\"q\">",
                      E(w.blocked_query), "</code></td>", Td(w.blocking_pid + " " + w.blocking_user),
                      "<td><code class=\"q\">", E(w.blocking_query), "</code></td></tr>");
    }
    absl::StrAppend(&out, "</table>");
  }
  absl::StrAppend(&out, "<h4>Advice (sctl db advise, as of ", E(FormatDateTime(db.advice_at_ms, tz)),
                  ")</h4>");
  if (db.advice.empty()) {
    out += Empty("No findings.");
  } else {
    absl::StrAppend(&out, "<table>", Th({"Severity", "Target", "Object", "Finding", "Detail"}));
    for (const guide::Advice& a : db.advice) {
      absl::StrAppend(&out, a.severity == guide::Severity::kCritical ? "<tr class=\"bad\">" : "<tr>",
                      Td(guide::SeverityName(a.severity)), Td(a.target), Td(a.object),
                      Td(a.finding), Td(a.detail), "</tr>");
    }
    absl::StrAppend(&out, "</table>");
  }
  absl::StrAppend(&out, "</section>");
}

void Ingestion(std::string& out, const DailyReport& r, absl::TimeZone tz) {
  const IngestionSection& in = r.ingestion;
  absl::StrAppend(&out, "<section id=\"ingestion\"><h3>Event ingestion</h3>");
  if (in.hours_sampled == 0 && in.sources.empty()) {
    out += Empty("No SceneScout ingestion data for this day.") + "</section>";
    return;
  }
  absl::StrAppend(&out, "<p>Events: <b>", V(Unit::kCount, in.total_events), "</b> in ",
                  in.hours_sampled, " sampled hours (", V(Unit::kPerHour, in.avg_events_per_hour),
                  " average, quietest hour ", V(Unit::kCount, in.min_hour_events),
                  "); active sources: ", in.active_sources, "; worst freshness lag: ",
                  V(Unit::kSeconds, in.freshness_peak_seconds), ".</p>");
  absl::StrAppend(&out, "<table>",
                  Th({"Source", "Events", "Longest silence", "Gap (> 2 h)", "API requests",
                      "API avg response", "API success"}));
  for (const SourceIngestion& s : in.sources) {
    absl::StrAppend(&out, s.gap ? "<tr class=\"bad\">" : "<tr>", Td(s.source),
                    Num(Unit::kCount, s.total_events),
                    Num(Unit::kSeconds, s.max_last_event_age_seconds), Td(s.gap ? "yes" : "no"),
                    Num(Unit::kCount, s.api_requests),
                    Num(Unit::kSeconds, s.api_avg_response_seconds),
                    Num(Unit::kRatio, s.api_success_ratio), "</tr>");
  }
  absl::StrAppend(&out, "</table><div class=\"charts\">", RenderSvgChart(in.chart, {1000, 280}),
                  "</div><h4>Events per hour</h4><table><tr><th>Source</th>");
  for (int64_t h : in.hour_starts) absl::StrAppend(&out, "<th>", FormatClock(h, tz).substr(0, 2), "</th>");
  absl::StrAppend(&out, "</tr>");
  for (const SourceIngestion& s : in.sources) {
    absl::StrAppend(&out, "<tr>", Td(s.source));
    for (double v : s.hourly_events) out += Num(Unit::kCount, v);
    absl::StrAppend(&out, "</tr>");
  }
  absl::StrAppend(&out, "</table><h4>Ingestion errors</h4>");
  if (in.errors.empty()) {
    out += Empty("No ingestion errors in the 24 hours up to the end of the day.");
  } else {
    absl::StrAppend(&out, "<table>", Th({"Source", "Error type", "Errors", "Last error"}));
    for (const IngestionError& e : in.errors) {
      absl::StrAppend(&out, "<tr>", Td(e.source), Td(e.error_type), Num(Unit::kCount, e.count),
                      Td(e.last_error_ms > 0 ? FormatDateTime(e.last_error_ms, tz) : kNoDataText),
                      "</tr>");
    }
    absl::StrAppend(&out, "</table>");
  }
  absl::StrAppend(&out, "</section>");
}

void Alerts(std::string& out, const DailyReport& r, absl::TimeZone tz) {
  absl::StrAppend(&out, "<section id=\"alerts\"><h3>Alerts fired</h3>");
  if (r.alerts.fired.empty()) {
    out += Empty("No alert fired this day.") + "</section>";
    return;
  }
  absl::StrAppend(&out, "<p>", r.alerts.fired.size(), " alerts fired: ");
  for (size_t i = 0; i < r.alerts.by_rule.size(); ++i) {
    absl::StrAppend(&out, i ? ", " : "", E(r.alerts.by_rule[i].first), " × ",
                    r.alerts.by_rule[i].second);
  }
  absl::StrAppend(&out, "</p><table>", Th({"Time", "Rule", "Severity", "Labels", "Value"}));
  for (const FiredAlert& a : r.alerts.fired) {
    absl::StrAppend(&out, "<tr>", Td(FormatClock(a.at_ms, tz)), Td(a.rule), Td(a.severity),
                    Td(a.labels), "<td class=\"num\">", E(FormatNumber(a.value)), "</td></tr>");
  }
  absl::StrAppend(&out, "</table></section>");
}

void ProcessGroups(std::string& out, const DailyReport& r) {
  absl::StrAppend(&out, "<section id=\"process-groups\"><h3>Process groups: memory growth</h3>");
  int grown = 0;
  for (const ProcessGroupGrowth& g : r.process_groups) grown += g.grew ? 1 : 0;
  if (r.process_groups.empty()) {
    out += Empty("No process group data for this day.") + "</section>";
    return;
  }
  if (grown == 0) {
    out += Empty(absl::StrCat(r.process_groups.size(),
                              " groups checked; none grew by more than 10 % or 50 MiB.")) +
           "</section>";
    return;
  }
  absl::StrAppend(&out, "<table>",
                  Th({"Host", "Group", "First hour RSS", "Last hour RSS", "Growth", "Growth %"}));
  for (const ProcessGroupGrowth& g : r.process_groups) {
    if (!g.grew) continue;
    absl::StrAppend(&out, "<tr class=\"bad\">", Td(g.host), Td(g.group),
                    Num(Unit::kBytes, g.first_hour_bytes), Num(Unit::kBytes, g.last_hour_bytes),
                    Num(Unit::kBytes, g.growth_bytes), Num(Unit::kRatio, g.growth_ratio), "</tr>");
  }
  absl::StrAppend(&out, "</table><p class=\"note\">", r.process_groups.size() - grown,
                  " other groups did not grow.</p></section>");
}

void Weekly(std::string& out, const WeeklyReport& w) {
  absl::StrAppend(&out, "<section id=\"days\"><h3>Per day</h3><table>",
                  Th({"Date", "Total events", "Active sources", "Avg API response",
                      "Avg API success", "p95 latency", "Error rate", "Availability",
                      "CPU peak", "Memory peak", "Alerts fired"}));
  auto row = [&](const std::string& first, double events, double sources, double resp,
                 double success, double p95, double err, double avail, double cpu, double mem,
                 double alerts, const char* cls) {
    absl::StrAppend(&out, "<tr", cls, ">", Td(first), Num(Unit::kCount, events),
                    Num(Unit::kCount, sources), Num(Unit::kSeconds, resp),
                    Num(Unit::kRatio, success), Num(Unit::kSeconds, p95), Num(Unit::kRatio, err),
                    Num(Unit::kRatio, avail), Num(Unit::kRatio, cpu), Num(Unit::kRatio, mem),
                    Num(Unit::kCount, alerts), "</tr>");
  };
  for (const DayFigures& d : w.days) {
    row(d.weekday + " " + d.date, d.total_events, d.active_sources, d.api_avg_response_seconds,
        d.api_avg_success_ratio, d.p95_latency_seconds, d.error_rate, d.availability,
        d.cpu_peak, d.memory_peak, static_cast<double>(d.alerts_fired), "");
  }
  for (const WeekFigures* f : {&w.this_week, &w.previous_week}) {
    row("Week " + f->label, f->total_events, f->active_sources, f->api_avg_response_seconds,
        f->api_avg_success_ratio, f->p95_latency_seconds, f->error_rate, f->availability,
        f->cpu_peak, f->memory_peak, f->alerts_fired, " class=\"total\"");
  }
  absl::StrAppend(&out, "</table><p class=\"note\">Week rows: events and alerts summed, active "
                        "sources distinct over the week, p95 and peaks the worst day, ratios and "
                        "averages the mean of the days.</p></section>");

  absl::StrAppend(&out, "<section id=\"changes\"><h3>Week over week</h3><table>",
                  Th({"Figure", w.this_week.label.c_str(), w.previous_week.label.c_str(),
                      "Change"}));
  for (const WeekChange& c : w.changes) {
    const bool better = HasData(c.change) && c.change != 0 &&
                        ((c.change > 0) == c.higher_is_better);
    const char* cls = !HasData(c.change) || c.change == 0 ? "" : better ? "up" : "down";
    absl::StrAppend(&out, "<tr>", Td(c.name), Num(c.unit, c.this_week), Num(c.unit, c.previous_week),
                    "<td class=\"num ", cls, "\">", E(FormatChange(c)), "</td></tr>");
  }
  absl::StrAppend(&out, "</table></section><section id=\"trends\"><h3>Trends</h3><div class=\"charts\">",
                  RenderSvgChart(w.events_chart), RenderSvgChart(w.latency_chart),
                  "</div></section>");
  absl::StrAppend(&out, "<section id=\"previous-days\"><h3>Previous week per day</h3><table>",
                  Th({"Date", "Total events", "Active sources", "Avg API response",
                      "Avg API success", "p95 latency", "Error rate", "Availability",
                      "CPU peak", "Memory peak", "Alerts fired"}));
  for (const DayFigures& d : w.previous_days) {
    row(d.weekday + " " + d.date, d.total_events, d.active_sources, d.api_avg_response_seconds,
        d.api_avg_success_ratio, d.p95_latency_seconds, d.error_rate, d.availability,
        d.cpu_peak, d.memory_peak, static_cast<double>(d.alerts_fired), "");
  }
  absl::StrAppend(&out, "</table></section>");
}

}  // namespace

std::string RenderHtml(const Report& report) {
  const absl::TimeZone tz = ReportZone(report.period);
  const ReportPeriod& p = report.period;
  const std::string title = absl::StrCat("SceneScout Performance Report - ", p.label);
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>",
      E(title), "</title><style>", kStyle, "</style></head><body>\n<h1>SceneScout Performance "
      "Report</h1><h2>", report.daily ? "Daily" : "Weekly", " report: ", E(p.label), " (",
      E(p.timezone), ")</h2><p class=\"meta\">Window ", E(FormatDateTime(p.start_ms, tz)),
      " to ", E(FormatDateTime(p.end_ms, tz)));
  if (report.generated_ms > 0) {
    absl::StrAppend(&out, "; generated ", E(FormatDateTime(report.generated_ms, tz)));
  }
  absl::StrAppend(&out, ".</p>\n");
  if (report.daily) {
    const DailyReport& r = *report.daily;
    Kpis(out, r);
    Endpoints(out, r);
    Hosts(out, r);
    Database(out, r, tz);
    Ingestion(out, r, tz);
    Alerts(out, r, tz);
    ProcessGroups(out, r);
  }
  if (report.weekly) Weekly(out, *report.weekly);
  absl::StrAppend(&out, "\n</body></html>\n");
  return out;
}

}  // namespace scout::collector::reports
