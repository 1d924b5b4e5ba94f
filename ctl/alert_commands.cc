#include "ctl/alert_commands.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include <grpcpp/client_context.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ctl/db_commands.h"  // TruncateText
#include "shared/duration.h"
#include "shared/proto_convert.h"
#include "shared/selector_lexer.h"

namespace scout::ctl {
namespace {

using Align = TextTable::Align;

constexpr size_t kSummaryChars = 80;
constexpr size_t kExprChars = 60;
constexpr size_t kErrorChars = 40;
constexpr size_t kCommentChars = 60;

constexpr const char* kMatchForms = "expected NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX";

const std::string& ProtoLabel(const google::protobuf::RepeatedPtrField<v1::Label>& labels,
                              const std::string& name) {
  static const std::string kEmpty;
  for (const v1::Label& l : labels) {
    if (l.name() == name) return l.value();
  }
  return kEmpty;
}

std::string AlertName(const v1::Alert& a) {
  const std::string& name = ProtoLabel(a.labels(), "alertname");
  return name.empty() ? a.rule() : name;
}

std::string TransitionName(const v1::AlertTransition& t) {
  const std::string& name = ProtoLabel(t.labels(), "alertname");
  return name.empty() ? t.rule() : name;
}

int SeverityRank(const std::string& severity) {
  if (severity == "critical") return 0;
  if (severity == "warning") return 1;
  return 2;
}

int StateRank(v1::AlertState s) {
  switch (s) {
    case v1::ALERT_FIRING: return 0;
    case v1::ALERT_PENDING: return 1;
    case v1::ALERT_RESOLVED: return 2;
    default: return 3;
  }
}

std::string LowerState(v1::AlertState s) { return absl::AsciiStrToLower(AlertStateText(s)); }

// Every label in selector form, {alertname="X",host="db-1"}: unambiguous
// for CSV, whatever the values contain.
std::string AllLabelsText(const Labels& labels) {
  return labels.empty() ? "{}" : SeriesKeyString(SeriesKey{"", labels});
}

void WriteLabelsJson(JsonWriter& json, const char* key, const Labels& labels) {
  json.Key(key).BeginObject();
  for (const auto& [name, value] : labels) json.Key(name).String(value);
  json.EndObject();
}

// A millisecond timestamp as "<key>_ms" and "<key>" (RFC 3339); 0 means
// never (not pending yet, not resolved, not sent) and has an empty "<key>".
void WriteTimeJson(JsonWriter& json, const std::string& key, int64_t ms) {
  json.Key(key + "_ms").Int(ms).Key(key).String(ms == 0 ? "" : FormatRfc3339Utc(ms));
}

std::string Rfc3339OrEmpty(int64_t ms) { return ms == 0 ? "" : FormatRfc3339Utc(ms); }

std::string AgeCell(int64_t now_ms, int64_t ms) { return ms == 0 ? "-" : FormatAge(now_ms - ms); }

void NoteEmpty(bool empty, const std::string& what, const Output& out) {
  if (empty && out.format == OutputFormat::kTable) *out.err << "sctl: " << what << "\n";
}

// "2026-11-27 16:03:10 (in 1h20m)" / "2026-11-27 14:00:00 (expired 3m ago)".
std::string EndsCell(int64_t ends_ms, int64_t now_ms, absl::TimeZone tz) {
  const std::string when = FormatLocalTime(ends_ms, tz);
  if (ends_ms > now_ms) {
    // Rounded up to the second: a 2h silence read back at once is "in 2h".
    const int64_t left_ms = (ends_ms - now_ms + 999) / 1000 * 1000;
    return absl::StrCat(when, " (in ", FormatAge(left_ms), ")");
  }
  return absl::StrCat(when, " (expired ", FormatAgo(now_ms - ends_ms), ")");
}

std::string Plural(uint64_t n, const char* one, const char* many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

}  // namespace

// ---- Silence matchers ----

absl::StatusOr<LabelMatcher> ParseMatchArg(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("--match \"", text, "\": ", why));
  };
  // Names and operators scan as in a selector (shared/selector_lexer.h);
  // the value is the rest of the argument, unquoted.
  const size_t name_end = ScanName(text, 0, /*allow_colon=*/false);
  if (name_end == 0) return bad(absl::StrCat("a label name must come first; ", kMatchForms));
  LabelMatcher m;
  m.name = text.substr(0, name_end);
  const size_t op_len = ScanMatchOp(text, name_end, &m.op);
  if (op_len == 0) return bad(kMatchForms);
  m.value = text.substr(name_end + op_len);
  if (m.value.size() >= 2 && m.value.front() == '"' && m.value.back() == '"') {
    m.value = m.value.substr(1, m.value.size() - 2);
  }
  return m;
}

