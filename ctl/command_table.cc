#include "ctl/command_table.h"

#include <cstdlib>
#include <iostream>

#include <unistd.h>

#include "ctl/storage_command.h"

namespace scout::ctl {
namespace {

using Args = CommandArgs;

// ---- Flags shared by several commands ----

void SelectorFlag(CLI::App& cmd, Args& a, const char* help) {
  cmd.add_option("selector", a.selector_text, help);
}

void HostFilterFlag(CLI::App& cmd, Args& a) {
  cmd.add_option("--host", a.host, "Only this agent (default: every host)");
}

void DbTargetFlag(CLI::App& cmd, Args& a) {
  cmd.add_option("--target", a.db_target, "Only this PostgreSQL target (default: all)");
}

void ReportOutputFlags(CLI::App& cmd, Args& a) {
  cmd.add_option("--format", a.report.format, "html (default), md or json");
  cmd.add_option("-o,--output", a.report.output_file,
                 "Write to FILE (its extension picks the format) instead of stdout");
  cmd.add_option("--tz", a.report.timezone, "IANA time zone (default: the collector's)");
}

// ---- Flags of one command ----

void QueryFlags(CLI::App& cmd, Args& a) {
  QueryArgs& q = a.query;
  cmd.add_option("selector", q.selector, "Series selector")->required();
  cmd.add_option("--since", q.range.since, "Start, as a duration ago (default: 1h)");
  cmd.add_option("--until", q.range.until, "End, as a duration ago (default: now)");
  cmd.add_option("--start", q.range.start,
                 "Start: RFC 3339, epoch milliseconds, or local \"YYYY-MM-DD HH:MM:SS\"");
  cmd.add_option("--end", q.range.end, "End, same forms as --start, or now");
  cmd.add_option("--step", q.step, "Bucket width, e.g. 1m (default: collector picks)");
  cmd.add_option("--agg", q.agg, "avg|min|max|sum|count|last|rate|p50|p95|p99 (default: avg)");
  cmd.add_flag("--long", q.long_form,
               "Table output: one SERIES/TIME/VALUE table instead of one per series");
}

void ProbeFlags(CLI::App& cmd, Args& a) {
  ProbeArgs& p = a.probe;
  cmd.add_option("url", p.url, "http:// or https:// URL")->required();
  cmd.add_option("-H,--header", p.headers,
                 "\"Name: value\"; value may be ${ENV_VAR} or @file:PATH (never printed)");
  cmd.add_option("-X,--method", p.method, "HTTP method (default GET)");
  cmd.add_option("--probe-timeout", p.timeout, "Probe timeout (default 10s)");
  cmd.add_option("--expect", p.expect, "Accepted statuses, e.g. 200-299,304");
  cmd.add_option("--slow-after", p.slow_after, "SLOW above this (default 2s; APIs: 5s)");
  cmd.add_option("--ca-file", p.ca_file, "CA bundle for HTTPS");
  cmd.add_flag("-k,--insecure", p.insecure, "Do not verify the TLS certificate");
  cmd.add_flag("--no-follow", p.no_follow, "Do not follow redirects");
}

void SilenceAddFlags(CLI::App& cmd, Args& a) {
  SilenceAddArgs& s = a.silence_add;
  cmd.add_option("--match", s.match,
                 "NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX; repeatable, "
                 "all must match");
  cmd.add_option("--for", s.duration, "How long, e.g. 2h");
  cmd.add_option("--comment", s.comment, "Why (required)");
  cmd.add_option("--author", s.author, "Who (default: $USER)");
}

// ---- Plan steps: argument checks before connecting ----

// Stores a planned value, or returns the usage error.
template <typename T>
absl::Status Keep(absl::StatusOr<T> planned, T* into) {
  if (!planned.ok()) return planned.status();
  *into = *std::move(planned);
  return absl::OkStatus();
}

absl::Status PlanSelector(Args& a, const Context&, const Output&) {
  return Keep(ParseSelectorArg(a.selector_text), &a.selector);
}

absl::Status PlanReportOf(Args& a, bool weekly) {
  a.report.weekly = weekly;
  return Keep(PlanReport(a.report), &a.report_request);
}

absl::Status RunPlannedReport(Stubs* s, Args& a, const Context& c, const Output& o) {
  return RunReport(*s->reports, c, a.report_request, a.report.output_file, o);
}

// sctl probe: the probe's result is the answer; a failed probe exits 1
// without an error line (its output already says what failed).
absl::Status RunProbe(Args& a, const Output& out) {
  absl::StatusOr<bool> ok = RunProbeCommand(a.probe, *out.out, out.format);
  if (!ok.ok()) return ok.status();
  return *ok ? absl::OkStatus() : absl::UnavailableError("");
}

// One row per command: a table, not logic, so it stays in one piece (the
// one place that lists every command).
const std::vector<Command>* BuildCommands() {
  using C = const Context&;
  using O = const Output&;
  return new std::vector<Command>{
      {"", "agents", "List agents known to the collector", nullptr, nullptr,
       [](Stubs* s, Args&, C c, O o) { return RunAgents(*s->query, c, o); }},
      {"", "series", "List series matching a selector",
       [](CLI::App& cmd, Args& a) {
         SelectorFlag(cmd, a, "e.g. 'cpu_usage_ratio{host=~\"web-.*\"}'");
       },
       PlanSelector, [](Stubs* s, Args& a, C c, O o) { return RunSeries(*s->query, c, a.selector, o); }},
      {"", "query", "Aggregated values of series over time", QueryFlags,
       [](Args& a, C c, O o) {
         return Keep(PlanQuery(a.query, c.clock->NowMs(), o.tz), &a.query_plan);
       },
       [](Stubs* s, Args& a, C c, O o) { return RunQuery(*s->query, c, a.query_plan, o); }},
      {"", "storage",
       "Stored data per tier (raw, 1h, 1d rollups): rows, samples, size, bytes/sample", nullptr,
       nullptr, [](Stubs* s, Args&, C c, O o) { return RunStorage(*s->query, c, o); }},
      {"", "latest", "Newest sample of each matching series",
       [](CLI::App& cmd, Args& a) { SelectorFlag(cmd, a, "Series selector (default: all)"); },
       PlanSelector, [](Stubs* s, Args& a, C c, O o) { return RunLatest(*s->query, c, a.selector, o); }},
      {"", "host", "One-screen summary of a host against the KPIs",
       [](CLI::App& cmd, Args& a) {
         cmd.add_option("host", a.host, "Agent id (see sctl agents)")->required();
       },
       nullptr, [](Stubs* s, Args& a, C c, O o) { return RunHost(*s->query, c, a.host, o); }},
      {"", "probe", "Probe a URL once from here and show the phase timings", ProbeFlags, nullptr,
       [](Stubs*, Args& a, C, O o) { return RunProbe(a, o); }, /*local=*/true},
      {"", "probes", "Every probe: status, last/p95 latency, error rate, availability 24h/7d/30d",
       HostFilterFlag, nullptr,
       [](Stubs* s, Args& a, C c, O o) {
         return RunProbes(*s->query, c, a.host, isatty(STDOUT_FILENO) != 0, o);
       }},
      {"", "top", "Latest top processes and process groups",
       [](CLI::App& cmd, Args& a) {
         HostFilterFlag(cmd, a);
         cmd.add_option("-n,--limit", a.top_n, "How many processes (default: 10)");
       },
       nullptr, [](Stubs* s, Args& a, C c, O o) { return RunTop(*s->query, c, a.host, a.top_n, o); }},

      // sctl db ...: PostgreSQL views from the postgres plugin's series.
      {"", "db", "PostgreSQL: connections, slow queries, locks, tables, advice", nullptr, nullptr,
       nullptr},
      {"db", "connections", "Connections used of max_connections per target, by state",
       DbTargetFlag, nullptr,
       [](Stubs* s, Args& a, C c, O o) { return RunDbConnections(*s->query, c, a.db_target, o); }},
      {"db", "slow", "Top statements from pg_stat_statements, slowest mean first",
       [](CLI::App& cmd, Args& a) {
         DbTargetFlag(cmd, a);
         cmd.add_option("--min-mean", a.slow.min_mean,
                        "Only statements with a mean above this (default: 100ms, the guide's KPI)");
         cmd.add_flag("--all", a.slow.all, "Every statement, whatever its mean");
       },
       [](Args& a, C, O) { return Keep(PlanSlow(a.slow), &a.slow_filter); },
       [](Stubs* s, Args& a, C c, O o) {
         return RunDbSlow(*s->query, c, a.db_target, a.slow_filter, o);
       }},
      {"db", "locks", "Current blocked/blocking session pairs and lock waits", DbTargetFlag,
       nullptr, [](Stubs* s, Args& a, C c, O o) { return RunDbLocks(*s->query, c, a.db_target, o); }},
      {"db", "long", "Current long-running queries", DbTargetFlag, nullptr,
       [](Stubs* s, Args& a, C c, O o) { return RunDbLong(*s->query, c, a.db_target, o); }},
      {"db", "tables", "Largest tables: size, growth, dead tuples, scans, vacuum",
       [](CLI::App& cmd, Args& a) {
         DbTargetFlag(cmd, a);
         cmd.add_option("-n,--limit", a.db_tables_n, "How many tables (default: 20; 0 = all)");
       },
       nullptr,
       [](Stubs* s, Args& a, C c, O o) {
         return RunDbTables(*s->query, c, a.db_target, a.db_tables_n, o);
       }},
      {"db", "indexes", "Index usage: UNUSED / LOW_USAGE / ACTIVE", DbTargetFlag, nullptr,
       [](Stubs* s, Args& a, C c, O o) { return RunDbIndexes(*s->query, c, a.db_target, o); }},
      {"db", "advise", "Apply the guide's tuning rules and list the findings", DbTargetFlag,
       nullptr,
       [](Stubs* s, Args& a, C c, O o) { return RunDbAdvise(*s->query, c, a.db_target, o); }},

      // Alerting: sctl alerts [history], sctl rules, sctl silence add|list|expire.
      {"", "alerts", "Firing and pending alerts now: state, value, since (the Alerts service)",
       [](CLI::App& cmd, Args& a) {
         cmd.add_flag("--all", a.alerts_all, "Also recently resolved alerts");
       },
       nullptr,
       [](Stubs* s, Args& a, C c, O o) { return RunAlerts(*s->alerts, c, a.alerts_all, o); }},
      {"alerts", "history", "Alert state changes (oldest first)",
       [](CLI::App& cmd, Args& a) {
         cmd.add_option("--since", a.history.since, "How far back (default: 24h)");
         cmd.add_option("--limit", a.history.limit,
                        "At most this many changes (default: the collector's, 1000)");
       },
       [](Args& a, C c, O) {
         return Keep(PlanAlertHistory(a.history, c.clock->NowMs()), &a.history_request);
       },
       [](Stubs* s, Args& a, C c, O o) {
         return RunAlertHistory(*s->alerts, c, a.history_request, o);
       }},
      {"", "rules", "Loaded alert rules: state, firing/pending counts, last evaluation", nullptr,
       nullptr, [](Stubs* s, Args&, C c, O o) { return RunRules(*s->alerts, c, o); }},
      {"", "silence", "Silence alerts: add, list, expire", nullptr, nullptr, nullptr},
      {"silence", "add",
       "Silence the alerts matching every --match for a while (still shown, not sent)",
       SilenceAddFlags,
       [](Args& a, C, O) {
         return Keep(PlanSilenceAdd(a.silence_add, std::getenv("USER")), &a.silence_request);
       },
       [](Stubs* s, Args& a, C c, O o) {
         return RunSilenceAdd(*s->alerts, c, a.silence_request, o);
       }},
      {"silence", "list", "Active silences, ending soonest first",
       [](CLI::App& cmd, Args& a) { cmd.add_flag("--all", a.silence_all, "Also expired silences"); },
       nullptr,
       [](Stubs* s, Args& a, C c, O o) { return RunSilenceList(*s->alerts, c, a.silence_all, o); }},
      {"silence", "expire", "End a silence now",
       [](CLI::App& cmd, Args& a) {
         cmd.add_option("id", a.silence_id, "Silence id (see sctl silence list)")->required();
       },
       nullptr,
       [](Stubs* s, Args& a, C c, O o) { return RunSilenceExpire(*s->alerts, c, a.silence_id, o); }},

      // Reports: sctl report daily|weekly|list|get.
      {"", "report", "Daily and weekly performance reports", nullptr, nullptr, nullptr},
      {"report", "daily", "One day's report (default: yesterday, in the report time zone)",
       [](CLI::App& cmd, Args& a) {
         cmd.add_option("--date", a.report.period, "YYYY-MM-DD");
         ReportOutputFlags(cmd, a);
       },
       [](Args& a, C, O) { return PlanReportOf(a, /*weekly=*/false); },
       RunPlannedReport},
      {"report", "weekly", "One ISO week's report (default: last week)",
       [](CLI::App& cmd, Args& a) {
         cmd.add_option("--week", a.report.period, "YYYY-Www, e.g. 2026-W48");
         ReportOutputFlags(cmd, a);
       },
       [](Args& a, C, O) { return PlanReportOf(a, /*weekly=*/true); },
       RunPlannedReport},
      {"report", "list", "Reports the collector wrote on its schedule", nullptr, nullptr,
       [](Stubs* s, Args&, C c, O o) { return RunReportList(*s->reports, c, o); }},
      {"report", "get", "Fetch a written report (see report list)",
       [](CLI::App& cmd, Args& a) {
         cmd.add_option("name", a.report_name, "e.g. daily-2026-11-26.html")->required();
         cmd.add_option("-o,--output", a.report.output_file, "Write to FILE instead of stdout");
       },
       nullptr,
       [](Stubs* s, Args& a, C c, O o) {
         return RunReportGet(*s->reports, c, a.report_name, a.report.output_file, o);
       }},
  };
}

}  // namespace

Stubs::Stubs(const std::shared_ptr<grpc::Channel>& channel)
    : query(v1::Query::NewStub(channel)),
      alerts(v1::Alerts::NewStub(channel)),
      reports(v1::Reports::NewStub(channel)) {}

const std::vector<Command>& Commands() {
  static const std::vector<Command>* commands = BuildCommands();
  return *commands;
}

}  // namespace scout::ctl
