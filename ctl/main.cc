// sctl: command-line client of the collector (Query, Alerts and Reports services).
//
// Exit codes: 0 success, 1 the collector could not answer (unreachable or
// an RPC error), 2 usage error (bad flag, selector, duration, config file).
// Every error is a single "sctl: ..." line on stderr.
#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "ctl/alert_commands.h"
#include "ctl/report_commands.h"
#include "ctl/commands.h"
#include "ctl/db_commands.h"
#include "ctl/host_commands.h"
#include "ctl/probe_command.h"
#include "ctl/storage_command.h"
#include "ctl/format.h"
#include "shared/clock.h"
#include "shared/duration.h"
#include "shared/version.h"
#include "shared/yaml_config.h"

namespace scout::ctl {
namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr const char* kDefaultCollector = "127.0.0.1:7070";

// Global flags as typed; empty means "not given".
struct GlobalFlags {
  std::string collector;
  std::string output;
  std::string timeout;
  std::string config;
};

struct Settings {
  std::string collector = kDefaultCollector;
  OutputFormat format = OutputFormat::kTable;
  std::chrono::milliseconds timeout{10'000};
};

// Precedence per setting: flag > environment > config file > default.
absl::StatusOr<Settings> ResolveSettings(const GlobalFlags& flags, const char* env_collector) {
  Settings settings;
  std::string output = "table";
  if (!flags.config.empty()) {
    auto config = ConfigMap::LoadFile(flags.config);
    if (!config.ok()) return config.status();
    absl::Status status = config->Read("collector", &settings.collector);
    if (status.ok()) status = config->Read("output", &output);
    if (status.ok()) status = config->ReadDuration("timeout", &settings.timeout);
    if (status.ok()) status = config->CheckNoUnknownKeys();
    if (status.ok() && !ParseOutputFormat(output).ok()) {
      status = config->ErrorAt("output", "expected table, json or csv");
    }
    if (status.ok() && settings.timeout.count() <= 0) {
      status = config->ErrorAt("timeout", "must be positive");
    }
    if (!status.ok()) return status;
  }
  if (env_collector != nullptr && *env_collector != '\0') settings.collector = env_collector;
  if (!flags.collector.empty()) settings.collector = flags.collector;
  if (!flags.output.empty()) output = flags.output;
  auto format = ParseOutputFormat(output);
  if (!format.ok()) return format.status();
  settings.format = *format;
  if (!flags.timeout.empty()) {
    auto timeout = ParseDuration(flags.timeout);
    if (!timeout.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--timeout: ", timeout.status().message()));
    }
    if (timeout->count() <= 0) return absl::InvalidArgumentError("--timeout must be positive");
    settings.timeout = *timeout;
  }
  return settings;
}

int UsageError(const std::string& message) {
  std::cerr << "sctl: " << message << '\n';
  return kExitUsage;
}

int Main(int argc, char** argv) {
  CLI::App app{"Ask a Scout collector: agents, series, time ranges, hosts, probes, databases, "
               "alerts, silences, reports and storage.",
               "sctl"};
  app.set_version_flag("--version", absl::StrCat("sctl ", kVersion));
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand

  GlobalFlags flags;
  app.add_option("--collector", flags.collector,
                 "Collector address (default: $SCOUT_COLLECTOR, else 127.0.0.1:7070)");
  app.add_option("-o,--output", flags.output, "Output format: table (default), json, csv");
  app.add_option("--timeout", flags.timeout, "Deadline of each RPC (default: 10s)");
  app.add_option("--config", flags.config,
                 "YAML file with keys collector, output, timeout (flags and env win)");

  CLI::App* agents = app.add_subcommand("agents", "List agents known to the collector");

  std::string selector_text;
  CLI::App* series = app.add_subcommand("series", "List series matching a selector");
  series->add_option("selector", selector_text, "e.g. 'cpu_usage_ratio{host=~\"web-.*\"}'");

  QueryArgs query_args;
  CLI::App* query = app.add_subcommand("query", "Aggregated values of series over time");
  query->add_option("selector", query_args.selector, "Series selector")->required();
  query->add_option("--since", query_args.range.since, "Start, as a duration ago (default: 1h)");
  query->add_option("--until", query_args.range.until, "End, as a duration ago (default: now)");
  query->add_option("--start", query_args.range.start,
                    "Start: RFC 3339, epoch milliseconds, or local \"YYYY-MM-DD HH:MM:SS\"");
  query->add_option("--end", query_args.range.end, "End, same forms as --start, or now");
  query->add_option("--step", query_args.step, "Bucket width, e.g. 1m (default: collector picks)");
  query->add_option("--agg", query_args.agg,
                    "avg|min|max|sum|count|last|rate|p50|p95|p99 (default: avg)");
  query->add_flag("--long", query_args.long_form,
                  "Table output: one SERIES/TIME/VALUE table instead of one per series");

  CLI::App* storage = app.add_subcommand(
      "storage", "Stored data per tier (raw, 1h, 1d rollups): rows, samples, size, bytes/sample");

  CLI::App* latest = app.add_subcommand("latest", "Newest sample of each matching series");
  latest->add_option("selector", selector_text, "Series selector (default: all)");

  std::string host_name;
  CLI::App* host = app.add_subcommand("host", "One-screen summary of a host against the KPIs");
  host->add_option("host", host_name, "Agent id (see sctl agents)")->required();

  ProbeArgs probe_args;
  CLI::App* probe = app.add_subcommand("probe", "Probe a URL once from here and show the phase timings");
  probe->add_option("url", probe_args.url, "http:// or https:// URL")->required();
  probe->add_option("-H,--header", probe_args.headers,
                    "\"Name: value\"; value may be ${ENV_VAR} or @file:PATH (never printed)");
  probe->add_option("-X,--method", probe_args.method, "HTTP method (default GET)");
  probe->add_option("--probe-timeout", probe_args.timeout, "Probe timeout (default 10s)");
  probe->add_option("--expect", probe_args.expect, "Accepted statuses, e.g. 200-299,304");
  probe->add_option("--slow-after", probe_args.slow_after, "SLOW above this (default 2s; APIs: 5s)");
  probe->add_option("--ca-file", probe_args.ca_file, "CA bundle for HTTPS");
  probe->add_flag("-k,--insecure", probe_args.insecure, "Do not verify the TLS certificate");
  probe->add_flag("--no-follow", probe_args.no_follow, "Do not follow redirects");

  CLI::App* probes = app.add_subcommand(
      "probes", "Every probe: status, last/p95 latency, error rate, availability 24h/7d/30d");
  probes->add_option("--host", host_name, "Only this agent (default: every host)");

  size_t top_n = 10;
  CLI::App* top = app.add_subcommand("top", "Latest top processes and process groups");
  top->add_option("--host", host_name, "Only this agent (default: every host)");
  top->add_option("-n,--limit", top_n, "How many processes (default: 10)");

  // sctl db ...: PostgreSQL views from the postgres plugin's series.
  std::string db_target;
  SlowArgs slow_args;
  size_t db_tables_n = 20;
  CLI::App* db = app.add_subcommand("db", "PostgreSQL: connections, slow queries, locks, tables, advice");
  db->require_subcommand(1);
  auto db_sub = [&](const char* name, const char* help) {
    CLI::App* sub = db->add_subcommand(name, help);
    sub->add_option("--target", db_target, "Only this PostgreSQL target (default: all)");
    return sub;
  };
  CLI::App* db_connections =
      db_sub("connections", "Connections used of max_connections per target, by state");
  CLI::App* db_slow = db_sub("slow", "Top statements from pg_stat_statements, slowest mean first");
  db_slow->add_option("--min-mean", slow_args.min_mean,
                      "Only statements with a mean above this (default: 100ms, the guide's KPI)");
  db_slow->add_flag("--all", slow_args.all, "Every statement, whatever its mean");
  CLI::App* db_locks = db_sub("locks", "Current blocked/blocking session pairs and lock waits");
  CLI::App* db_long = db_sub("long", "Current long-running queries");
  CLI::App* db_tables = db_sub("tables", "Largest tables: size, growth, dead tuples, scans, vacuum");
  db_tables->add_option("-n,--limit", db_tables_n, "How many tables (default: 20; 0 = all)");
  CLI::App* db_indexes = db_sub("indexes", "Index usage: UNUSED / LOW_USAGE / ACTIVE");
  CLI::App* db_advise = db_sub("advise", "Apply the guide's tuning rules and list the findings");

  // Alerting: sctl alerts [history], sctl rules, sctl silence add|list|expire.
  bool alerts_all = false;
  CLI::App* alerts = app.add_subcommand(
      "alerts", "Firing and pending alerts now: state, value, since (the Alerts service)");
  alerts->require_subcommand(0, 1);
  alerts->add_flag("--all", alerts_all, "Also recently resolved alerts");
  HistoryArgs history_args;
  CLI::App* alerts_history =
      alerts->add_subcommand("history", "Alert state changes (oldest first)");
  alerts_history->add_option("--since", history_args.since, "How far back (default: 24h)");
  alerts_history->add_option("--limit", history_args.limit,
                             "At most this many changes (default: the collector's, 1000)");

  CLI::App* rules = app.add_subcommand(
      "rules", "Loaded alert rules: state, firing/pending counts, last evaluation");

  CLI::App* silence = app.add_subcommand("silence", "Silence alerts: add, list, expire");
  silence->require_subcommand(1);
  SilenceAddArgs silence_add_args;
  CLI::App* silence_add = silence->add_subcommand(
      "add", "Silence the alerts matching every --match for a while (still shown, not sent)");
  silence_add->add_option("--match", silence_add_args.match,
                          "NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX; repeatable, "
                          "all must match");
  silence_add->add_option("--for", silence_add_args.duration, "How long, e.g. 2h");
  silence_add->add_option("--comment", silence_add_args.comment, "Why (required)");
  silence_add->add_option("--author", silence_add_args.author, "Who (default: $USER)");
  bool silence_all = false;
  CLI::App* silence_list = silence->add_subcommand("list", "Active silences, ending soonest first");
  silence_list->add_flag("--all", silence_all, "Also expired silences");
  std::string silence_id;
  CLI::App* silence_expire = silence->add_subcommand("expire", "End a silence now");
  silence_expire->add_option("id", silence_id, "Silence id (see sctl silence list)")->required();

  // Reports: sctl report daily|weekly|list|get.
  CLI::App* report = app.add_subcommand("report", "Daily and weekly performance reports");
  report->require_subcommand(1);
  ReportArgs report_args;
  const auto add_report_options = [&report_args](CLI::App* cmd) {
    cmd->add_option("--format", report_args.format, "html (default), md or json");
    cmd->add_option("-o,--output", report_args.output_file,
                    "Write to FILE (its extension picks the format) instead of stdout");
    cmd->add_option("--tz", report_args.timezone, "IANA time zone (default: the collector's)");
  };
  CLI::App* report_daily =
      report->add_subcommand("daily", "One day's report (default: yesterday, in the report time zone)");
  report_daily->add_option("--date", report_args.period, "YYYY-MM-DD");
  add_report_options(report_daily);
  CLI::App* report_weekly =
      report->add_subcommand("weekly", "One ISO week's report (default: last week)");
  report_weekly->add_option("--week", report_args.period, "YYYY-Www, e.g. 2026-W48");
  add_report_options(report_weekly);
  CLI::App* report_list = report->add_subcommand("list", "Reports the collector wrote on its schedule");
  std::string report_name;
  CLI::App* report_get = report->add_subcommand("get", "Fetch a written report (see report list)");
  report_get->add_option("name", report_name, "e.g. daily-2026-11-26.html")->required();
  report_get->add_option("-o,--output", report_args.output_file, "Write to FILE instead of stdout");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return UsageError(absl::StrCat(e.what(), " (see sctl --help)"));
  }

