#include <cmath>
#include "ctl/commands.h"

#include <algorithm>
#include <utility>

#include <grpcpp/client_context.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/duration.h"
#include "shared/metric.h"
#include "shared/proto_convert.h"
#include "shared/selector.h"

namespace scout::ctl {
namespace {

using Align = TextTable::Align;

constexpr std::pair<const char*, v1::Aggregation> kAggregations[] = {
    {"avg", v1::AVG},   {"min", v1::MIN},   {"max", v1::MAX},   {"sum", v1::SUM},
    {"count", v1::COUNT}, {"last", v1::LAST}, {"rate", v1::RATE}, {"p50", v1::P50},
    {"p95", v1::P95},   {"p99", v1::P99}};

const char* AggregationName(v1::Aggregation agg) {
  for (const auto& [name, value] : kAggregations) {
    if (value == agg) return name;
  }
  return "avg";  // AGGREGATION_UNSPECIFIED is AVG on the collector
}

std::string LabelPairs(const Labels& labels) {
  if (labels.empty()) return "-";
  return absl::StrJoin(labels, ",", [](std::string* out, const auto& label) {
    absl::StrAppend(out, label.first, "=", label.second);
  });
}

// The {...} part of a series key, without the metric name.
std::string LabelMatchersText(const Labels& labels) {
  std::string key = SeriesKeyString(SeriesKey{"", labels});
  return key.size() >= 2 ? key.substr(1, key.size() - 2) : key;
}

void WriteLabelsJson(JsonWriter& json, const Labels& labels) {
  json.Key("labels").BeginObject();
  for (const auto& [name, value] : labels) json.Key(name).String(value);
  json.EndObject();
}

void WriteTimeJson(JsonWriter& json, int64_t ms) {
  json.Key("timestamp_ms").Int(ms).Key("time").String(FormatRfc3339Utc(ms));
}

std::vector<SeriesPoints> SortedSeries(
    const google::protobuf::RepeatedPtrField<v1::SeriesPoints>& series) {
  std::vector<SeriesPoints> out;
  out.reserve(series.size());
  for (const v1::SeriesPoints& s : series) out.push_back(SeriesPointsFromProto(s));
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

void NoteTruncated(bool truncated, const Output& out) {
  if (truncated) {
    *out.err << "sctl: note: the collector truncated the result; narrow the selector\n";
  }
}

void NoteEmpty(bool empty, const char* what, const Output& out) {
  if (empty && out.format == OutputFormat::kTable) *out.err << "sctl: " << what << "\n";
}

// Units follow the metric name, except where the aggregation changes them:
// a count is a number of samples, a rate is per second.
std::string HumanizeAggregated(const std::string& metric, v1::Aggregation agg,
                               double value) {
  if (agg == v1::COUNT) return FormatNumber(value);
  if (agg == v1::RATE) {
    if (absl::EndsWith(metric, "_bytes") || absl::EndsWith(metric, "_bytes_total")) {
      return FormatBytes(value) + "/s";
    }
    return FormatNumber(value) + "/s";
  }
  return HumanizeValue(metric, value);
}

}  // namespace

absl::StatusOr<v1::Selector> ParseSelectorArg(const std::string& text) {
  auto selector = ParseSelector(text);
  if (!selector.ok()) return selector.status();
  auto compiled = CompiledSelector::Compile(*selector);
  if (!compiled.ok()) return compiled.status();
  return SelectorToProto(*selector);
}

absl::StatusOr<v1::Aggregation> ParseAggregation(const std::string& text) {
  for (const auto& [name, value] : kAggregations) {
    if (text == name) return value;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown aggregation \"", text,
      "\" (expected avg, min, max, sum, count, last, rate, p50, p95 or p99)"));
}

absl::StatusOr<QueryPlan> PlanQuery(const QueryArgs& args, int64_t now_ms,
                                    absl::TimeZone tz) {
  QueryPlan plan;
  plan.long_form = args.long_form;
  v1::QueryRangeRequest& request = plan.request;
  auto selector = ParseSelectorArg(args.selector);
  if (!selector.ok()) return selector.status();
  *request.mutable_selector() = *std::move(selector);
  auto range = ResolveTimeRange(args.range, now_ms, tz);
  if (!range.ok()) return range.status();
  request.set_start_ms(range->start_ms);
  request.set_end_ms(range->end_ms);
  if (!args.step.empty()) {
    auto step = ParseDuration(args.step);
    if (!step.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--step: ", step.status().message()));
    }
    if (step->count() <= 0) return absl::InvalidArgumentError("--step must be positive");
    request.set_step_ms(step->count());
  }
  auto agg = ParseAggregation(args.agg);
  if (!agg.ok()) return agg.status();
  request.set_aggregation(*agg);
  return plan;
}

absl::Status RunAgents(v1::Query::StubInterface& stub, const Context& ctx,
                       const Output& out) {
  v1::ListAgentsResponse response;
  absl::Status status = Call(ctx, stub, &v1::Query::StubInterface::ListAgents,
                             v1::ListAgentsRequest(), &response);
  if (!status.ok()) return status;
  std::vector<v1::AgentInfo> agents(response.agents().begin(), response.agents().end());
  std::sort(agents.begin(), agents.end(),
            [](const auto& a, const auto& b) { return a.agent_id() < b.agent_id(); });
  const int64_t now_ms = ctx.clock->NowMs();
  auto status_text = [](const v1::AgentInfo& a) { return a.up() ? "up" : "down"; };

  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("agents").BeginArray();
    for (const v1::AgentInfo& a : agents) {
      json.BeginObject()
          .Key("agent_id").String(a.agent_id())
          .Key("hostname").String(a.hostname())
          .Key("version").String(a.version())
          .Key("status").String(status_text(a))
          .Key("up").Bool(a.up())
          .Key("connected").Bool(a.connected())
          .Key("peer").String(a.peer())
          .Key("incarnation_id").String(a.incarnation_id());
      WriteLabelsJson(json, LabelsFromProto(a.labels()));
      json.Key("first_seen_ms").Int(a.first_seen_ms())
          .Key("first_seen").String(FormatRfc3339Utc(a.first_seen_ms()))
          .Key("last_seen_ms").Int(a.last_seen_ms())
          .Key("last_seen").String(FormatRfc3339Utc(a.last_seen_ms()))
          .Key("clock_skew_ms").Int(a.clock_skew_ms())
          .EndObject();
    }
    json.EndArray().EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"agent", "host", "version", "status", "connected",
                           "last_seen_ms", "last_seen", "clock_skew_ms", "labels"});
    for (const v1::AgentInfo& a : agents) {
      Labels labels = LabelsFromProto(a.labels());
      WriteCsvRow(*out.out, {a.agent_id(), a.hostname(), a.version(), status_text(a),
                             a.connected() ? "true" : "false",
                             absl::StrCat(a.last_seen_ms()),
                             FormatRfc3339Utc(a.last_seen_ms()),
                             absl::StrCat(a.clock_skew_ms()),
                             labels.empty() ? "" : LabelPairs(labels)});
    }
  } else {
    TextTable table(
        {{"AGENT"}, {"HOST"}, {"VERSION"}, {"STATUS"}, {"LAST SEEN"}, {"CLOCK SKEW"}, {"LABELS"}});
    for (const v1::AgentInfo& a : agents) {
      // Signed: positive means the agent's clock is ahead of the collector's.
      const double skew_s = static_cast<double>(a.clock_skew_ms()) / 1000.0;
      table.AddRow({a.agent_id(), a.hostname(), a.version(), status_text(a),
                    a.last_seen_ms() == 0 ? "never" : FormatAgo(now_ms - a.last_seen_ms()),
                    (skew_s < 0 ? "-" : "+") + FormatSeconds(std::abs(skew_s)),
                    LabelPairs(LabelsFromProto(a.labels()))});
    }
    table.Write(*out.out);
    NoteEmpty(agents.empty(), "no agents have reported to this collector", out);
  }
  return absl::OkStatus();
}

