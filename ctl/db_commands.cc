#include "ctl/db_commands.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/duration.h"
#include "shared/proto_convert.h"
#include "shared/selector.h"
#include "shared/status_macros.h"

namespace scout::ctl {
namespace {

using Align = TextTable::Align;

constexpr size_t kQueryColumnChars = 60;
constexpr int64_t kGrowthWindowMs = 24 * 3600 * 1000LL;
// The size history is read one hour beyond the day, so a baseline at or
// before "latest - 24 h" exists even when the latest sample is not fresh,
// in 10-minute LAST buckets (150 points per table).
constexpr int64_t kGrowthReadMs = kGrowthWindowMs + 3600 * 1000LL;
constexpr int64_t kGrowthStepMs = 10 * 60 * 1000LL;

constexpr const char* kEnableStatStatements =
    "pg_stat_statements is not installed (or not readable) in this target's database. To "
    "enable it: add pg_stat_statements to shared_preload_libraries in postgresql.conf "
    "(shared_preload_libraries = 'pg_stat_statements'), restart PostgreSQL, then run "
    "CREATE EXTENSION pg_stat_statements; in the database the target's DSN connects to "
    "(the monitoring role needs pg_read_all_stats to see other users' statements).";

Selector DbSelector(const std::string& target, const std::string& metric_regex) {
  Selector sel;
  sel.matchers.push_back({"__name__", MatchOp::kRegexMatch, metric_regex});
  if (!target.empty()) sel.matchers.push_back({"target", MatchOp::kEqual, target});
  return sel;
}

// A truncated answer (more series than the limit) is used, with a note on
// stderr: partial advice beats none, but the reader must know.
absl::Status FetchSnapshot(v1::Query::StubInterface& stub, const Context& ctx,
                           const std::string& target, const std::string& metric_regex,
                           const Output& out, DbSnapshot* snap) {
  v1::LatestRequest request;
  *request.mutable_selector() = SelectorToProto(DbSelector(target, metric_regex));
  request.set_limit(100'000);
  v1::LatestResponse response;
  SCOUT_RETURN_IF_ERROR(Call(ctx, stub, &v1::Query::StubInterface::Latest, request, &response));
  std::vector<SeriesPoints> latest;
  latest.reserve(response.series_size());
  for (const v1::SeriesPoints& s : response.series()) latest.push_back(SeriesPointsFromProto(s));
  *snap = BuildDbSnapshot(latest);
  if (response.truncated() && out.err != nullptr) {
    *out.err << "sctl: note: the collector returned only the first " << response.series_size()
             << " series; figures below are incomplete (use --target to narrow)\n";
  }
  return absl::OkStatus();
}

// The metric names each command needs; scout_postgres_up always, since it
// defines the current scrape.
std::string Metrics(const std::string& alternatives) {
  return absl::StrCat("scout_postgres_(up|", alternatives, ")");
}

// True (and a note in table mode) when there is nothing to show at all.
bool NoteNoTargets(const DbSnapshot& snap, const std::string& target, const Output& out) {
  if (!snap.targets.empty()) return false;
  if (out.format == OutputFormat::kTable) {
    if (target.empty()) {
      *out.err << "sctl: no recent PostgreSQL data (is the postgres plugin configured on an "
                  "agent? see sctl series 'scout_postgres_up')\n";
    } else {
      *out.err << "sctl: no recent data for PostgreSQL target \"" << target << "\"\n";
    }
  }
  return true;
}

void NoteUnreadable(const DbSnapshot& snap, const Output& out) {
  if (out.format != OutputFormat::kTable) return;
  for (const DbTarget& t : snap.targets) {
    for (const std::string& db : t.unreadable_databases) {
      *out.err << "sctl: target " << SanitizeForTerminal(t.target) << ": database "
               << SanitizeForTerminal(db)
               << " could not be read in the latest scrape; its rows are last known values\n";
    }
  }
}

void NoteDown(const DbSnapshot& snap, const Output& out) {
  if (out.format != OutputFormat::kTable) return;
  for (const DbTarget& t : snap.targets) {
    if (t.up == 0) {
      *out.err << "sctl: target " << SanitizeForTerminal(t.target)
               << " is down (scout_postgres_up = 0): no current figures\n";
    }
  }
}

std::string Dash(double v, std::string (*format)(double)) { return v < 0 ? "-" : format(v); }
std::string Num(double v) { return Dash(v, FormatNumber); }
std::string Secs(double v) { return Dash(v, FormatSeconds); }
std::string Bytes(double v) { return Dash(v, FormatBytes); }
std::string Pct(double v) { return Dash(v, FormatPercent); }
std::string Raw(double v) { return v < 0 ? "" : FormatRawNumber(v); }

// JSON number, or null when unknown.
void JsonValue(JsonWriter& json, const char* key, double v) {
  json.Key(key);
  if (v < 0) {
    json.Number(std::nan(""));
  } else {
    json.Number(v);
  }
}

std::string HealthText(Health h) {
  const char* name = HealthName(h);
  return *name == '\0' ? "-" : name;
}

std::string StatusOfTarget(const DbTarget& t) {
  if (t.up == 0) return "DOWN";
  if (t.up < 0) return "-";
  return HealthText(ConnectionHealth(t.used_ratio));
}

std::string StatesText(const DbTarget& t, const char* sep) {
  return absl::StrJoin(t.by_state, sep, [](std::string* o, const auto& kv) {
    absl::StrAppend(o, kv.first, "=", FormatNumber(kv.second));
  });
}

std::string TableId(const DbTable& t) {
  return absl::StrCat(t.host, "\x1f", t.target, "\x1f", t.datname, "\x1f", t.schema, "\x1f",
                      t.table);
}

std::string GrowthCell(const Growth& g) {
  if (!g.known) return "-";
  const std::string sign = g.bytes > 0 ? "+" : "";
  return absl::StrCat(sign, FormatBytes(g.bytes), " (", FormatAge(g.span_ms), ")");
}

}  // namespace

// ---- Judging ----

Health ConnectionHealth(double used_ratio) {
  if (used_ratio < 0) return Health::kInfo;
  if (used_ratio >= guide::kConnectionsCriticalRatio) return Health::kCritical;
  if (used_ratio >= guide::kConnectionsWarningRatio) return Health::kWarning;
  return Health::kOk;
}

Health LockWaitHealth(double wait_seconds) {
  if (wait_seconds < 0) return Health::kInfo;
  if (wait_seconds >= guide::kBlockingAlertSeconds) return Health::kCritical;
  if (wait_seconds >= guide::kLockWaitKpiSeconds) return Health::kWarning;
  return Health::kOk;
}

const char* IndexUsageStatus(double scans) {
  if (scans < 0) return "";
  if (scans == 0) return "UNUSED";
  if (scans < guide::kIndexLowUsageScans) return "LOW_USAGE";
  return "ACTIVE";
}

// ---- Selection ----

absl::StatusOr<SlowFilter> PlanSlow(const SlowArgs& args) {
  SlowFilter filter;
  filter.all = args.all;
  auto d = ParseDuration(args.min_mean);
  if (!d.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--min-mean: ", d.status().message()));
  }
  if (d->count() < 0) return absl::InvalidArgumentError("--min-mean must not be negative");
  filter.min_mean_seconds = static_cast<double>(d->count()) / 1000.0;
  return filter;
}

std::vector<DbStatement> SlowStatements(const DbSnapshot& snap, const SlowFilter& filter) {
  std::vector<DbStatement> rows;
  for (const DbStatement& s : snap.statements) {
    if (filter.all || s.mean_seconds > filter.min_mean_seconds) rows.push_back(s);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const DbStatement& a, const DbStatement& b) {
    return a.mean_seconds > b.mean_seconds;
  });
  return rows;
}

std::vector<DbTable> TablesBySize(const DbSnapshot& snap, size_t limit) {
  std::vector<DbTable> rows = snap.tables;
  std::stable_sort(rows.begin(), rows.end(), [](const DbTable& a, const DbTable& b) {
    return a.size_bytes > b.size_bytes;
  });
  if (limit > 0 && rows.size() > limit) rows.resize(limit);
  return rows;
}

std::vector<DbIndex> IndexesByScans(const DbSnapshot& snap) {
  std::vector<DbIndex> rows;
  for (const DbIndex& i : snap.indexes) {
    if (i.scans >= 0) rows.push_back(i);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const DbIndex& a, const DbIndex& b) {
    return a.scans != b.scans ? a.scans < b.scans : a.size_bytes > b.size_bytes;
  });
  return rows;
}