  auto settings = ResolveSettings(flags, std::getenv("SCOUT_COLLECTOR"));
  if (!settings.ok()) return UsageError(std::string(settings.status().message()));

  // A one-shot probe talks to the URL, not to the collector.
  if (probe->parsed()) {
    auto ok = RunProbeCommand(probe_args, std::cout, settings->format);
    if (!ok.ok()) {
      const bool usage = ok.status().code() == absl::StatusCode::kInvalidArgument;
      std::cerr << "sctl: " << ok.status().message() << '\n';
      return usage ? 2 : kExitRuntime;
    }
    return *ok ? 0 : kExitRuntime;
  }

  SystemClock clock;
  Output out{&std::cout, &std::cerr, settings->format, absl::LocalTimeZone()};
  Context ctx{settings->collector, settings->timeout, &clock};

  // Check every argument before connecting, so usage errors never depend on
  // whether the collector happens to be up.
  absl::StatusOr<v1::Selector> selector;
  absl::StatusOr<QueryPlan> plan;
  absl::StatusOr<SlowFilter> slow_filter;
  absl::StatusOr<v1::AlertHistoryRequest> history_request;
  absl::StatusOr<v1::AddSilenceRequest> silence_request;
  if (series->parsed() || latest->parsed()) {
    selector = ParseSelectorArg(selector_text);
    if (!selector.ok()) return UsageError(std::string(selector.status().message()));
  } else if (query->parsed()) {
    plan = PlanQuery(query_args, clock.NowMs(), out.tz);
    if (!plan.ok()) return UsageError(std::string(plan.status().message()));
  } else if (db_slow->parsed()) {
    slow_filter = PlanSlow(slow_args);
    if (!slow_filter.ok()) return UsageError(std::string(slow_filter.status().message()));
  } else if (alerts_history->parsed()) {
    history_request = PlanAlertHistory(history_args, clock.NowMs());
    if (!history_request.ok()) {
      return UsageError(std::string(history_request.status().message()));
    }
  } else if (silence_add->parsed()) {
    silence_request = PlanSilenceAdd(silence_add_args, std::getenv("USER"));
    if (!silence_request.ok()) {
      return UsageError(std::string(silence_request.status().message()));
    }
  }
  absl::StatusOr<v1::GenerateReportRequest> report_request;
  if (report_daily->parsed() || report_weekly->parsed()) {
    report_args.weekly = report_weekly->parsed();
    report_request = PlanReport(report_args);
    if (!report_request.ok()) return UsageError(std::string(report_request.status().message()));
  }