absl::StatusOr<std::string> BuildSilenceMatchers(const std::vector<std::string>& items) {
  if (items.empty()) {
    return absl::InvalidArgumentError(
        "give at least one --match (e.g. --match host=db-1 --match alertname=HighCpuUsage)");
  }
  Selector selector;
  for (const std::string& item : items) {
    auto m = ParseMatchArg(item);
    if (!m.ok()) return m.status();
    Selector one;
    one.matchers.push_back(*m);
    auto compiled = CompiledSelector::Compile(one);
    if (!compiled.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--match \"", item, "\": ", compiled.status().message()));
    }
    selector.matchers.push_back(*std::move(m));
  }
  return FormatSelector(selector);
}

absl::StatusOr<v1::AddSilenceRequest> PlanSilenceAdd(const SilenceAddArgs& args,
                                                     const char* env_user) {
  v1::AddSilenceRequest request;
  auto matchers = BuildSilenceMatchers(args.match);
  if (!matchers.ok()) return matchers.status();
  request.set_matchers(*matchers);
  if (args.duration.empty()) return absl::InvalidArgumentError("--for is required (e.g. --for 2h)");
  auto d = ParseDuration(args.duration);
  if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat("--for: ", d.status().message()));
  if (d->count() <= 0) return absl::InvalidArgumentError("--for must be positive");
  request.set_duration_ms(d->count());
  if (absl::StripAsciiWhitespace(args.comment).empty()) {
    return absl::InvalidArgumentError(
        "--comment is required: say why, e.g. --comment \"db-1 maintenance, OPS-123\"");
  }
  request.set_comment(args.comment);
  std::string author = args.author;
  if (author.empty() && env_user != nullptr) author = env_user;
  request.set_created_by(author);
  return request;
}

absl::StatusOr<v1::AlertHistoryRequest> PlanAlertHistory(const HistoryArgs& args,
                                                         int64_t now_ms) {
  v1::AlertHistoryRequest request;
  auto d = ParseDuration(args.since);
  if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat("--since: ", d.status().message()));
  if (d->count() <= 0) return absl::InvalidArgumentError("--since must be positive");
  request.set_since_ms(now_ms - d->count());
  if (args.limit < 0 || args.limit > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("--limit must be between 0 (collector default) and 4294967295");
  }
  request.set_limit(static_cast<uint32_t>(args.limit));
  return request;
}

// ---- Pure helpers ----

const char* AlertStateText(v1::AlertState state) {
  switch (state) {
    case v1::ALERT_PENDING: return "PENDING";
    case v1::ALERT_FIRING: return "FIRING";
    case v1::ALERT_RESOLVED: return "RESOLVED";
    default: return "UNKNOWN";
  }
}

int64_t AlertSinceMs(const v1::Alert& alert) {
  switch (alert.state()) {
    case v1::ALERT_FIRING: return alert.fired_ms();
    case v1::ALERT_RESOLVED: return alert.resolved_ms();
    default: return alert.active_since_ms();
  }
}

void SortAlerts(std::vector<v1::Alert>* alerts) {
  auto key = [](const v1::Alert& a) {
    return std::make_tuple(StateRank(a.state()),
                           SeverityRank(ProtoLabel(a.labels(), "severity")), AlertSinceMs(a),
                           AlertName(a), a.fingerprint());
  };
  std::stable_sort(alerts->begin(), alerts->end(),
                   [&](const v1::Alert& a, const v1::Alert& b) { return key(a) < key(b); });
}

std::string CompactLabels(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (name == "alertname" || name == "severity") continue;
    absl::StrAppend(&out, out.empty() ? "" : ",", name, "=", value);
  }
  return out.empty() ? "-" : out;
}

// ---- Rendering ----