absl::Status RunSeries(v1::Query::StubInterface& stub, const Context& ctx,
                       const v1::Selector& selector, const Output& out) {
  v1::ListSeriesRequest request;
  *request.mutable_selector() = selector;
  v1::ListSeriesResponse response;
  absl::Status status = Call(ctx, stub, &v1::Query::StubInterface::ListSeries, request, &response);
  if (!status.ok()) return status;
  std::vector<SeriesKey> keys;
  for (const v1::SeriesInfo& s : response.series()) {
    keys.push_back({s.metric(), LabelsFromProto(s.labels())});
  }
  std::sort(keys.begin(), keys.end());

  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("series").BeginArray();
    for (const SeriesKey& key : keys) {
      json.BeginObject().Key("metric").String(key.metric);
      WriteLabelsJson(json, key.labels);
      json.EndObject();
    }
    json.EndArray().Key("truncated").Bool(response.truncated()).EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"series", "metric", "labels"});
    for (const SeriesKey& key : keys) {
      WriteCsvRow(*out.out, {SeriesKeyString(key), key.metric, LabelMatchersText(key.labels)});
    }
  } else {
    for (const SeriesKey& key : keys) *out.out << SanitizeForTerminal(SeriesKeyString(key)) << '\n';
    NoteEmpty(keys.empty(), "no series match the selector", out);
  }
  NoteTruncated(response.truncated(), out);
  return absl::OkStatus();
}