Growth ComputeGrowth(const std::vector<Point>& sizes, int64_t window_ms) {
  Growth g;
  if (sizes.size() < 2) return g;
  const Point& latest = sizes.back();
  const Point* base = &sizes.front();
  for (const Point& p : sizes) {
    if (p.timestamp_ms > latest.timestamp_ms - window_ms) break;
    base = &p;
  }
  if (base == &latest) return g;
  g.known = true;
  g.bytes = latest.value - base->value;
  g.span_ms = latest.timestamp_ms - base->timestamp_ms;
  return g;
}

std::string TruncateText(const std::string& text, size_t max_chars) {
  // Count code points (bytes that are not UTF-8 continuation bytes).
  size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  if (chars <= max_chars) return text;
  if (max_chars == 0) return "";
  size_t keep = max_chars - 1, i = 0, seen = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (seen == keep) break;
      ++seen;
    }
  }
  return text.substr(0, i) + "\xE2\x80\xA6";  // "…"
}

// ---- Commands ----

absl::Status RunDbConnections(v1::Query::StubInterface& stub, const Context& ctx,
                              const std::string& target, const Output& out) {
  DbSnapshot snap;
  SCOUT_RETURN_IF_ERROR(FetchSnapshot(
      stub, ctx, target,
      Metrics("connections|active_connections|max_connections|connections_used_ratio"), out, &snap));
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("targets").BeginArray();
    for (const DbTarget& t : snap.targets) {
      json.BeginObject().Key("target").String(t.target).Key("host").String(t.host);
      JsonValue(json, "up", t.up);
      JsonValue(json, "total", t.total_connections);
      JsonValue(json, "max", t.max_connections);
      JsonValue(json, "used_ratio", t.used_ratio);
      json.Key("status").String(StatusOfTarget(t));
      JsonValue(json, "active", t.active_connections);
      json.Key("by_state").BeginObject();
      for (const auto& [state, n] : t.by_state) json.Key(state).Number(n);
      json.EndObject().EndObject();
    }
    json.EndArray().EndObject();
    *out.out << '\n';
    return absl::OkStatus();
  }
  if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"target", "host", "up", "total", "max", "used_ratio", "status",
                           "active", "by_state"});
    for (const DbTarget& t : snap.targets) {
      WriteCsvRow(*out.out, {t.target, t.host, Raw(t.up), Raw(t.total_connections),
                             Raw(t.max_connections), Raw(t.used_ratio), StatusOfTarget(t),
                             Raw(t.active_connections), StatesText(t, ";")});
    }
    return absl::OkStatus();
  }
  if (NoteNoTargets(snap, target, out)) return absl::OkStatus();
  TextTable table({{"TARGET"}, {"CONNECTIONS", Align::kRight}, {"USED", Align::kRight},
                   {"STATUS"}, {"ACTIVE", Align::kRight}, {"BY STATE"}});
  for (const DbTarget& t : snap.targets) {
    table.AddRow({t.target, absl::StrCat(Num(t.total_connections), " / ", Num(t.max_connections)),
                  Pct(t.used_ratio), StatusOfTarget(t), Num(t.active_connections),
                  t.by_state.empty() ? "-" : StatesText(t, " ")});
  }
  table.Write(*out.out);
  *out.out << "Connection pool usage: OK < 80%, WARNING >= 80%, CRITICAL >= 90%\n";
  NoteDown(snap, out);
  return absl::OkStatus();
}

