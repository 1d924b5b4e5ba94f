#include "collector/reports/json_renderer.h"

#include <sstream>

#include "shared/guide/db_advice.h"
#include "shared/json_writer.h"

namespace scout::collector::reports {
namespace {

using ::scout::JsonWriter;

void Field(JsonWriter& j, const char* key, double v) { j.Key(key).Number(v); }
void Field(JsonWriter& j, const char* key, int64_t v) { j.Key(key).Int(v); }
void Field(JsonWriter& j, const char* key, const std::string& v) { j.Key(key).String(v); }
void Field(JsonWriter& j, const char* key, bool v) { j.Key(key).Bool(v); }

void WriteChart(JsonWriter& j, const char* key, const Chart& c) {
  j.Key(key).BeginObject();
  Field(j, "title", c.title);
  Field(j, "unit", std::string(UnitName(c.unit)));
  Field(j, "threshold", c.threshold);
  j.Key("lines").BeginArray();
  for (const ChartLine& l : c.lines) {
    j.BeginObject();
    Field(j, "name", l.name);
    j.Key("points").BeginArray();
    for (const Point& p : l.points) j.BeginArray().Int(p.timestamp_ms).Number(p.value).EndArray();
    j.EndArray().EndObject();
  }
  j.EndArray().EndObject();
}

void WritePeriod(JsonWriter& j, const ReportPeriod& p) {
  j.Key("period").BeginObject();
  Field(j, "label", p.label);
  Field(j, "timezone", p.timezone);
  Field(j, "start_ms", p.start_ms);
  Field(j, "end_ms", p.end_ms);
  j.Key("days").BeginArray();
  for (const DayWindow& d : p.days) {
    j.BeginObject();
    Field(j, "date", d.date);
    Field(j, "weekday", d.weekday);
    Field(j, "start_ms", d.start_ms);
    Field(j, "end_ms", d.end_ms);
    j.EndObject();
  }
  j.EndArray().EndObject();
}

void WriteKpis(JsonWriter& j, const std::vector<Kpi>& kpis) {
  j.Key("kpis").BeginArray();
  for (const Kpi& k : kpis) {
    j.BeginObject();
    Field(j, "id", k.id);
    Field(j, "name", k.name);
    Field(j, "unit", std::string(UnitName(k.unit)));
    Field(j, "value", k.value);
    Field(j, "status", std::string(KpiStatusName(k.status)));
    Field(j, "subject", k.subject);
    Field(j, "target", k.target);
    Field(j, "higher_is_better", k.higher_is_better);
    Field(j, "warning", k.warning);
    Field(j, "critical", k.critical);
    Field(j, "basis", k.basis);
    j.EndObject();
  }
  j.EndArray();
}

void WriteEndpoints(JsonWriter& j, const std::vector<EndpointStats>& endpoints) {
  j.Key("endpoints").BeginArray();
  for (const EndpointStats& e : endpoints) {
    j.BeginObject();
    Field(j, "probe", e.probe);
    Field(j, "host", e.host);
    Field(j, "target", e.target);
    Field(j, "protocol", e.protocol);
    Field(j, "kind", e.kind);
    Field(j, "samples", e.samples);
    Field(j, "p50_seconds", e.p50);
    Field(j, "p95_seconds", e.p95);
    Field(j, "p99_seconds", e.p99);
    Field(j, "mean_seconds", e.mean);
    Field(j, "error_rate", e.error_rate);
    Field(j, "availability", e.availability);
    Field(j, "minutes", e.minutes);
    Field(j, "minutes_up", e.minutes_up);
    WriteChart(j, "chart", e.chart);
    j.EndObject();
  }
  j.EndArray();
}

void WriteHosts(JsonWriter& j, const std::vector<HostStats>& hosts) {
  j.Key("hosts").BeginArray();
  for (const HostStats& h : hosts) {
    j.BeginObject();
    Field(j, "host", h.host);
    Field(j, "cpu_avg", h.cpu_avg);
    Field(j, "cpu_peak", h.cpu_peak);
    Field(j, "memory_avg", h.memory_avg);
    Field(j, "memory_peak", h.memory_peak);
    Field(j, "disk_mountpoint", h.disk_mountpoint);
    Field(j, "disk_avg", h.disk_avg);
    Field(j, "disk_peak", h.disk_peak);
    WriteChart(j, "chart", h.chart);
    j.EndObject();
  }
  j.EndArray();
}

void WriteDatabase(JsonWriter& j, const DatabaseSection& db) {
  j.Key("database").BeginObject();
  j.Key("targets").BeginArray();
  for (const DbTargetStats& t : db.targets) {
    j.BeginObject();
    Field(j, "host", t.host);
    Field(j, "target", t.target);
    Field(j, "active_connections_avg", t.active_connections_avg);
    Field(j, "active_connections_peak", t.active_connections_peak);
    Field(j, "max_connections", t.max_connections);
    Field(j, "connections_used_avg", t.connections_used_avg);
    Field(j, "connections_used_peak", t.connections_used_peak);
    Field(j, "avg_query_seconds", t.avg_query_seconds);
    Field(j, "avg_query_basis", t.avg_query_basis);
    Field(j, "lock_wait_max_seconds", t.lock_wait_max_seconds);
    Field(j, "blocked_sessions_peak", t.blocked_sessions_peak);
    Field(j, "blocked_minutes", t.blocked_minutes);
    Field(j, "lock_incidents", t.lock_incidents);
    j.EndObject();
  }
  j.EndArray();
  j.Key("slow_queries").BeginArray();
  for (const SlowQuery& q : db.slow_queries) {
    j.BeginObject();
    Field(j, "host", q.host);
    Field(j, "target", q.target);
    Field(j, "queryid", q.queryid);
    Field(j, "datname", q.datname);
    Field(j, "user", q.user);
    Field(j, "query", q.query);
    Field(j, "mean_seconds", q.mean_seconds);
    Field(j, "mean_basis", q.mean_basis);
    Field(j, "calls_per_hour", q.calls_per_hour);
    Field(j, "max_seconds", q.max_seconds);
    Field(j, "slow", q.slow);
    j.EndObject();
  }
  j.EndArray();
  j.Key("lock_waits").BeginArray();
  for (const LockWait& w : db.lock_waits) {
    j.BeginObject();
    Field(j, "host", w.host);
    Field(j, "target", w.target);
    Field(j, "datname", w.datname);
    Field(j, "locktype", w.locktype);
    Field(j, "mode", w.mode);
    Field(j, "blocked_pid", w.blocked_pid);
    Field(j, "blocked_user", w.blocked_user);
    Field(j, "blocked_query", w.blocked_query);
    Field(j, "blocking_pid", w.blocking_pid);
    Field(j, "blocking_user", w.blocking_user);
    Field(j, "blocking_query", w.blocking_query);
    Field(j, "max_wait_seconds", w.max_wait_seconds);
    j.EndObject();
  }
  j.EndArray();
  Field(j, "advice_at_ms", db.advice_at_ms);
  j.Key("advice").BeginArray();
  for (const guide::Advice& a : db.advice) {
    j.BeginObject();
    Field(j, "severity", std::string(guide::SeverityName(a.severity)));
    Field(j, "rule", a.rule);
    Field(j, "host", a.host);
    Field(j, "target", a.target);
    Field(j, "object", a.object);
    Field(j, "finding", a.finding);
    Field(j, "detail", a.detail);
    Field(j, "value", a.value);
    Field(j, "query", a.query);
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
}

void WriteNumbers(JsonWriter& j, const char* key, const std::vector<double>& values) {
  j.Key(key).BeginArray();
  for (double v : values) j.Number(v);
  j.EndArray();
}

void WriteIngestion(JsonWriter& j, const IngestionSection& in) {
  j.Key("ingestion").BeginObject();
  j.Key("hour_starts_ms").BeginArray();
  for (int64_t h : in.hour_starts) j.Int(h);
  j.EndArray();
  WriteNumbers(j, "hourly_events", in.hourly_events);
  Field(j, "hours_sampled", in.hours_sampled);
  Field(j, "total_events", in.total_events);
  Field(j, "avg_events_per_hour", in.avg_events_per_hour);
  Field(j, "min_hour_events", in.min_hour_events);
  Field(j, "active_sources", in.active_sources);
  Field(j, "freshness_peak_seconds", in.freshness_peak_seconds);
  j.Key("sources").BeginArray();
  for (const SourceIngestion& s : in.sources) {
    j.BeginObject();
    Field(j, "target", s.target);
    Field(j, "source", s.source);
    WriteNumbers(j, "hourly_events", s.hourly_events);
    Field(j, "total_events", s.total_events);
    Field(j, "max_last_event_age_seconds", s.max_last_event_age_seconds);
    Field(j, "gap", s.gap);
    Field(j, "api_requests", s.api_requests);
    Field(j, "api_avg_response_seconds", s.api_avg_response_seconds);
    Field(j, "api_success_ratio", s.api_success_ratio);
    j.EndObject();
  }
  j.EndArray();
  j.Key("errors").BeginArray();
  for (const IngestionError& e : in.errors) {
    j.BeginObject();
    Field(j, "target", e.target);
    Field(j, "source", e.source);
    Field(j, "error_type", e.error_type);
    Field(j, "count", e.count);
    Field(j, "last_error_ms", e.last_error_ms);
    j.EndObject();
  }
  j.EndArray();
  WriteChart(j, "chart", in.chart);
  j.EndObject();
}

void WriteAlerts(JsonWriter& j, const AlertsSection& a) {
  j.Key("alerts").BeginObject();
  Field(j, "fired_count", static_cast<int64_t>(a.fired.size()));
  j.Key("by_rule").BeginArray();
  for (const auto& [rule, n] : a.by_rule) {
    j.BeginObject();
    Field(j, "rule", rule);
    Field(j, "count", n);
    j.EndObject();
  }
  j.EndArray();
  j.Key("fired").BeginArray();
  for (const FiredAlert& f : a.fired) {
    j.BeginObject();
    Field(j, "at_ms", f.at_ms);
    Field(j, "rule", f.rule);
    Field(j, "severity", f.severity);
    Field(j, "labels", f.labels);
    Field(j, "value", f.value);
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
}

void WriteGroups(JsonWriter& j, const std::vector<ProcessGroupGrowth>& groups) {
  j.Key("process_groups").BeginArray();
  for (const ProcessGroupGrowth& g : groups) {
    j.BeginObject();
    Field(j, "host", g.host);
    Field(j, "group", g.group);
    Field(j, "first_hour_bytes", g.first_hour_bytes);
    Field(j, "last_hour_bytes", g.last_hour_bytes);
    Field(j, "growth_bytes", g.growth_bytes);
    Field(j, "growth_ratio", g.growth_ratio);
    Field(j, "grew", g.grew);
    j.EndObject();
  }
  j.EndArray();
}

void WriteDay(JsonWriter& j, const DayFigures& d) {
  j.BeginObject();
  Field(j, "date", d.date);
  Field(j, "weekday", d.weekday);
  Field(j, "start_ms", d.start_ms);
  Field(j, "end_ms", d.end_ms);
  Field(j, "total_events", d.total_events);
  Field(j, "active_sources", d.active_sources);
  Field(j, "api_avg_response_seconds", d.api_avg_response_seconds);
  Field(j, "api_avg_success_ratio", d.api_avg_success_ratio);
  Field(j, "p95_latency_seconds", d.p95_latency_seconds);
  Field(j, "error_rate", d.error_rate);
  Field(j, "availability", d.availability);
  Field(j, "cpu_peak", d.cpu_peak);
  Field(j, "memory_peak", d.memory_peak);
  Field(j, "alerts_fired", d.alerts_fired);
  j.EndObject();
}

void WriteWeek(JsonWriter& j, const char* key, const WeekFigures& f) {
  j.Key(key).BeginObject();
  Field(j, "label", f.label);
  Field(j, "total_events", f.total_events);
  Field(j, "active_sources", f.active_sources);
  Field(j, "api_avg_response_seconds", f.api_avg_response_seconds);
  Field(j, "api_avg_success_ratio", f.api_avg_success_ratio);
  Field(j, "p95_latency_seconds", f.p95_latency_seconds);
  Field(j, "error_rate", f.error_rate);
  Field(j, "availability", f.availability);
  Field(j, "cpu_peak", f.cpu_peak);
  Field(j, "memory_peak", f.memory_peak);
  Field(j, "alerts_fired", f.alerts_fired);
  j.EndObject();
}

void WriteWeekly(JsonWriter& j, const WeeklyReport& w) {
  j.Key("weekly").BeginObject();
  j.Key("days").BeginArray();
  for (const DayFigures& d : w.days) WriteDay(j, d);
  j.EndArray();
  j.Key("previous_days").BeginArray();
  for (const DayFigures& d : w.previous_days) WriteDay(j, d);
  j.EndArray();
  WriteWeek(j, "this_week", w.this_week);
  WriteWeek(j, "previous_week", w.previous_week);
  j.Key("changes").BeginArray();
  for (const WeekChange& c : w.changes) {
    j.BeginObject();
    Field(j, "id", c.id);
    Field(j, "name", c.name);
    Field(j, "unit", std::string(UnitName(c.unit)));
    Field(j, "higher_is_better", c.higher_is_better);
    Field(j, "this_week", c.this_week);
    Field(j, "previous_week", c.previous_week);
    Field(j, "change", c.change);
    Field(j, "change_ratio", c.change_ratio);
    j.EndObject();
  }
  j.EndArray();
  WriteChart(j, "events_chart", w.events_chart);
  WriteChart(j, "latency_chart", w.latency_chart);
  j.EndObject();
}

}  // namespace

std::string RenderJson(const Report& report) {
  std::ostringstream out;
  JsonWriter j(out);
  j.BeginObject();
  Field(j, "schema", std::string(kReportJsonSchema));
  Field(j, "kind", std::string(ReportKindName(report.period.kind)));
  WritePeriod(j, report.period);
  Field(j, "generated_ms", report.generated_ms);
  if (report.daily) {
    const DailyReport& r = *report.daily;
    j.Key("daily").BeginObject();
    WriteKpis(j, r.kpis);
    WriteEndpoints(j, r.endpoints);
    WriteHosts(j, r.hosts);
    WriteDatabase(j, r.database);
    WriteIngestion(j, r.ingestion);
    WriteAlerts(j, r.alerts);
    WriteGroups(j, r.process_groups);
    j.EndObject();
  }
  if (report.weekly) WriteWeekly(j, *report.weekly);
  j.EndObject();
  out << "\n";
  return out.str();
}

}  // namespace scout::collector::reports