void RenderAlerts(const v1::ListAlertsResponse& response, int64_t now_ms, bool include_resolved,
                  const Output& out) {
  std::vector<v1::Alert> alerts(response.alerts().begin(), response.alerts().end());
  SortAlerts(&alerts);

  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("alerts").BeginArray();
    for (const v1::Alert& a : alerts) {
      json.BeginObject()
          .Key("alertname").String(AlertName(a))
          .Key("rule").String(a.rule())
          .Key("state").String(LowerState(a.state()))
          .Key("silenced").Bool(a.silenced())
          .Key("severity").String(ProtoLabel(a.labels(), "severity"));
      WriteLabelsJson(json, "labels", LabelsFromProto(a.labels()));
      WriteLabelsJson(json, "annotations", LabelsFromProto(a.annotations()));
      json.Key("value").Number(a.value());
      WriteTimeJson(json, "since", AlertSinceMs(a));
      WriteTimeJson(json, "active_since", a.active_since_ms());
      WriteTimeJson(json, "fired", a.fired_ms());
      WriteTimeJson(json, "resolved", a.resolved_ms());
      WriteTimeJson(json, "last_sent", a.last_sent_ms());
      json.Key("fingerprint").String(a.fingerprint()).EndObject();
    }
    json.EndArray().EndObject();
    *out.out << '\n';
    return;
  }
  if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"state", "silenced", "alertname", "severity", "labels", "value",
                           "since_ms", "since", "active_since_ms", "fired_ms", "resolved_ms",
                           "last_sent_ms", "summary", "rule", "fingerprint"});
    for (const v1::Alert& a : alerts) {
      WriteCsvRow(*out.out,
                  {LowerState(a.state()), a.silenced() ? "true" : "false", AlertName(a),
                   ProtoLabel(a.labels(), "severity"), AllLabelsText(LabelsFromProto(a.labels())),
                   FormatRawNumber(a.value()), absl::StrCat(AlertSinceMs(a)),
                   Rfc3339OrEmpty(AlertSinceMs(a)), absl::StrCat(a.active_since_ms()),
                   absl::StrCat(a.fired_ms()), absl::StrCat(a.resolved_ms()),
                   absl::StrCat(a.last_sent_ms()), ProtoLabel(a.annotations(), "summary"),
                   a.rule(), a.fingerprint()});
    }
    return;
  }
  const bool any_summary = std::any_of(alerts.begin(), alerts.end(), [](const v1::Alert& a) {
    return !ProtoLabel(a.annotations(), "summary").empty();
  });
  std::vector<TextTable::Column> columns = {{"STATE"},  {"ALERT"},
                                            {"SEVERITY"}, {"LABELS"},
                                            {"VALUE", Align::kRight}, {"SINCE", Align::kRight}};
  if (any_summary) columns.push_back({"SUMMARY"});
  TextTable table(std::move(columns));
  for (const v1::Alert& a : alerts) {
    const std::string& severity = ProtoLabel(a.labels(), "severity");
    std::vector<std::string> row = {
        absl::StrCat(AlertStateText(a.state()), a.silenced() ? " (silenced)" : ""),
        AlertName(a),
        severity.empty() ? "-" : severity,
        CompactLabels(LabelsFromProto(a.labels())),
        FormatNumber(a.value()),
        AgeCell(now_ms, AlertSinceMs(a))};
    if (any_summary) {
      const std::string& summary = ProtoLabel(a.annotations(), "summary");
      row.push_back(summary.empty() ? "-" : TruncateText(summary, kSummaryChars));
    }
    table.AddRow(std::move(row));
  }
  table.Write(*out.out);
  NoteEmpty(alerts.empty(),
            include_resolved ? "no alerts firing, pending or recently resolved"
                             : "no alerts firing or pending",
            out);
}