namespace {

// ---- Rows as records: the JSON array and the CSV of a command ----

Records StatementRecords(const std::vector<DbStatement>& rows) {
  Records r({"target", "host", "queryid", "database", "user", "calls", "mean_seconds",
             "max_seconds", "total_seconds", "rows", "cache_hit_ratio", "query"});
  for (const DbStatement& s : rows) {
    r.Row().Text(s.target).Text(s.host).Text(s.queryid).Text(s.datname).Text(s.user)
        .Known(s.calls).Known(s.mean_seconds).Known(s.max_seconds).Known(s.total_seconds)
        .Known(s.rows).Known(s.cache_hit_ratio).Text(s.query);
  }
  return r;
}

Records LockRecords(const std::vector<DbLockWait>& locks) {
  Records r({"target", "host", "database", "blocked_pid", "blocked_user", "wait_seconds",
             "blocking_pid", "blocking_user", "blocking_state", "locktype", "mode", "status",
             "blocked_query", "blocking_query"});
  for (const DbLockWait& w : locks) {
    r.Row().Text(w.target).Text(w.host).Text(w.datname).Text(w.blocked_pid)
        .Text(w.blocked_user).Number(w.wait_seconds).Text(w.blocking_pid)
        .Text(w.blocking_user).Text(w.blocking_state).Text(w.locktype).Text(w.mode)
        .Text(HealthText(LockWaitHealth(w.wait_seconds))).Text(w.blocked_query)
        .Text(w.blocking_query);
  }
  return r;
}

Records LongQueryRecords(const std::vector<DbLongQuery>& queries) {
  Records r({"target", "host", "pid", "database", "user", "state", "running_seconds", "query"});
  for (const DbLongQuery& q : queries) {
    r.Row().Text(q.target).Text(q.host).Text(q.pid).Text(q.datname).Text(q.user).Text(q.state)
        .Number(q.seconds).Text(q.query);
  }
  return r;
}

Records IndexRecords(const std::vector<DbIndex>& rows) {
  Records r({"target", "host", "database", "schema", "table", "index", "kind", "scans",
             "tup_read", "tup_fetch", "size_bytes", "status"});
  for (const DbIndex& i : rows) {
    r.Row().Text(i.target).Text(i.host).Text(i.datname).Text(i.schema).Text(i.table)
        .Text(i.index).Text(i.kind).Known(i.scans).Known(i.tup_read).Known(i.tup_fetch)
        .Known(i.size_bytes).Text(IndexUsageStatus(i.scans));
  }
  return r;
}

void WriteSlowJson(const DbSnapshot& snap, const std::vector<DbStatement>& rows,
                   const SlowFilter& filter, const Output& out) {
  JsonWriter json(*out.out);
  json.BeginObject().Key("min_mean_seconds").Number(filter.min_mean_seconds)
      .Key("all").Bool(filter.all).Key("statements");
  StatementRecords(rows).WriteJsonArray(json);
  json.Key("targets").BeginArray();
  for (const DbTarget& t : snap.targets) {
    json.BeginObject().Key("target").String(t.target).Key("host").String(t.host);
    json.Key("stat_statements_available");
    if (t.stat_statements_available < 0) {
      json.Number(std::nan(""));
    } else {
      json.Bool(t.stat_statements_available > 0);
    }
    if (t.stat_statements_available == 0) json.Key("hint").String(kEnableStatStatements);
    json.EndObject();
  }
  json.EndArray().EndObject();
  *out.out << '\n';
}

void WriteSlowCsv(const DbSnapshot& snap, const std::vector<DbStatement>& rows,
                  const Output& out) {
  StatementRecords(rows).WriteCsv(*out.out);
  for (const DbTarget& t : snap.targets) {
    if (t.stat_statements_available == 0) {
      *out.err << "sctl: target " << t.target << ": " << kEnableStatStatements << '\n';
    }
  }
}

void WriteSlowTable(const DbSnapshot& snap, const std::vector<DbStatement>& rows,
                    const SlowFilter& filter, const Output& out) {
  if (!rows.empty()) {
    TextTable table({{"TARGET"}, {"QUERYID"}, {"DATABASE"}, {"USER"},
                     {"CALLS", Align::kRight}, {"MEAN", Align::kRight}, {"MAX", Align::kRight},
                     {"TOTAL", Align::kRight}, {"ROWS", Align::kRight}, {"HIT %", Align::kRight},
                     {"QUERY"}});
    for (const DbStatement& s : rows) {
      table.AddRow({s.target, s.queryid, s.datname, s.user, Num(s.calls), Secs(s.mean_seconds),
                    Secs(s.max_seconds), Secs(s.total_seconds), Num(s.rows),
                    Pct(s.cache_hit_ratio), TruncateText(s.query, kQueryColumnChars)});
    }
    table.Write(*out.out);
  }
  bool any_available = false;
  for (const DbTarget& t : snap.targets) {
    if (t.stat_statements_available == 0) {
      *out.out << "Target " << SanitizeForTerminal(t.target) << ": "
               << kEnableStatStatements << '\n';
    } else if (t.stat_statements_available > 0) {
      any_available = true;
    }
  }
  if (rows.empty() && any_available) {
    *out.err << "sctl: no statements with mean above "
             << FormatSeconds(filter.min_mean_seconds)
             << " in the current scrape (KPI: average < 100 ms; --all shows every one)\n";
  }
  NoteDown(snap, out);
}

}  // namespace

