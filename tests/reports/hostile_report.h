// Hostile strings for the report renderers: PoisonReport replaces every
// string of a Report that comes from data (names, labels, statement text,
// advice, chart titles and line names, ...) with strings that try to break
// out of Markdown or HTML, so a test can check the output holds no link,
// image or HTML node. Used by report_unit_test and by
// `scout-report-fixture --hostile` (tests/reports/markdown_commonmark_test.sh).
#pragma once

#include <string>
#include <vector>

#include "collector/reports/report_model.h"

namespace scout::testing {

// Each one alone must render as literal text.
inline const std::vector<std::string>& HostileStrings() {
  static const std::vector<std::string> kStrings = {
      "select `x` from t where a = '`' -- ``` ````",
      "<img src=x onerror=alert(1)>",
      "[x](javascript:alert(1))",
      "![i](http://evil.example/p.png)",
      "<script>alert(1)</script>",
      "`<b>bold</b>`",
      "<http://evil.example/auto>",
      "x\n\n<div onclick=alert(1)>block</div>\n[y]: javascript:alert(2)\n",
      "[ref][y] and *em* _u_ | pipe \\| esc \\",
      "www.evil.example and https://evil.example/q?a=1&amp;b",
      "&lt;img src=x onerror=alert(3)&gt;",
      "    indented\r\n# heading\r- item",
  };
  return kStrings;
}

// Replaces every data string of `report` (rotating through HostileStrings()).
inline void PoisonReport(collector::reports::Report& report) {
  using namespace collector::reports;
  size_t next = 0;
  auto h = [&](std::string& s) { s = HostileStrings()[next++ % HostileStrings().size()]; };
  auto chart = [&](Chart& c) {
    h(c.title);
    for (ChartLine& l : c.lines) h(l.name);
  };
  if (report.daily) {
    DailyReport& d = *report.daily;
    for (Kpi& k : d.kpis) h(k.subject);
    for (EndpointStats& e : d.endpoints) {
      h(e.probe), h(e.host), h(e.target), h(e.protocol), h(e.kind);
      chart(e.chart);
    }
    for (HostStats& x : d.hosts) {
      h(x.host), h(x.disk_mountpoint);
      chart(x.chart);
    }
    for (DbTargetStats& t : d.database.targets) h(t.host), h(t.target);
    for (SlowQuery& q : d.database.slow_queries) {
      h(q.host), h(q.target), h(q.queryid), h(q.datname), h(q.user), h(q.query);
    }
    for (LockWait& w : d.database.lock_waits) {
      h(w.host), h(w.target), h(w.datname), h(w.blocked_query), h(w.blocking_query);
      h(w.blocked_user), h(w.blocking_user);
    }
    for (guide::Advice& a : d.database.advice) {
      h(a.host), h(a.target), h(a.object), h(a.finding), h(a.detail), h(a.query);
    }
    for (SourceIngestion& s : d.ingestion.sources) h(s.source), h(s.target);
    for (IngestionError& e : d.ingestion.errors) h(e.source), h(e.target), h(e.error_type);
    chart(d.ingestion.chart);
    for (FiredAlert& a : d.alerts.fired) h(a.rule), h(a.severity), h(a.labels);
    for (auto& [rule, n] : d.alerts.by_rule) h(rule);
    for (ProcessGroupGrowth& g : d.process_groups) h(g.host), h(g.group);
  }
  if (report.weekly) {
    WeeklyReport& w = *report.weekly;
    chart(w.events_chart);
    chart(w.latency_chart);
  }
}

}  // namespace scout::testing
