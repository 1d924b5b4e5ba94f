#include "ctl/host_commands.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "shared/guide/kpi.h"
#include "shared/proto_convert.h"

namespace scout::ctl {
namespace {

using Rule = guide::KpiSpec;
constexpr const Rule& kCpu = guide::FindKpi(guide::kKpiCpu);
constexpr const Rule& kMemory = guide::FindKpi(guide::kKpiMemory);
constexpr const Rule& kDisk = guide::FindKpi(guide::kKpiDisk);

Health Judge(double ratio, const Rule& rule) {
  switch (guide::Judge(rule, ratio)) {
    case guide::Level::kCritical: return Health::kCritical;
    case guide::Level::kWarning: return Health::kWarning;
    case guide::Level::kGood:
    case guide::Level::kNoData: return Health::kOk;
  }
  return Health::kOk;
}

std::string ThresholdText(const Rule& rule) {
  return absl::StrFormat("< %.0f%% (critical %.0f%%)", rule.warning * 100, rule.critical * 100);
}

// Latest value of `metric` with no labels but `host`; nullopt if absent.
const SeriesPoints* Find(const std::vector<SeriesPoints>& latest, const std::string& metric,
                         const std::string& label = "", const std::string& value = "") {
  for (const SeriesPoints& s : latest) {
    if (s.key.metric != metric || s.points.empty()) continue;
    if (!label.empty() && LabelValue(s.key.labels, label) != value) continue;
    return &s;
  }
  return nullptr;
}

double Value(const SeriesPoints* s) { return s->points.back().value; }

absl::Status FetchLatest(v1::Query::StubInterface& stub, const Context& ctx,
                         const Selector& selector, std::vector<SeriesPoints>* out) {
  v1::LatestRequest request;
  *request.mutable_selector() = SelectorToProto(selector);
  request.set_limit(100'000);
  v1::LatestResponse response;
  absl::Status status = Call(ctx, stub, &v1::Query::StubInterface::Latest, request, &response);
  if (!status.ok()) return status;
  for (const v1::SeriesPoints& s : response.series()) out->push_back(SeriesPointsFromProto(s));
  return absl::OkStatus();
}

Selector HostSelector(const std::string& host, const std::string& metric_regex) {
  Selector sel;
  sel.matchers.push_back({"__name__", MatchOp::kRegexMatch, metric_regex});
  if (!host.empty()) sel.matchers.push_back({"host", MatchOp::kEqual, host});
  return sel;
}

Records SummaryRecords(const std::vector<SummaryRow>& rows) {
  Records r({"resource", "value", "display", "status", "threshold"});
  for (const SummaryRow& s : rows) {
    r.Row().Text(s.resource).Number(s.raw).Text(s.value).Text(HealthName(s.health))
        .Text(s.threshold);
  }
  return r;
}

Records ProcessRecords(const std::vector<ProcessRow>& procs) {
  Records r({"host", "pid", "name", "user", "cpu_ratio", "rss_bytes", "threads", "open_fds"});
  for (const ProcessRow& p : procs) {
    r.Row().Text(p.host).Text(p.pid).Text(p.name).Text(p.user).Number(p.cpu_ratio)
        .Number(p.rss_bytes).Number(p.threads).Number(p.open_fds);
  }
  return r;
}

std::string Cell(double v, const std::string& metric) {
  return v < 0 ? "-" : HumanizeValue(metric, v);
}

}  // namespace

const char* HealthName(Health h) {
  switch (h) {
    case Health::kOk: return "OK";
    case Health::kWarning: return "WARNING";
    case Health::kCritical: return "CRITICAL";
    case Health::kInfo: return "";
  }
  return "";
}

std::vector<SummaryRow> SummarizeHost(const std::vector<SeriesPoints>& latest) {
  std::vector<SummaryRow> rows;
  auto ratio_row = [&](const std::string& name, const SeriesPoints* s, const Rule& rule) {
    if (s == nullptr) return;
    rows.push_back({name, FormatPercent(Value(s)), Value(s), Judge(Value(s), rule),
                    ThresholdText(rule)});
  };
  auto info_row = [&](const std::string& name, const SeriesPoints* s) {
    if (s == nullptr) return;
    rows.push_back({name, HumanizeValue(s->key.metric, Value(s)), Value(s), Health::kInfo, ""});
  };
  ratio_row("CPU usage", Find(latest, "node_cpu_usage_ratio"), kCpu);
  info_row("CPUs", Find(latest, "node_cpu_count"));
  ratio_row("Memory used", Find(latest, "node_memory_used_ratio"), kMemory);
  info_row("Memory total", Find(latest, "node_memory_MemTotal_bytes"));
  info_row("Swap used", Find(latest, "node_memory_swap_used_bytes"));
  for (const char* m : {"node_load1", "node_load5", "node_load15"}) {
    info_row(absl::StrCat("Load ", std::string(m).substr(9)), Find(latest, m));
  }
  info_row("Load per core", Find(latest, "node_load1_per_core_ratio"));
  std::vector<const SeriesPoints*> disks;
  for (const SeriesPoints& s : latest) {
    if (s.key.metric == "node_filesystem_used_ratio" && !s.points.empty()) disks.push_back(&s);
  }
  std::sort(disks.begin(), disks.end(), [](const SeriesPoints* a, const SeriesPoints* b) {
    return LabelValue(a->key.labels, "mountpoint") < LabelValue(b->key.labels, "mountpoint");
  });
  for (const SeriesPoints* d : disks) {
    ratio_row(absl::StrCat("Disk ", LabelValue(d->key.labels, "mountpoint")), d, kDisk);
  }
  double rx = 0, tx = 0;
  bool any_net = false;
  for (const SeriesPoints& s : latest) {
    if (s.points.empty()) continue;
    if (s.key.metric == "node_network_receive_bytes_per_second") rx += Value(&s), any_net = true;
    if (s.key.metric == "node_network_transmit_bytes_per_second") tx += Value(&s), any_net = true;
  }
  if (any_net) {
    rows.push_back({"Network in / out",
                    absl::StrCat(FormatBytes(rx), "/s / ", FormatBytes(tx), "/s"), rx + tx,
                    Health::kInfo, ""});
  }
  if (const SeriesPoints* est = Find(latest, "node_tcp_connections", "state", "established")) {
    double total = 0;
    for (const SeriesPoints& s : latest) {
      if (s.key.metric == "node_tcp_connections" && !s.points.empty() &&
          LabelValue(s.key.labels, "state") == "established") {
        total += Value(&s);
      }
    }
    rows.push_back({"TCP established", FormatNumber(total), total, Health::kInfo, ""});
    (void)est;
  }
  info_row("Listening sockets", Find(latest, "node_sockets_listening"));
  info_row("Processes", Find(latest, "node_processes"));
  info_row("Uptime", Find(latest, "node_uptime_seconds"));
  return rows;
}

std::vector<ProcessRow> TopProcesses(const std::vector<SeriesPoints>& latest, size_t limit) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, ProcessRow> by_key;
  for (const SeriesPoints& s : latest) {
    if (s.points.empty() || s.key.metric.rfind("scout_process_", 0) != 0 ||
        s.key.metric.rfind("scout_process_group_", 0) == 0) {
      continue;
    }
    const Labels& l = s.key.labels;
    auto key = std::make_tuple(LabelValue(l, "host"), LabelValue(l, "pid"), LabelValue(l, "name"),
                               LabelValue(l, "user"));
    ProcessRow& row = by_key[key];
    std::tie(row.host, row.pid, row.name, row.user) = key;
    const double v = s.points.back().value;
    if (s.key.metric == "scout_process_cpu_usage_ratio") row.cpu_ratio = v;
    if (s.key.metric == "scout_process_resident_memory_bytes") row.rss_bytes = v;
    if (s.key.metric == "scout_process_threads") row.threads = v;
    if (s.key.metric == "scout_process_open_fds") row.open_fds = v;
  }
  std::vector<ProcessRow> rows;
  for (auto& [key, row] : by_key) rows.push_back(std::move(row));
  std::sort(rows.begin(), rows.end(), [](const ProcessRow& a, const ProcessRow& b) {
    return std::tie(b.cpu_ratio, b.rss_bytes) < std::tie(a.cpu_ratio, a.rss_bytes);
  });
  if (rows.size() > limit) rows.resize(limit);
  return rows;
}

std::vector<GroupRow> ProcessGroups(const std::vector<SeriesPoints>& latest) {
  std::map<std::pair<std::string, std::string>, GroupRow> by_key;
  for (const SeriesPoints& s : latest) {
    if (s.points.empty() || s.key.metric.rfind("scout_process_group_", 0) != 0) continue;
    auto key = std::make_pair(LabelValue(s.key.labels, "host"), LabelValue(s.key.labels, "group"));
    GroupRow& row = by_key[key];
    std::tie(row.host, row.group) = key;
    const double v = s.points.back().value;
    if (s.key.metric == "scout_process_group_processes") row.processes = v;
    if (s.key.metric == "scout_process_group_cpu_usage_ratio") row.cpu_ratio = v;
    if (s.key.metric == "scout_process_group_resident_memory_bytes") row.rss_bytes = v;
  }
  std::vector<GroupRow> rows;
  for (auto& [key, row] : by_key) rows.push_back(std::move(row));
  return rows;
}

absl::Status RunHost(v1::Query::StubInterface& stub, const Context& ctx, const std::string& host,
                     const Output& out) {
  std::vector<SeriesPoints> latest;
  absl::Status status = FetchLatest(stub, ctx, HostSelector(host, "node_.*"), &latest);
  if (!status.ok()) return status;
  const std::vector<SummaryRow> rows = SummarizeHost(latest);
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("host").String(host).Key("resources");
    SummaryRecords(rows).WriteJsonArray(json);
    json.EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    SummaryRecords(rows).WriteCsv(*out.out);
  } else {
    if (rows.empty()) {
      *out.err << "no recent data for host \"" << host << "\" (see sctl agents)\n";
      return absl::OkStatus();
    }
    *out.out << "Host " << SanitizeForTerminal(host) << "\n";
    TextTable table({{"RESOURCE"}, {"VALUE", TextTable::Align::kRight}, {"STATUS"}, {"TARGET"}});
    for (const SummaryRow& r : rows) {
      table.AddRow({r.resource, r.value, HealthName(r.health), r.threshold});
    }
    table.Write(*out.out);
  }
  return absl::OkStatus();
}