void RenderAlertHistory(const v1::AlertHistoryResponse& response,
                        const v1::AlertHistoryRequest& request, const Output& out) {
  const auto& transitions = response.transitions();
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject();
    WriteTimeJson(json, "since", request.since_ms());
    json.Key("transitions").BeginArray();
    for (const v1::AlertTransition& t : transitions) {
      json.BeginObject();
      WriteTimeJson(json, "at", t.at_ms());
      json.Key("alertname").String(TransitionName(t)).Key("rule").String(t.rule());
      WriteLabelsJson(json, "labels", LabelsFromProto(t.labels()));
      json.Key("from").String(t.from_state())
          .Key("to").String(t.to_state())
          .Key("value").Number(t.value())
          .Key("fingerprint").String(t.fingerprint())
          .EndObject();
    }
    json.EndArray().Key("truncated").Bool(response.truncated()).EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"at_ms", "at", "alertname", "labels", "from", "to", "value", "rule",
                           "fingerprint"});
    for (const v1::AlertTransition& t : transitions) {
      WriteCsvRow(*out.out, {absl::StrCat(t.at_ms()), FormatRfc3339Utc(t.at_ms()),
                             TransitionName(t), AllLabelsText(LabelsFromProto(t.labels())),
                             t.from_state(), t.to_state(), FormatRawNumber(t.value()), t.rule(),
                             t.fingerprint()});
    }
  } else {
    TextTable table({{"TIME"}, {"ALERT"}, {"LABELS"}, {"FROM \xE2\x86\x92 TO"},
                     {"VALUE", Align::kRight}});
    for (const v1::AlertTransition& t : transitions) {
      table.AddRow({FormatLocalTime(t.at_ms(), out.tz), TransitionName(t),
                    CompactLabels(LabelsFromProto(t.labels())),
                    absl::StrCat(t.from_state(), " \xE2\x86\x92 ", t.to_state()),
                    FormatNumber(t.value())});
    }
    table.Write(*out.out);
    NoteEmpty(transitions.empty(),
              absl::StrCat("no alert state changes since ",
                           FormatLocalTime(request.since_ms(), out.tz)),
              out);
  }
  if (response.truncated()) {
    // The collector keeps the oldest: what is missing is the newest part.
    *out.err << "sctl: note: only the first " << transitions.size()
             << " state changes since " << FormatLocalTime(request.since_ms(), out.tz)
             << " are shown (oldest first); newer ones were left out: use a shorter --since "
                "or a larger --limit\n";
  }
}

void RenderRules(const v1::ListRulesResponse& response, int64_t now_ms, const Output& out) {
  const auto& rules = response.rules();
  auto state = [](const v1::RuleInfo& r) -> std::string {
    return r.last_error().empty() ? "ok" : "error";
  };
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject()
        .Key("rules_file").String(response.rules_file())
        .Key("rules_file_ok").Bool(response.rules_file_ok())
        .Key("rules_file_error").String(response.rules_file_error());
    WriteTimeJson(json, "loaded", response.loaded_ms());
    json.Key("rules").BeginArray();
    for (const v1::RuleInfo& r : rules) {
      json.BeginObject()
          .Key("name").String(r.name())
          .Key("expr").String(r.expr())
          .Key("for_ms").Int(r.for_ms())
          .Key("severity").String(ProtoLabel(r.labels(), "severity"));
      WriteLabelsJson(json, "labels", LabelsFromProto(r.labels()));
      json.Key("where").String(r.where())
          .Key("state").String(state(r))
          .Key("last_error").String(r.last_error());
      WriteTimeJson(json, "last_evaluation", r.last_evaluation_ms());
      json.Key("last_duration_seconds").Number(r.last_duration_seconds())
          .Key("firing").Int(r.firing())
          .Key("pending").Int(r.pending())
          .EndObject();
    }
    json.EndArray().EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"name", "for_ms", "severity", "state", "last_error", "firing",
                           "pending", "last_evaluation_ms", "last_duration_seconds", "expr",
                           "where", "labels"});
    for (const v1::RuleInfo& r : rules) {
      WriteCsvRow(*out.out, {r.name(), absl::StrCat(r.for_ms()),
                             ProtoLabel(r.labels(), "severity"), state(r), r.last_error(),
                             absl::StrCat(r.firing()), absl::StrCat(r.pending()),
                             absl::StrCat(r.last_evaluation_ms()),
                             FormatRawNumber(r.last_duration_seconds()), r.expr(), r.where(),
                             AllLabelsText(LabelsFromProto(r.labels()))});
    }
  } else {
    *out.out << "Rules file " << SanitizeForTerminal(response.rules_file()) << ": "
             << Plural(static_cast<uint64_t>(rules.size()), "rule", "rules");
    if (response.loaded_ms() != 0) {
      *out.out << ", loaded " << FormatLocalTime(response.loaded_ms(), out.tz) << " ("
               << FormatAgo(now_ms - response.loaded_ms()) << ")";
    }
    *out.out << (response.rules_file_ok() ? "" : ", last reload FAILED") << '\n';
    TextTable table({{"NAME"}, {"FOR", Align::kRight}, {"SEVERITY"}, {"STATE"},
                     {"FIRING", Align::kRight}, {"PENDING", Align::kRight},
                     {"LAST EVAL", Align::kRight}, {"EVAL TIME", Align::kRight}, {"EXPR"}});
    for (const v1::RuleInfo& r : rules) {
      const std::string& severity = ProtoLabel(r.labels(), "severity");
      const bool evaluated = r.last_evaluation_ms() != 0;
      table.AddRow({r.name(), FormatDuration(std::chrono::milliseconds(r.for_ms())),
                    severity.empty() ? "-" : severity,
                    r.last_error().empty()
                        ? "ok"
                        : TruncateText(absl::StrCat("error: ", r.last_error()), kErrorChars),
                    absl::StrCat(r.firing()), absl::StrCat(r.pending()),
                    evaluated ? FormatAgo(now_ms - r.last_evaluation_ms()) : "never",
                    evaluated ? FormatSeconds(r.last_duration_seconds()) : "-",
                    TruncateText(r.expr(), kExprChars)});
    }
    table.Write(*out.out);
    NoteEmpty(rules.empty(), "no rules loaded", out);
  }
  if (!response.rules_file_ok()) {
    *out.err << "sctl: rules file " << SanitizeForTerminal(response.rules_file())
             << ": reload FAILED, older rules still running: "
             << (response.rules_file_error().empty()
                     ? std::string("see the collector's log, or run scout-collector --check-rules on it")
                     : SanitizeForTerminal(response.rules_file_error()))
             << "\n";
  }
}