absl::Status RunDbSlow(v1::Query::StubInterface& stub, const Context& ctx,
                       const std::string& target, const SlowFilter& filter, const Output& out) {
  DbSnapshot snap;
  SCOUT_RETURN_IF_ERROR(FetchSnapshot(
      stub, ctx, target, Metrics("stat_statements_available|statement_.*"), out, &snap));
  const std::vector<DbStatement> rows = SlowStatements(snap, filter);
  if (out.format == OutputFormat::kJson) {
    WriteSlowJson(snap, rows, filter, out);
  } else if (out.format == OutputFormat::kCsv) {
    WriteSlowCsv(snap, rows, out);
  } else if (!NoteNoTargets(snap, target, out)) {
    WriteSlowTable(snap, rows, filter, out);
  }
  return absl::OkStatus();
}

absl::Status RunDbLocks(v1::Query::StubInterface& stub, const Context& ctx,
                        const std::string& target, const Output& out) {
  DbSnapshot snap;
  SCOUT_RETURN_IF_ERROR(FetchSnapshot(
      stub, ctx, target, Metrics("blocked_sessions|lock_wait_max_seconds|lock_wait_seconds"), out,
      &snap));
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("locks");
    LockRecords(snap.locks).WriteJsonArray(json);
    json.Key("targets").BeginArray();
    for (const DbTarget& t : snap.targets) {
      json.BeginObject().Key("target").String(t.target).Key("host").String(t.host);
      JsonValue(json, "up", t.up);
      JsonValue(json, "blocked_sessions", t.blocked_sessions);
      JsonValue(json, "lock_wait_max_seconds", t.lock_wait_max_seconds);
      json.Key("status").String(HealthText(LockWaitHealth(t.lock_wait_max_seconds)))
          .EndObject();
    }
    json.EndArray().EndObject();
    *out.out << '\n';
    return absl::OkStatus();
  }
  if (out.format == OutputFormat::kCsv) {
    LockRecords(snap.locks).WriteCsv(*out.out);
    return absl::OkStatus();
  }
  if (NoteNoTargets(snap, target, out)) return absl::OkStatus();
  if (!snap.locks.empty()) {
    TextTable table({{"TARGET"}, {"BLOCKED PID", Align::kRight}, {"USER"},
                     {"WAITING", Align::kRight}, {"BLOCKING PID", Align::kRight}, {"USER"},
                     {"STATE"}, {"MODE"}, {"STATUS"}, {"BLOCKED QUERY"}, {"BLOCKING QUERY"}});
    for (const DbLockWait& w : snap.locks) {
      table.AddRow({w.target, w.blocked_pid, w.blocked_user, FormatSeconds(w.wait_seconds),
                    w.blocking_pid, w.blocking_user, w.blocking_state, w.mode,
                    HealthText(LockWaitHealth(w.wait_seconds)),
                    TruncateText(w.blocked_query, 40), TruncateText(w.blocking_query, 40)});
    }
    table.Write(*out.out);
  }
  for (const DbTarget& t : snap.targets) {
    if (t.up == 0 || (t.blocked_sessions < 0 && t.lock_wait_max_seconds < 0)) continue;
    std::string line = absl::StrCat("Target ", t.target, ": ", Num(t.blocked_sessions),
                                    " blocked sessions, longest lock wait ",
                                    Secs(t.lock_wait_max_seconds));
    const Health h = LockWaitHealth(t.lock_wait_max_seconds);
    if (h == Health::kCritical) {
      absl::StrAppend(&line, " - CRITICAL: blocking query (alert at 30 s)");
    } else if (h != Health::kInfo) {
      absl::StrAppend(&line, " - ", HealthName(h), " (KPI < 1 s, alert at 30 s)");
    }
    *out.out << SanitizeForTerminal(line) << '\n';
  }
  NoteDown(snap, out);
  return absl::OkStatus();
}