absl::Status RunQuery(v1::Query::StubInterface& stub, const Context& ctx,
                      const QueryPlan& plan, const Output& out) {
  v1::QueryRangeResponse response;
  absl::Status status = Call(ctx, stub, &v1::Query::StubInterface::QueryRange,
                             plan.request, &response);
  if (!status.ok()) return status;
  const std::vector<SeriesPoints> series = SortedSeries(response.series());
  const v1::Aggregation agg = plan.request.aggregation();

  if (out.format == OutputFormat::kJson) {
    const v1::QueryRangeRequest& q = plan.request;
    JsonWriter json(*out.out);
    json.BeginObject()
        .Key("start_ms").Int(q.start_ms()).Key("start").String(FormatRfc3339Utc(q.start_ms()))
        .Key("end_ms").Int(q.end_ms()).Key("end").String(FormatRfc3339Utc(q.end_ms()))
        .Key("step_ms").Int(q.step_ms())
        .Key("aggregation").String(AggregationName(agg))
        .Key("series").BeginArray();
    for (const SeriesPoints& s : series) {
      json.BeginObject().Key("metric").String(s.key.metric);
      WriteLabelsJson(json, s.key.labels);
      json.Key("points").BeginArray();
      for (const Point& p : s.points) {
        json.BeginObject();
        WriteTimeJson(json, p.timestamp_ms);
        json.Key("value").Number(p.value).EndObject();
      }
      json.EndArray().EndObject();
    }
    json.EndArray().Key("truncated").Bool(response.truncated()).EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"series", "timestamp_ms", "time", "value"});
    for (const SeriesPoints& s : series) {
      std::string key = SeriesKeyString(s.key);
      for (const Point& p : s.points) {
        WriteCsvRow(*out.out, {key, absl::StrCat(p.timestamp_ms),
                               FormatRfc3339Utc(p.timestamp_ms), FormatRawNumber(p.value)});
      }
    }
  } else if (plan.long_form) {
    TextTable table({{"SERIES"}, {"TIME"}, {"VALUE", Align::kRight}});
    for (const SeriesPoints& s : series) {
      std::string key = SeriesKeyString(s.key);
      for (const Point& p : s.points) {
        table.AddRow({key, FormatLocalTime(p.timestamp_ms, out.tz),
                      HumanizeAggregated(s.key.metric, agg, p.value)});
      }
    }
    table.Write(*out.out);
  } else {
    for (size_t i = 0; i < series.size(); ++i) {
      const SeriesPoints& s = series[i];
      if (i > 0) *out.out << '\n';
      *out.out << SanitizeForTerminal(SeriesKeyString(s.key)) << '\n';
      TextTable table({{"TIME"}, {"VALUE", Align::kRight}});
      for (const Point& p : s.points) {
        table.AddRow({FormatLocalTime(p.timestamp_ms, out.tz),
                      HumanizeAggregated(s.key.metric, agg, p.value)});
      }
      table.Write(*out.out);
    }
  }
  NoteEmpty(series.empty(), "no series match the selector in this time range", out);
  NoteTruncated(response.truncated(), out);
  return absl::OkStatus();
}

absl::Status RunLatest(v1::Query::StubInterface& stub, const Context& ctx,
                       const v1::Selector& selector, const Output& out) {
  v1::LatestRequest request;
  *request.mutable_selector() = selector;
  v1::LatestResponse response;
  absl::Status status = Call(ctx, stub, &v1::Query::StubInterface::Latest, request,
                             &response);
  if (!status.ok()) return status;
  std::vector<SeriesPoints> series = SortedSeries(response.series());
  // The protocol promises one point per series; a series without one has
  // nothing to show.
  series.erase(std::remove_if(series.begin(), series.end(),
                              [](const auto& s) { return s.points.empty(); }),
               series.end());
  const int64_t now_ms = ctx.clock->NowMs();

  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("series").BeginArray();
    for (const SeriesPoints& s : series) {
      const Point& p = s.points.back();
      json.BeginObject().Key("metric").String(s.key.metric);
      WriteLabelsJson(json, s.key.labels);
      WriteTimeJson(json, p.timestamp_ms);
      json.Key("value").Number(p.value).EndObject();
    }
    json.EndArray().Key("truncated").Bool(response.truncated()).EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"series", "timestamp_ms", "time", "value"});
    for (const SeriesPoints& s : series) {
      const Point& p = s.points.back();
      WriteCsvRow(*out.out, {SeriesKeyString(s.key), absl::StrCat(p.timestamp_ms),
                             FormatRfc3339Utc(p.timestamp_ms), FormatRawNumber(p.value)});
    }
  } else {
    TextTable table({{"SERIES"}, {"VALUE", Align::kRight}, {"AGE", Align::kRight}});
    for (const SeriesPoints& s : series) {
      const Point& p = s.points.back();
      table.AddRow({SeriesKeyString(s.key), HumanizeValue(s.key.metric, p.value),
                    FormatAge(now_ms - p.timestamp_ms)});
    }
    table.Write(*out.out);
    NoteEmpty(series.empty(), "no series match the selector", out);
  }
  NoteTruncated(response.truncated(), out);
  return absl::OkStatus();
}

}  // namespace scout::ctl