void RenderSilenceAdded(const v1::AddSilenceResponse& response, int64_t now_ms,
                        const Output& out) {
  const v1::Silence& s = response.silence();
  const uint32_t n = response.matching_alerts();
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject()
        .Key("id").String(s.id())
        .Key("matchers").String(s.matchers());
    WriteTimeJson(json, "starts", s.starts_ms());
    WriteTimeJson(json, "ends", s.ends_ms());
    json.Key("comment").String(s.comment()).Key("created_by").String(s.created_by());
    WriteTimeJson(json, "created", s.created_ms());
    json.Key("matching_alerts").Int(n).EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"id", "matchers", "starts_ms", "ends_ms", "ends", "created_by",
                           "comment", "matching_alerts"});
    WriteCsvRow(*out.out, {s.id(), s.matchers(), absl::StrCat(s.starts_ms()),
                           absl::StrCat(s.ends_ms()), FormatRfc3339Utc(s.ends_ms()),
                           s.created_by(), s.comment(), absl::StrCat(n)});
  } else {
    *out.out << "Silence " << SanitizeForTerminal(s.id()) << " added: "
             << SanitizeForTerminal(s.matchers()) << " until "
             << EndsCell(s.ends_ms(), now_ms, out.tz) << "; "
             << (n == 0 ? std::string("no alert matches it now")
                        : absl::StrCat("silencing ", Plural(n, "alert", "alerts"), " now"))
             << '\n';
  }
}

void RenderSilences(const v1::ListSilencesResponse& response, int64_t now_ms, bool all,
                    const Output& out) {
  std::vector<v1::Silence> silences(response.silences().begin(), response.silences().end());
  // Ending soonest first; with --all the expired ones come first, oldest
  // first, so the active ones stay next to the prompt.
  std::stable_sort(silences.begin(), silences.end(),
                   [](const v1::Silence& a, const v1::Silence& b) {
                     return std::make_tuple(a.ends_ms(), a.id()) < std::make_tuple(b.ends_ms(), b.id());
                   });
  auto active = [&](const v1::Silence& s) {
    return s.starts_ms() <= now_ms && now_ms < s.ends_ms();
  };
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("silences").BeginArray();
    for (const v1::Silence& s : silences) {
      json.BeginObject().Key("id").String(s.id()).Key("matchers").String(s.matchers());
      WriteTimeJson(json, "starts", s.starts_ms());
      WriteTimeJson(json, "ends", s.ends_ms());
      json.Key("active").Bool(active(s))
          .Key("comment").String(s.comment())
          .Key("created_by").String(s.created_by());
      WriteTimeJson(json, "created", s.created_ms());
      json.EndObject();
    }
    json.EndArray().EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"id", "matchers", "starts_ms", "ends_ms", "ends", "active",
                           "created_by", "created_ms", "comment"});
    for (const v1::Silence& s : silences) {
      WriteCsvRow(*out.out, {s.id(), s.matchers(), absl::StrCat(s.starts_ms()),
                             absl::StrCat(s.ends_ms()), FormatRfc3339Utc(s.ends_ms()),
                             active(s) ? "true" : "false", s.created_by(),
                             absl::StrCat(s.created_ms()), s.comment()});
    }
  } else {
    TextTable table({{"ID"}, {"MATCHERS"}, {"ENDS"}, {"CREATED BY"}, {"COMMENT"}});
    for (const v1::Silence& s : silences) {
      table.AddRow({s.id(), s.matchers(), EndsCell(s.ends_ms(), now_ms, out.tz),
                    s.created_by().empty() ? "-" : s.created_by(),
                    TruncateText(s.comment(), kCommentChars)});
    }
    table.Write(*out.out);
    NoteEmpty(silences.empty(), all ? "no silences" : "no active silences", out);
  }
}