absl::Status RunDbLong(v1::Query::StubInterface& stub, const Context& ctx,
                       const std::string& target, const Output& out) {
  DbSnapshot snap;
  SCOUT_RETURN_IF_ERROR(FetchSnapshot(
      stub, ctx, target,
      Metrics("long_running_queries|oldest_query_seconds|long_running_query_seconds"), out, &snap));
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("queries");
    LongQueryRecords(snap.long_queries).WriteJsonArray(json);
    json.Key("targets").BeginArray();
    for (const DbTarget& t : snap.targets) {
      json.BeginObject().Key("target").String(t.target).Key("host").String(t.host);
      JsonValue(json, "up", t.up);
      JsonValue(json, "long_running_queries", t.long_running_queries);
      JsonValue(json, "oldest_query_seconds", t.oldest_query_seconds);
      json.EndObject();
    }
    json.EndArray().EndObject();
    *out.out << '\n';
    return absl::OkStatus();
  }
  if (out.format == OutputFormat::kCsv) {
    LongQueryRecords(snap.long_queries).WriteCsv(*out.out);
    return absl::OkStatus();
  }
  if (NoteNoTargets(snap, target, out)) return absl::OkStatus();
  if (!snap.long_queries.empty()) {
    TextTable table({{"TARGET"}, {"PID", Align::kRight}, {"DATABASE"}, {"USER"}, {"STATE"},
                     {"RUNNING", Align::kRight}, {"QUERY"}});
    for (const DbLongQuery& q : snap.long_queries) {
      table.AddRow({q.target, q.pid, q.datname, q.user, q.state,
                    FormatAge(std::llround(q.seconds * 1000)),
                    TruncateText(q.query, kQueryColumnChars)});
    }
    table.Write(*out.out);
  }
  for (const DbTarget& t : snap.targets) {
    if (t.up == 0 || (t.long_running_queries < 0 && t.oldest_query_seconds < 0)) continue;
    *out.out << SanitizeForTerminal(absl::StrCat(
                    "Target ", t.target, ": ", Num(t.long_running_queries),
                    " long-running queries, oldest query ",
                    t.oldest_query_seconds < 0
                        ? std::string("-")
                        : FormatAge(std::llround(t.oldest_query_seconds * 1000))))
             << '\n';
  }
  NoteDown(snap, out);
  return absl::OkStatus();
}