  // Reports (HTML with inline charts) can exceed gRPC's 4 MiB default.
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(256 << 20);
  auto channel = grpc::CreateCustomChannel(settings->collector, grpc::InsecureChannelCredentials(),
                                           channel_args);
  std::unique_ptr<v1::Query::Stub> stub = v1::Query::NewStub(channel);
  std::unique_ptr<v1::Alerts::Stub> alerts_stub = v1::Alerts::NewStub(channel);
  std::unique_ptr<v1::Reports::Stub> reports_stub = v1::Reports::NewStub(channel);
  absl::Status status;
  if (report_request.ok() && (report_daily->parsed() || report_weekly->parsed())) {
    status = RunReport(*reports_stub, ctx, *report_request, report_args.output_file, out);
  } else if (report_list->parsed()) {
    status = RunReportList(*reports_stub, ctx, out);
  } else if (report_get->parsed()) {
    status = RunReportGet(*reports_stub, ctx, report_name, report_args.output_file, out);
  } else if (alerts_history->parsed()) {
    status = RunAlertHistory(*alerts_stub, ctx, *history_request, out);
  } else if (alerts->parsed()) {
    status = RunAlerts(*alerts_stub, ctx, alerts_all, out);
  } else if (rules->parsed()) {
    status = RunRules(*alerts_stub, ctx, out);
  } else if (silence_add->parsed()) {
    status = RunSilenceAdd(*alerts_stub, ctx, *silence_request, out);
  } else if (silence_list->parsed()) {
    status = RunSilenceList(*alerts_stub, ctx, silence_all, out);
  } else if (silence_expire->parsed()) {
    status = RunSilenceExpire(*alerts_stub, ctx, silence_id, out);
  } else if (agents->parsed()) {
    status = RunAgents(*stub, ctx, out);
  } else if (storage->parsed()) {
    status = RunStorage(*stub, ctx, out);
  } else if (series->parsed()) {
    status = RunSeries(*stub, ctx, *selector, out);
  } else if (query->parsed()) {
    status = RunQuery(*stub, ctx, *plan, out);
  } else if (host->parsed()) {
    status = RunHost(*stub, ctx, host_name, out);
  } else if (probes->parsed()) {
    status = RunProbes(*stub, ctx, host_name, isatty(STDOUT_FILENO) != 0, out);
  } else if (top->parsed()) {
    status = RunTop(*stub, ctx, host_name, top_n, out);
  } else if (db_connections->parsed()) {
    status = RunDbConnections(*stub, ctx, db_target, out);
  } else if (db_slow->parsed()) {
    status = RunDbSlow(*stub, ctx, db_target, *slow_filter, out);
  } else if (db_locks->parsed()) {
    status = RunDbLocks(*stub, ctx, db_target, out);
  } else if (db_long->parsed()) {
    status = RunDbLong(*stub, ctx, db_target, out);
  } else if (db_tables->parsed()) {
    status = RunDbTables(*stub, ctx, db_target, db_tables_n, out);
  } else if (db_indexes->parsed()) {
    status = RunDbIndexes(*stub, ctx, db_target, out);
  } else if (db_advise->parsed()) {
    status = RunDbAdvise(*stub, ctx, db_target, out);
  } else {
    status = RunLatest(*stub, ctx, *selector, out);
  }
  if (!status.ok()) {
    std::cerr << "sctl: " << status.message() << '\n';
    return kExitRuntime;
  }
  std::cout.flush();
  if (!std::cout && errno != EPIPE) {
    std::cerr << "sctl: cannot write output\n";
    return kExitRuntime;
  }
  return std::cout ? 0 : kExitRuntime;
}

}  // namespace
}  // namespace scout::ctl

int main(int argc, char** argv) { return scout::ctl::Main(argc, argv); }
