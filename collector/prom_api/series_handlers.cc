// /api/v1/series, /api/v1/labels, /api/v1/label/<name>/values over
// Storage::ListSeries (and Latest, to honour `start`).
//
// start/end: Storage keeps no per-series time span cheaply, so `start` is
// honoured through each series' newest point (a series whose newest point
// is older than `start` is left out) and `end` is not (a series that only
// began after `end` is still listed). docs/prometheus.md says so.
#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/prom_api/api_json.h"
#include "collector/prom_api/api_params.h"
#include "collector/prom_api/handlers.h"

namespace scout::collector::prom_api {
namespace {

constexpr absl::string_view kLabelPrefix = "/api/v1/label/";
constexpr absl::string_view kValuesSuffix = "/values";
constexpr char kTruncated[] = "results truncated due to limit";

std::optional<std::string> NonEmptyParam(const http::Request& req, std::string_view name) {
  std::optional<std::string> v = req.Param(name);
  if (v.has_value() && v->empty()) return std::nullopt;
  return v;
}

struct SeriesSet {
  std::set<SeriesKey> keys;
  bool truncated = false;
};

// Series matching any of `selectors` (every series when empty), at most
// `cap`, newest point at or after `start_ms` when given.
absl::StatusOr<SeriesSet> CollectSeries(const PromApiDeps& deps, QueryGate::Ticket& ticket,
                                        const std::vector<CompiledSelector>& selectors,
                                        std::optional<int64_t> start_ms, size_t cap) {
  SeriesSet out;
  auto add = [&](const CompiledSelector& sel) -> absl::Status {
    if (start_ms.has_value()) {
      absl::StatusOr<Limited<SeriesPoints>> r = deps.storage.Latest(sel, cap);
      if (!r.ok()) return r.status();
      out.truncated |= r->truncated;
      if (absl::Status s = ticket.budget().Charge(static_cast<int64_t>(r->items.size()));
          !s.ok()) {
        return s;
      }
      for (SeriesPoints& s : r->items) {
        if (!s.points.empty() && s.points.back().timestamp_ms >= *start_ms) {
          out.keys.insert(std::move(s.key));
        }
      }
      return absl::OkStatus();
    }
    absl::StatusOr<Limited<SeriesKey>> r = deps.storage.ListSeries(sel, cap);
    if (!r.ok()) return r.status();
    out.truncated |= r->truncated;
    for (SeriesKey& k : r->items) out.keys.insert(std::move(k));
    return ticket.budget().Check();
  };
  if (selectors.empty()) {
    absl::StatusOr<CompiledSelector> all = CompiledSelector::Compile(Selector{});
    if (!all.ok()) return all.status();
    if (absl::Status s = add(*all); !s.ok()) return s;
  }
  for (const CompiledSelector& sel : selectors) {
    if (absl::Status s = add(sel); !s.ok()) return s;
  }
  if (out.keys.size() > cap) {
    out.keys.erase(std::next(out.keys.begin(), static_cast<std::ptrdiff_t>(cap)), out.keys.end());
    out.truncated = true;
  }
  return out;
}

// The common parameters: match[], start, limit. `need_match`: /series
// refuses a request without match[] (Prometheus does too).
struct ListParams {
  std::vector<CompiledSelector> selectors;
  std::optional<int64_t> start_ms;
  size_t limit = 0;  // 0: none
};
absl::StatusOr<ListParams> ParseListParams(const http::Request& req, bool need_match) {
  ListParams p;
  std::vector<std::string> matches = req.Params("match[]");
  if (need_match && matches.empty()) {
    return absl::InvalidArgumentError("no match[] parameter provided");
  }
  absl::StatusOr<std::vector<CompiledSelector>> sels = ParseMatchers(matches);
  if (!sels.ok()) return sels.status();
  p.selectors = *std::move(sels);
  std::optional<std::string> start = NonEmptyParam(req, "start");
  if (start.has_value()) {
    absl::StatusOr<int64_t> s = TimeParam("start", start, 0);
    if (!s.ok()) return s.status();
    p.start_ms = *s;
  }
  if (std::optional<std::string> end = NonEmptyParam(req, "end")) {
    if (absl::StatusOr<int64_t> e = TimeParam("end", end, 0); !e.ok()) return e.status();
  }
  absl::StatusOr<size_t> limit = ParseLimit(req.Param("limit"));
  if (!limit.ok()) return limit.status();
  p.limit = *limit;
  return p;
}

http::Response Failed(QueryGate::Ticket& ticket, const absl::Status& status) {
  return ErrorResponse(ticket.Done(status));
}

// Sorted strings, cut at `limit` (0: none) with Prometheus's warning.
http::Response StringList(const std::set<std::string>& values, size_t limit, bool truncated) {
  nlohmann::json data = nlohmann::json::array();
  for (const std::string& v : values) {
    if (limit > 0 && data.size() >= limit) {
      truncated = true;
      break;
    }
    data.push_back(v);
  }
  std::vector<std::string> warnings;
  if (truncated) warnings.push_back(kTruncated);
  return SuccessResponse(std::move(data), warnings);
}

}  // namespace

http::Response HandleSeries(const PromApiDeps& deps, const http::Request& req,
                            QueryGate::Ticket& ticket) {
  absl::StatusOr<ListParams> p = ParseListParams(req, /*need_match=*/true);
  if (!p.ok()) return ErrorResponse(p.status());
  const size_t cap = ticket.SeriesLimit(p->limit, deps.limits.max_series);
  absl::StatusOr<SeriesSet> set = CollectSeries(deps, ticket, p->selectors, p->start_ms, cap);
  if (!set.ok()) return Failed(ticket, set.status());
  nlohmann::json data = nlohmann::json::array();
  for (const SeriesKey& k : set->keys) data.push_back(MetricJson(k.metric, k.labels));
  std::vector<std::string> warnings;
  if (set->truncated) warnings.push_back(kTruncated);
  return SuccessResponse(std::move(data), warnings);
}

http::Response HandleLabels(const PromApiDeps& deps, const http::Request& req,
                            QueryGate::Ticket& ticket) {
  absl::StatusOr<ListParams> p = ParseListParams(req, /*need_match=*/false);
  if (!p.ok()) return ErrorResponse(p.status());
  const size_t cap = ticket.SeriesLimit(0, deps.limits.max_series);
  absl::StatusOr<SeriesSet> set = CollectSeries(deps, ticket, p->selectors, p->start_ms, cap);
  if (!set.ok()) return Failed(ticket, set.status());
  std::set<std::string> names;
  for (const SeriesKey& k : set->keys) {
    names.insert("__name__");
    for (const auto& [name, value] : k.labels) names.insert(name);
  }
  return StringList(names, p->limit, set->truncated);
}

http::Response HandleLabelValues(const PromApiDeps& deps, const http::Request& req,
                                 QueryGate::Ticket& ticket) {
  absl::string_view path = req.path;
  if (!absl::StartsWith(path, kLabelPrefix) || !absl::EndsWith(path, kValuesSuffix) ||
      path.size() <= kLabelPrefix.size() + kValuesSuffix.size()) {
    return ErrorResponse(ErrorType::kNotFound, "not found");
  }
  const std::string name(path.substr(
      kLabelPrefix.size(), path.size() - kLabelPrefix.size() - kValuesSuffix.size()));
  if (!IsValidLabelName(name)) {
    return ErrorResponse(ErrorType::kBadData, absl::StrCat("invalid label name: \"", name, "\""));
  }
  absl::StatusOr<ListParams> p = ParseListParams(req, /*need_match=*/false);
  if (!p.ok()) return ErrorResponse(p.status());
  const size_t cap = ticket.SeriesLimit(0, deps.limits.max_series);
  absl::StatusOr<SeriesSet> set = CollectSeries(deps, ticket, p->selectors, p->start_ms, cap);
  if (!set.ok()) return Failed(ticket, set.status());
  std::set<std::string> values;
  for (const SeriesKey& k : set->keys) {
    const std::string& v = name == "__name__" ? k.metric : LabelValue(k.labels, name);
    if (!v.empty()) values.insert(v);
  }
  return StringList(values, p->limit, set->truncated);
}

}  // namespace scout::collector::prom_api