// ---- Commands ----

absl::Status RunAlerts(v1::Alerts::StubInterface& stub, const Context& ctx, bool include_resolved,
                       const Output& out) {
  v1::ListAlertsRequest request;
  request.set_include_resolved(include_resolved);
  v1::ListAlertsResponse response;
  absl::Status status = Call(ctx, stub, &v1::Alerts::StubInterface::ListAlerts, request,
                             &response);
  if (!status.ok()) return status;
  RenderAlerts(response, ctx.clock->NowMs(), include_resolved, out);
  return absl::OkStatus();
}

absl::Status RunAlertHistory(v1::Alerts::StubInterface& stub, const Context& ctx,
                             const v1::AlertHistoryRequest& request, const Output& out) {
  v1::AlertHistoryResponse response;
  absl::Status status = Call(ctx, stub, &v1::Alerts::StubInterface::History, request,
                             &response);
  if (!status.ok()) return status;
  RenderAlertHistory(response, request, out);
  return absl::OkStatus();
}

absl::Status RunRules(v1::Alerts::StubInterface& stub, const Context& ctx, const Output& out) {
  v1::ListRulesResponse response;
  absl::Status status = Call(ctx, stub, &v1::Alerts::StubInterface::ListRules,
                             v1::ListRulesRequest(), &response);
  if (!status.ok()) return status;
  RenderRules(response, ctx.clock->NowMs(), out);
  return absl::OkStatus();
}

absl::Status RunSilenceAdd(v1::Alerts::StubInterface& stub, const Context& ctx,
                           const v1::AddSilenceRequest& request, const Output& out) {
  v1::AddSilenceResponse response;
  absl::Status status = Call(ctx, stub, &v1::Alerts::StubInterface::AddSilence, request,
                             &response);
  if (!status.ok()) return status;
  RenderSilenceAdded(response, ctx.clock->NowMs(), out);
  return absl::OkStatus();
}

absl::Status RunSilenceList(v1::Alerts::StubInterface& stub, const Context& ctx, bool all,
                            const Output& out) {
  v1::ListSilencesRequest request;
  request.set_include_expired(all);
  v1::ListSilencesResponse response;
  absl::Status status = Call(ctx, stub, &v1::Alerts::StubInterface::ListSilences, request,
                             &response);
  if (!status.ok()) return status;
  RenderSilences(response, ctx.clock->NowMs(), all, out);
  return absl::OkStatus();
}

absl::Status RunSilenceExpire(v1::Alerts::StubInterface& stub, const Context& ctx,
                              const std::string& id, const Output& out) {
  v1::ExpireSilenceRequest request;
  request.set_id(id);
  v1::ExpireSilenceResponse response;
  absl::Status status = Call(ctx, stub, &v1::Alerts::StubInterface::ExpireSilence, request,
                             &response);
  if (status.code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(
        absl::StrCat("no silence with id \"", id, "\" (see sctl silence list --all)"));
  }
  if (!status.ok()) return status;
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("id").String(id).Key("expired").Bool(true).EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"id", "expired"});
    WriteCsvRow(*out.out, {id, "true"});
  } else {
    *out.out << "Silence " << SanitizeForTerminal(id) << " expired\n";
  }
  return absl::OkStatus();
}

}  // namespace scout::ctl