absl::Status RunTop(v1::Query::StubInterface& stub, const Context& ctx, const std::string& host,
                    size_t limit, const Output& out) {
  std::vector<SeriesPoints> latest;
  absl::Status status = FetchLatest(stub, ctx, HostSelector(host, "scout_process_.*"), &latest);
  if (!status.ok()) return status;
  const auto procs = TopProcesses(latest, limit);
  const auto groups = ProcessGroups(latest);
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("processes");
    ProcessRecords(procs).WriteJsonArray(json);
    json.Key("groups").BeginArray();
    for (const GroupRow& g : groups) {
      json.BeginObject().Key("host").String(g.host).Key("group").String(g.group)
          .Key("processes").Number(g.processes).Key("cpu_ratio").Number(g.cpu_ratio)
          .Key("rss_bytes").Number(g.rss_bytes).EndObject();
    }
    json.EndArray().EndObject();
    *out.out << '\n';
    return absl::OkStatus();
  }
  if (out.format == OutputFormat::kCsv) {
    ProcessRecords(procs).WriteCsv(*out.out);
    return absl::OkStatus();
  }
  TextTable table({{"HOST"}, {"PID", TextTable::Align::kRight}, {"USER"}, {"NAME"},
                   {"CPU", TextTable::Align::kRight}, {"RSS", TextTable::Align::kRight},
                   {"THREADS", TextTable::Align::kRight}, {"FDS", TextTable::Align::kRight}});
  for (const ProcessRow& p : procs) {
    table.AddRow({p.host, p.pid, p.user, p.name, Cell(p.cpu_ratio, "x_ratio"),
                  Cell(p.rss_bytes, "x_bytes"), Cell(p.threads, "x"), Cell(p.open_fds, "x")});
  }
  table.Write(*out.out);
  if (!groups.empty()) {
    *out.out << '\n';
    TextTable gt({{"HOST"}, {"GROUP"}, {"PROCESSES", TextTable::Align::kRight},
                  {"CPU", TextTable::Align::kRight}, {"RSS", TextTable::Align::kRight}});
    for (const GroupRow& g : groups) {
      gt.AddRow({g.host, g.group, FormatNumber(g.processes), FormatPercent(g.cpu_ratio),
                 FormatBytes(g.rss_bytes)});
    }
    gt.Write(*out.out);
  }
  if (procs.empty()) *out.err << "no process data (is the processes collector enabled?)\n";
  return absl::OkStatus();
}

}  // namespace scout::ctl