namespace {

using GrowthByTable = std::map<std::string, Growth>;

// The GROWTH/24h column: each table's size history, read in 10-minute
// buckets.
absl::Status FetchGrowth(v1::Query::StubInterface& stub, const Context& ctx,
                         const std::string& target, GrowthByTable* growth) {
  const int64_t now = ctx.clock->NowMs();
  v1::QueryRangeRequest req;
  Selector sel;
  sel.metric = "scout_postgres_table_size_bytes";
  if (!target.empty()) sel.matchers.push_back({"target", MatchOp::kEqual, target});
  *req.mutable_selector() = SelectorToProto(sel);
  req.set_start_ms(now - kGrowthReadMs);
  req.set_end_ms(now + 1);
  req.set_step_ms(kGrowthStepMs);
  req.set_aggregation(v1::LAST);
  req.set_series_limit(100'000);
  v1::QueryRangeResponse resp;
  SCOUT_RETURN_IF_ERROR(Call(ctx, stub, &v1::Query::StubInterface::QueryRange, req, &resp));
  for (const v1::SeriesPoints& proto : resp.series()) {
    SeriesPoints s = SeriesPointsFromProto(proto);
    DbTable key;
    key.host = LabelValue(s.key.labels, "host");
    key.target = LabelValue(s.key.labels, "target");
    key.datname = LabelValue(s.key.labels, "datname");
    key.schema = LabelValue(s.key.labels, "schema");
    key.table = LabelValue(s.key.labels, "table");
    (*growth)[TableId(key)] = ComputeGrowth(s.points, kGrowthWindowMs);
  }
  return absl::OkStatus();
}

Growth GrowthOf(const GrowthByTable& growth, const DbTable& t) {
  auto it = growth.find(TableId(t));
  return it == growth.end() ? Growth{} : it->second;
}

void WriteTablesJson(const std::vector<DbTable>& rows, const GrowthByTable& growth,
                     const Output& out) {
  JsonWriter json(*out.out);
  json.BeginObject().Key("tables").BeginArray();
  for (const DbTable& t : rows) {
    const Growth g = GrowthOf(growth, t);
    json.BeginObject().Key("target").String(t.target).Key("host").String(t.host)
        .Key("database").String(t.datname).Key("schema").String(t.schema)
        .Key("table").String(t.table);
    JsonValue(json, "size_bytes", t.size_bytes);
    json.Key("growth_bytes").Number(g.known ? g.bytes : std::nan(""));
    json.Key("growth_span_ms");
    if (g.known) {
      json.Int(g.span_ms);
    } else {
      json.Number(std::nan(""));
    }
    JsonValue(json, "live_tuples", t.live_tuples);
    JsonValue(json, "dead_tuples", t.dead_tuples);
    const double dead = DeadTupleRatio(t);
    json.Key("dead_ratio").Number(dead < 0 ? std::nan("") : dead);
    JsonValue(json, "seq_scans", t.seq_scans);
    JsonValue(json, "seq_tup_read", t.seq_tup_read);
    JsonValue(json, "avg_rows_per_seq_scan", SeqScanAvgRows(t));
    JsonValue(json, "idx_scans", t.idx_scans);
    JsonValue(json, "writes", t.writes);
    JsonValue(json, "last_vacuum_seconds", t.last_vacuum_s);
    json.EndObject();
  }
  json.EndArray().EndObject();
  *out.out << '\n';
}

void WriteTablesCsv(const std::vector<DbTable>& rows, const GrowthByTable& growth,
                    const Output& out) {
  WriteCsvRow(*out.out, {"target", "host", "database", "schema", "table", "size_bytes",
                         "growth_bytes", "growth_span_ms", "live_tuples", "dead_tuples",
                         "dead_ratio", "seq_scans", "avg_rows_per_seq_scan", "idx_scans",
                         "last_vacuum_seconds"});
  for (const DbTable& t : rows) {
    const Growth g = GrowthOf(growth, t);
    const double dead = DeadTupleRatio(t);
    WriteCsvRow(*out.out,
                {t.target, t.host, t.datname, t.schema, t.table, Raw(t.size_bytes),
                 g.known ? FormatRawNumber(g.bytes) : "", g.known ? absl::StrCat(g.span_ms) : "",
                 Raw(t.live_tuples), Raw(t.dead_tuples),
                 dead < 0 || std::isinf(dead) ? "" : FormatRawNumber(dead), Raw(t.seq_scans),
                 Raw(SeqScanAvgRows(t)), Raw(t.idx_scans), Raw(t.last_vacuum_s)});
  }
}

void WriteTablesTable(const DbSnapshot& snap, const std::vector<DbTable>& rows,
                      const GrowthByTable& growth, int64_t now_ms, const Output& out) {
  TextTable table({{"TARGET"}, {"DATABASE"}, {"SCHEMA"}, {"TABLE"}, {"SIZE", Align::kRight},
                   {"GROWTH/24h", Align::kRight}, {"LIVE", Align::kRight},
                   {"DEAD", Align::kRight}, {"DEAD %", Align::kRight},
                   {"SEQ SCANS", Align::kRight}, {"AVG ROWS/SEQ SCAN", Align::kRight},
                   {"IDX SCANS", Align::kRight}, {"LAST VACUUM", Align::kRight}});
  for (const DbTable& t : rows) {
    const double dead = DeadTupleRatio(t);
    const double avg = SeqScanAvgRows(t);
    table.AddRow({t.target, t.datname, t.schema, t.table, Bytes(t.size_bytes),
                  GrowthCell(GrowthOf(growth, t)), Num(t.live_tuples), Num(t.dead_tuples),
                  dead < 0 || std::isinf(dead) ? "-" : FormatPercent(dead), Num(t.seq_scans),
                  avg < 0 ? "-" : FormatNumber(std::round(avg)), Num(t.idx_scans),
                  t.last_vacuum_s < 0
                      ? "never"
                      : FormatAgo(now_ms - std::llround(t.last_vacuum_s * 1000))});
  }
  table.Write(*out.out);
  if (rows.size() < snap.tables.size()) {
    *out.err << "sctl: showing the " << rows.size() << " largest of " << snap.tables.size()
             << " tables (-n to change)\n";
  }
  if (rows.empty()) *out.err << "sctl: no table statistics from the postgres plugin yet\n";
  NoteUnreadable(snap, out);
}

}  // namespace

absl::Status RunDbTables(v1::Query::StubInterface& stub, const Context& ctx,
                         const std::string& target, size_t limit, const Output& out) {
  DbSnapshot snap;
  SCOUT_RETURN_IF_ERROR(FetchSnapshot(stub, ctx, target, Metrics("table_.*|database_scrape_error"),
                                      out, &snap));
  const std::vector<DbTable> rows = TablesBySize(snap, limit);
  GrowthByTable growth;
  if (!rows.empty()) SCOUT_RETURN_IF_ERROR(FetchGrowth(stub, ctx, target, &growth));
  if (out.format == OutputFormat::kJson) {
    WriteTablesJson(rows, growth, out);
  } else if (out.format == OutputFormat::kCsv) {
    WriteTablesCsv(rows, growth, out);
  } else if (!NoteNoTargets(snap, target, out)) {
    WriteTablesTable(snap, rows, growth, ctx.clock->NowMs(), out);
  }
  return absl::OkStatus();
}

absl::Status RunDbIndexes(v1::Query::StubInterface& stub, const Context& ctx,
                          const std::string& target, const Output& out) {
  DbSnapshot snap;
  SCOUT_RETURN_IF_ERROR(FetchSnapshot(stub, ctx, target, Metrics("index_.*|database_scrape_error"), out, &snap));
  const std::vector<DbIndex> rows = IndexesByScans(snap);
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("indexes");
    IndexRecords(rows).WriteJsonArray(json);
    json.EndObject();
    *out.out << '\n';
    return absl::OkStatus();
  }
  if (out.format == OutputFormat::kCsv) {
    IndexRecords(rows).WriteCsv(*out.out);
    return absl::OkStatus();
  }
  if (NoteNoTargets(snap, target, out)) return absl::OkStatus();
  TextTable table({{"TARGET"}, {"DATABASE"}, {"TABLE"}, {"INDEX"}, {"KIND"},
                   {"SCANS", Align::kRight}, {"TUP READ", Align::kRight},
                   {"TUP FETCH", Align::kRight}, {"SIZE", Align::kRight}, {"STATUS"}});
  for (const DbIndex& i : rows) {
    table.AddRow({i.target, i.datname, absl::StrCat(i.schema, ".", i.table), i.index, i.kind,
                  Num(i.scans), Num(i.tup_read), Num(i.tup_fetch), Bytes(i.size_bytes),
                  IndexUsageStatus(i.scans)});
  }
  table.Write(*out.out);
  if (rows.empty()) *out.err << "sctl: no index statistics from the postgres plugin yet\n";
  NoteUnreadable(snap, out);
  return absl::OkStatus();
}

absl::Status RunDbAdvise(v1::Query::StubInterface& stub, const Context& ctx,
                         const std::string& target, const Output& out) {
  DbSnapshot snap;
  SCOUT_RETURN_IF_ERROR(FetchSnapshot(stub, ctx, target, "scout_postgres_.*", out, &snap));
  const std::vector<Advice> advice = Advise(snap);
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("advice").BeginArray();
    for (const Advice& a : advice) {
      json.BeginObject().Key("severity").String(SeverityName(a.severity))
          .Key("rule").String(a.rule).Key("target").String(a.target).Key("host").String(a.host)
          .Key("object").String(a.object).Key("finding").String(a.finding)
          .Key("detail").String(a.detail).Key("value").Number(a.value)
          .Key("query").String(a.query).EndObject();
    }
    json.EndArray().Key("targets").Int(static_cast<int64_t>(snap.targets.size())).EndObject();
    *out.out << '\n';
    return absl::OkStatus();
  }
  if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"severity", "rule", "target", "host", "object", "finding", "detail",
                           "value", "query"});
    for (const Advice& a : advice) {
      WriteCsvRow(*out.out, {SeverityName(a.severity), a.rule, a.target, a.host, a.object,
                             a.finding, a.detail, FormatRawNumber(a.value), a.query});
    }
    return absl::OkStatus();
  }
  if (NoteNoTargets(snap, target, out)) return absl::OkStatus();
  if (advice.empty()) {
    *out.out << "No findings for " << snap.targets.size()
             << " PostgreSQL target(s): every rule of the guide passes.\n";
    return absl::OkStatus();
  }
  TextTable table({{"SEVERITY"}, {"TARGET"}, {"OBJECT"}, {"FINDING"}, {"DETAIL"}, {"QUERY"}});
  for (const Advice& a : advice) {
    table.AddRow({SeverityName(a.severity), a.target, a.object, a.finding, a.detail,
                  TruncateText(a.query, 40)});
  }
  table.Write(*out.out);
  return absl::OkStatus();
}

}  // namespace scout::ctl
