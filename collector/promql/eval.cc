#include "collector/promql/eval.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/promql/ast.h"
#include "collector/promql/eval_internal.h"
#include "collector/promql/functions.h"
#include "re2/re2.h"
#include "shared/status_macros.h"

namespace scout::collector::promql {
namespace {

using ast::AggOp;
using ast::BinOp;
using ast::Func;
using ast::Kind;
using ast::LabelClause;
using ast::Node;

using internal::Sample;

struct Value {
  bool scalar = false;
  double s = 0;
  std::vector<Sample> v;
};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const Labels& EmptyLabels() {
  static const Labels* kEmpty = new Labels();
  return *kEmpty;
}

const std::string kNameLabel = "__name__";

bool Contains(const std::vector<std::string>& sorted, const std::string& name) {
  return std::binary_search(sorted.begin(), sorted.end(), name);
}

double Arith(BinOp op, double a, double b) {
  switch (op) {
    case BinOp::kAdd: return a + b;
    case BinOp::kSub: return a - b;
    case BinOp::kMul: return a * b;
    case BinOp::kDiv: return a / b;  // IEEE: x/0 = ±Inf, 0/0 = NaN
    case BinOp::kMod: return std::fmod(a, b);
    case BinOp::kPow: return std::pow(a, b);
    case BinOp::kAtan2: return std::atan2(a, b);
    default: return std::numeric_limits<double>::quiet_NaN();
  }
}

bool Compare(BinOp op, double a, double b) {
  switch (op) {
    case BinOp::kEq: return a == b;
    case BinOp::kNe: return a != b;
    case BinOp::kGt: return a > b;
    case BinOp::kLt: return a < b;
    case BinOp::kGe: return a >= b;
    case BinOp::kLe: return a <= b;
    default: return false;
  }
}

// The labels two elements are matched (or grouped) on, as one string.
void Signature(const Sample& s, LabelClause clause, const std::vector<std::string>& names,
               std::string* out) {
  out->clear();
  if (clause == LabelClause::kOn || clause == LabelClause::kBy) {
    for (const std::string& name : names) {
      if (name == kNameLabel) {
        if (s.metric != nullptr) *out += *s.metric;
      } else {
        *out += LabelValue(*s.labels, name);
      }
      *out += '\xff';
    }
    return;
  }
  // All labels (the metric name never counts), minus `names`.
  for (const auto& [name, value] : *s.labels) {
    if (!names.empty() && Contains(names, name)) continue;
    *out += name;
    *out += '\xfe';
    *out += value;
    *out += '\xff';
  }
}

// `{a="x", b="y"}` for messages.
std::string FormatLabels(const Labels& labels, const std::string* metric) {
  SeriesKey key;
  key.metric = metric != nullptr ? *metric : std::string();
  key.labels = labels;
  std::string s = SeriesKeyString(key);
  if (s.empty() || s.back() != '}') s += "{}";
  return s;
}

// The labels compared when matching `s`, for messages.
std::string MatchedLabels(const Sample& s, LabelClause clause,
                          const std::vector<std::string>& names) {
  Labels out;
  if (clause == LabelClause::kOn) {
    for (const std::string& name : names) {
      if (name == kNameLabel) {
        out.emplace_back(name, s.metric != nullptr ? *s.metric : std::string());
      } else {
        out.emplace_back(name, LabelValue(*s.labels, name));
      }
    }
  } else {
    for (const auto& [name, value] : *s.labels) {
      if (!Contains(names, name)) out.emplace_back(name, value);
    }
  }
  return FormatLabels(out, nullptr);
}

// Identity of a result element, for the duplicate check of Finish().
struct SamplePtrHash {
  size_t operator()(const Sample* s) const { return internal::SampleHash()(*s); }
};
struct SamplePtrEq {
  bool operator()(const Sample* a, const Sample* b) const { return internal::SampleEq()(*a, *b); }
};

class Evaluator {
 public:
  Evaluator(SeriesSource& source, int64_t now_ms, const EvalOptions& options,
            const internal::Preloaded* preloaded = nullptr)
      : source_(source), now_(now_ms), options_(options), preloaded_(preloaded) {}

  absl::StatusOr<Value> Eval(const Node& n) {
    switch (n.kind) {
      case Kind::kNumber: {
        Value v;
        v.scalar = true;
        v.s = n.number;
        return v;
      }
      case Kind::kString:  // only read by the functions that take one
        return absl::InternalError("a string is not a value");
      case Kind::kParen:
        return Eval(*n.children[0]);
      case Kind::kNegate: {
        SCOUT_ASSIGN_OR_RETURN(Value v, Eval(*n.children[0]));
        v.s = -v.s;
        for (Sample& s : v.v) {
          s.value = -s.value;
          s.metric = nullptr;
        }
        return v;
      }
      case Kind::kSelector:
        return InstantSelector(n);
      case Kind::kCall:
        return Call(n);
      case Kind::kBinary:
        return Binary(n);
      case Kind::kAggregate:
        return Aggregate(n);
    }
    return absl::InternalError("unknown expression node");
  }

  // The points of a range selector's window, per series (see eval.h).
  absl::StatusOr<std::vector<RangeElement>> RangeSelector(const Node& sel) {
    SCOUT_ASSIGN_OR_RETURN(const Series* series, ReadWindow(sel, sel.range_ms));
    std::vector<RangeElement> out;
    for (const SeriesPoints& sp : *series) {
      auto [lo0, hi0] = Window(sp.points, sel, sel.range_ms);
      auto [lo, hi] = WithoutStale(lo0, hi0);
      if (lo == hi) continue;
      Sample s{&sp.key.labels, &sp.key.metric, 0};
      out.push_back({internal::ElementLabels(s), std::vector<Point>(lo, hi)});
    }
    std::sort(out.begin(), out.end(),
              [](const RangeElement& a, const RangeElement& b) { return a.labels < b.labels; });
    return out;
  }

  absl::StatusOr<EvalResult> Finish(Value v) {
    EvalResult r;
    if (v.scalar) {
      r.is_scalar = true;
      r.scalar = v.s;
      return r;
    }
    // One alert per label set: two elements with the same labels would be
    // indistinguishable.
    std::unordered_set<const Sample*, SamplePtrHash, SamplePtrEq> seen;
    seen.reserve(v.v.size());
    for (const Sample& s : v.v) {
      if (!seen.insert(&s).second) return internal::DuplicateElementError(s);
    }
    r.vector.reserve(v.v.size());
    for (const Sample& s : v.v) r.vector.push_back({internal::ElementLabels(s), s.value});
    return r;
  }

 private:
  using Series = std::vector<SeriesPoints>;

  const Labels* Keep(Labels labels) {
    arena_.push_back(std::move(labels));
    return &arena_.back();
  }

  static absl::Status SourceError(const absl::Status& s, const Node& sel) {
    return absl::Status(s.code(), absl::StrCat("reading ", FormatSelector(sel.selector), ": ",
                                               std::string(s.message())));
  }

  bool prom() const { return options_.semantics == Semantics::kPrometheus; }

  // The window of a selector read as of t - offset: (t - range, t] for
  // kScout, [t - range, t] for kPrometheus (as Prometheus 2.x).
  int64_t WindowEnd(const Node& sel) const { return now_ - sel.offset_ms; }
  int64_t WindowStart(const Node& sel, int64_t range_ms) const {
    return WindowEnd(sel) - range_ms + (prom() ? 0 : 1);
  }

  // The points in the window of every series matching the selector.
  absl::StatusOr<const Series*> ReadWindow(const Node& sel, int64_t range_ms) {
    if (preloaded_ != nullptr) {
      // The whole range's points: Window() finds this step's by binary search.
      auto found = preloaded_->find(sel.compiled.get());
      if (found != preloaded_->end()) return &found->second;
    }
    const int64_t start = WindowStart(sel, range_ms);
    const int64_t end = WindowEnd(sel) + 1;
    const auto key = std::make_tuple(sel.selector_id, start, end);
    auto it = ranges_.find(key);
    if (it == ranges_.end()) {
      absl::StatusOr<Series> read = source_.ReadRange(*sel.compiled, start, end);
      if (!read.ok()) return SourceError(read.status(), sel);
      it = ranges_.emplace(key, *std::move(read)).first;
    }
    return &it->second;
  }

  // [first, last) of the points in the selector's window.
  std::pair<const Point*, const Point*> Window(const std::vector<Point>& pts, const Node& sel,
                                               int64_t range_ms) const {
    const int64_t lo_ts = WindowStart(sel, range_ms);
    const int64_t hi_ts = WindowEnd(sel);
    const Point* b = pts.data();
    const Point* e = pts.data() + pts.size();
    const Point* lo =
        std::partition_point(b, e, [&](const Point& p) { return p.timestamp_ms < lo_ts; });
    const Point* hi =
        std::partition_point(lo, e, [&](const Point& p) { return p.timestamp_ms <= hi_ts; });
    return {lo, hi};
  }

  // The window without stale markers (copied only when there are some).
  std::pair<const Point*, const Point*> WithoutStale(const Point* lo, const Point* hi) {
    const Point* first_stale =
        std::find_if(lo, hi, [](const Point& p) { return IsStaleNaN(p.value); });
    if (first_stale == hi) return {lo, hi};
    fresh_.clear();
    for (const Point* p = lo; p < hi; ++p) {
      if (!IsStaleNaN(p->value)) fresh_.push_back(*p);
    }
    return {fresh_.data(), fresh_.data() + fresh_.size()};
  }

  absl::StatusOr<Value> InstantSelector(const Node& n) {
    const int64_t lookback = options_.lookback.count();
    SCOUT_ASSIGN_OR_RETURN(const Series* series, ReadWindow(n, lookback));
    Value out;
    out.v.reserve(series->size());
    const int64_t lo_ts = WindowStart(n, lookback);
    const int64_t hi_ts = WindowEnd(n);
    for (const SeriesPoints& sp : *series) {
      // Only the newest point in the window counts: one search for it.
      const Point* b = sp.points.data();
      const Point* hi = std::partition_point(b, b + sp.points.size(),
                                             [&](const Point& p) { return p.timestamp_ms <= hi_ts; });
      if (hi == b || (hi - 1)->timestamp_ms < lo_ts) continue;
      // A stale marker as the newest point: the series has gone.
      if (IsStaleNaN((hi - 1)->value)) continue;
      out.v.push_back({&sp.key.labels, &sp.key.metric, (hi - 1)->value, (hi - 1)->timestamp_ms});
    }
    return out;
  }

  absl::StatusOr<double> ScalarArg(const Node& n) {
    SCOUT_ASSIGN_OR_RETURN(Value v, Eval(n));
    return v.s;
  }

  static bool IsRangeFunc(Func f) {
    return f <= Func::kResets;
  }

  absl::StatusOr<Value> Call(const Node& n) {
    if (n.func == Func::kAbsentFor) return AbsentFor(n);
    if (IsRangeFunc(n.func)) return RangeCall(n);
    switch (n.func) {
      case Func::kAbsentOverTime: return AbsentOverTime(n);
      case Func::kTime: {
        Value v;
        v.scalar = true;
        v.s = static_cast<double>(now_) / 1000.0;
        return v;
      }
      case Func::kVector: {
        SCOUT_ASSIGN_OR_RETURN(double x, ScalarArg(*n.children[0]));
        Value v;
        v.v.push_back({&EmptyLabels(), nullptr, x});
        return v;
      }
      case Func::kScalar: {
        SCOUT_ASSIGN_OR_RETURN(Value in, Eval(*n.children[0]));
        Value v;
        v.scalar = true;
        v.s = in.v.size() == 1 ? in.v[0].value : kNaN;
        return v;
      }
      case Func::kAbsent: {
        SCOUT_ASSIGN_OR_RETURN(Value in, Eval(*n.children[0]));
        Value v;
        if (in.v.empty()) v.v.push_back({AbsentLabels(*n.children[0]), nullptr, 1});
        return v;
      }
      case Func::kSort:
      case Func::kSortDesc: {
        SCOUT_ASSIGN_OR_RETURN(Value v, Eval(*n.children[0]));
        const bool desc = n.func == Func::kSortDesc;
        std::stable_sort(v.v.begin(), v.v.end(), [desc](const Sample& a, const Sample& b) {
          if (std::isnan(a.value) || std::isnan(b.value)) return !std::isnan(a.value);
          return desc ? a.value > b.value : a.value < b.value;
        });
        return v;
      }
      case Func::kLabelReplace: return LabelReplace(n);
      case Func::kLabelJoin: return LabelJoin(n);
      case Func::kHistogramQuantile: return HistogramQuantileCall(n);
      default: return MathCall(n);
    }
  }

  // abs, ceil, ..., clamp, round, timestamp: element by element, the metric
  // name dropped.
  absl::StatusOr<Value> MathCall(const Node& n) {
    SCOUT_ASSIGN_OR_RETURN(Value v, Eval(*n.children[0]));
    double a = 0, b = 0;
    if (n.children.size() > 1) {
      SCOUT_ASSIGN_OR_RETURN(a, ScalarArg(*n.children[1]));
    }
    if (n.children.size() > 2) {
      SCOUT_ASSIGN_OR_RETURN(b, ScalarArg(*n.children[2]));
    }
    if (n.func == Func::kRound && n.children.size() == 1) a = 1;
    if (n.func == Func::kClamp && b < a) v.v.clear();  // max < min: nothing
    // timestamp(x) of a selector is the point's time; of anything else the
    // evaluation time (as Prometheus).
    const bool point_time = n.children[0]->kind == Kind::kSelector;
    auto go_max = [](double x, double y) { return std::isnan(x) || std::isnan(y) ? kNaN : std::max(x, y); };
    auto go_min = [](double x, double y) { return std::isnan(x) || std::isnan(y) ? kNaN : std::min(x, y); };
    for (Sample& s : v.v) {
      const double x = s.value;
      double r = x;
      switch (n.func) {
        case Func::kAbs: r = std::fabs(x); break;
        case Func::kCeil: r = std::ceil(x); break;
        case Func::kFloor: r = std::floor(x); break;
        case Func::kSqrt: r = std::sqrt(x); break;
        case Func::kExp: r = std::exp(x); break;
        case Func::kLn: r = std::log(x); break;
        case Func::kLog2: r = std::log2(x); break;
        case Func::kLog10: r = std::log10(x); break;
        case Func::kSgn: r = x > 0 ? 1.0 : x < 0 ? -1.0 : x; break;
        case Func::kRound: {
          const double inverse = 1.0 / a;
          r = std::floor(x * inverse + 0.5) / inverse;
          break;
        }
        case Func::kClamp: r = go_max(a, go_min(b, x)); break;
        case Func::kClampMin: r = go_max(a, x); break;
        case Func::kClampMax: r = go_min(a, x); break;
        case Func::kTimestamp:
          r = static_cast<double>(point_time ? s.ts : now_) / 1000.0;
          break;
        default: return absl::InternalError("unknown function");
      }
      s.value = r;
      s.metric = nullptr;
    }
    return v;
  }

  absl::StatusOr<Value> RangeCall(const Node& n) {
    double q = 0;  // quantile_over_time's q, predict_linear's seconds ahead
    if (n.func == Func::kQuantileOverTime) {
      SCOUT_ASSIGN_OR_RETURN(q, ScalarArg(*n.children[0]));
    }
    if (n.func == Func::kPredictLinear) {
      SCOUT_ASSIGN_OR_RETURN(q, ScalarArg(*n.children[1]));
    }
    const Node& sel = n.func == Func::kPredictLinear ? *n.children[0] : *n.children.back();
    SCOUT_ASSIGN_OR_RETURN(const Series* series, ReadWindow(sel, sel.range_ms));
    Value out;
    out.v.reserve(series->size());
    for (const SeriesPoints& sp : *series) {
      auto [lo0, hi0] = Window(sp.points, sel, sel.range_ms);
      auto [lo, hi] = WithoutStale(lo0, hi0);
      double value;
      const bool has_value =
          n.func == Func::kPredictLinear
              ? PredictLinear(lo, hi, now_, q, &value)
              : RangeFunction(n.func, options_.semantics, q, lo, hi, WindowEnd(sel),
                              sel.range_ms, &scratch_, &value);
      if (has_value) {
        // Prometheus 2.42 keeps the metric name in last_over_time only.
        const bool keep = prom() && n.func == Func::kLastOverTime;
        out.v.push_back({&sp.key.labels, keep ? &sp.key.metric : nullptr, value});
      }
    }
    return out;
  }

  absl::StatusOr<Value> AbsentOverTime(const Node& n) {
    const Node& sel = *n.children[0];
    SCOUT_ASSIGN_OR_RETURN(const Series* series, ReadWindow(sel, sel.range_ms));
    Value out;
    for (const SeriesPoints& sp : *series) {
      auto [lo0, hi0] = Window(sp.points, sel, sel.range_ms);
      auto [lo, hi] = WithoutStale(lo0, hi0);
      if (lo != hi) return out;
    }
    out.v.push_back({AbsentLabels(sel), nullptr, 1});
    return out;
  }

  // absent()'s labels: the selector's `=` matchers, except a label matched
  // twice or also by another operator (as Prometheus).
  const Labels* AbsentLabels(const Node& arg) {
    Labels out;
    if (arg.kind != Kind::kSelector) return Keep(std::move(out));
    for (const LabelMatcher& m : arg.selector.matchers) {
      if (m.name == kNameLabel) continue;
      auto it = std::find_if(out.begin(), out.end(), [&](const auto& l) { return l.first == m.name; });
      const bool had = it != out.end();
      if (had) out.erase(it);
      if (m.op == MatchOp::kEqual && !had && !m.value.empty()) out.emplace_back(m.name, m.value);
    }
    return Keep(MakeLabels(std::move(out)));
  }

  static void SetLabel(Labels* labels, const std::string& name, const std::string& value) {
    auto it = std::lower_bound(labels->begin(), labels->end(), name,
                               [](const auto& l, const std::string& n) { return l.first < n; });
    if (it != labels->end() && it->first == name) {
      if (value.empty()) {
        labels->erase(it);
      } else {
        it->second = value;
      }
    } else if (!value.empty()) {
      labels->insert(it, {name, value});
    }
  }

  // Sets label `name` of s (the metric name for __name__); "" deletes it.
  void SetSampleLabel(Sample* s, const std::string& name, const std::string& value) {
    if (name == kNameLabel) {
      s->metric = value.empty() ? nullptr : KeepName(value);
      return;
    }
    Labels copy = *s->labels;
    SetLabel(&copy, name, value);
    s->labels = Keep(std::move(copy));
  }

  static const std::string& SampleLabel(const Sample& s, const std::string& name) {
    static const std::string* kEmpty = new std::string();
    if (name == kNameLabel) return s.metric != nullptr ? *s.metric : *kEmpty;
    return LabelValue(*s.labels, name);
  }

  const std::string* KeepName(std::string name) {
    names_.push_back(std::move(name));
    return &names_.back();
  }

  // label_replace(v, dst, replacement, src, regex): where regex matches all
  // of src's value, dst = replacement with $1, ${1}, $name expanded.
  absl::StatusOr<Value> LabelReplace(const Node& n) {
    const std::string& dst = n.children[1]->str;
    const std::string& repl = n.children[2]->str;
    const std::string& src = n.children[3]->str;
    RE2 re(absl::StrCat("^(?:", n.children[4]->str, ")$"));
    if (!re.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid regular expression in label_replace(): ", n.children[4]->str));
    }
    if (dst != kNameLabel && !IsValidLabelName(dst)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid destination label name in label_replace(): ", dst));
    }
    SCOUT_ASSIGN_OR_RETURN(Value v, Eval(*n.children[0]));
    std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
    for (Sample& s : v.v) {
      const std::string& value = SampleLabel(s, src);
      if (!re.Match(value, 0, value.size(), RE2::UNANCHORED, groups.data(),
                    static_cast<int>(groups.size()))) {
        continue;
      }
      SetSampleLabel(&s, dst, Expand(re, repl, groups));
    }
    return v;
  }

  // Go's Regexp.Expand: $1, ${1}, $name, ${name}; $$ is a dollar; a
  // malformed $ is kept as it is; unknown groups expand to "".
  static std::string Expand(const RE2& re, const std::string& tmpl,
                            const std::vector<re2::StringPiece>& groups) {
    std::string out;
    for (size_t i = 0; i < tmpl.size(); ++i) {
      if (tmpl[i] != '$') {
        out += tmpl[i];
        continue;
      }
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '$') {
        out += '$';
        ++i;
        continue;
      }
      size_t j = i + 1;
      const bool brace = j < tmpl.size() && tmpl[j] == '{';
      if (brace) ++j;
      size_t k = j;
      while (k < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[k])) || tmpl[k] == '_')) ++k;
      if (k == j || (brace && (k >= tmpl.size() || tmpl[k] != '}'))) {
        out += '$';
        continue;
      }
      const std::string name = tmpl.substr(j, k - j);
      i = brace ? k : k - 1;
      int index = -1;
      if (std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        index = name.size() < 9 ? std::stoi(name) : -1;
      } else if (auto it = re.NamedCapturingGroups().find(name); it != re.NamedCapturingGroups().end()) {
        index = it->second;
      }
      if (index >= 0 && static_cast<size_t>(index) < groups.size() && groups[static_cast<size_t>(index)].data() != nullptr) {
        out.append(groups[static_cast<size_t>(index)].data(), groups[static_cast<size_t>(index)].size());
      }
    }
    return out;
  }

  // label_join(v, dst, separator, src...): dst = the src values joined.
  absl::StatusOr<Value> LabelJoin(const Node& n) {
    const std::string& dst = n.children[1]->str;
    const std::string& sep = n.children[2]->str;
    if (dst != kNameLabel && !IsValidLabelName(dst)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid destination label name in label_join(): ", dst));
    }
    SCOUT_ASSIGN_OR_RETURN(Value v, Eval(*n.children[0]));
    for (Sample& s : v.v) {
      std::string joined;
      for (size_t i = 3; i < n.children.size(); ++i) {
        if (i > 3) joined += sep;
        joined += SampleLabel(s, n.children[i]->str);
      }
      SetSampleLabel(&s, dst, joined);
    }
    return v;
  }

  // histogram_quantile(q, buckets): per label set without `le`, the
  // quantile from the cumulative bucket counts (functions.h).
  absl::StatusOr<Value> HistogramQuantileCall(const Node& n) {
    SCOUT_ASSIGN_OR_RETURN(double q, ScalarArg(*n.children[0]));
    SCOUT_ASSIGN_OR_RETURN(Value in, Eval(*n.children[1]));
    static const std::vector<std::string> kLe = {"le"};
    std::unordered_map<std::string, size_t> index;
    std::vector<std::pair<const Labels*, std::vector<std::pair<double, double>>>> groups;
    std::string sig;
    for (const Sample& s : in.v) {
      const std::string& le = LabelValue(*s.labels, "le");
      char* end = nullptr;
      const double bound = std::strtod(le.c_str(), &end);
      if (le.empty() || end != le.c_str() + le.size()) continue;
      Signature(s, LabelClause::kWithout, kLe, &sig);
      auto [it, inserted] = index.emplace(sig, groups.size());
      if (inserted) {
        Labels kept;
        for (const auto& label : *s.labels) {
          if (label.first != "le") kept.push_back(label);
        }
        groups.push_back({Keep(std::move(kept)), {}});
      }
      groups[it->second].second.emplace_back(bound, s.value);
    }
    Value out;
    for (auto& [labels, buckets] : groups) {
      out.v.push_back({labels, nullptr, HistogramQuantile(q, std::move(buckets))});
    }
    return out;
  }

  absl::StatusOr<Value> AbsentFor(const Node& n) {
    const Node& sel = *n.children[0];
    auto it = latest_.find(sel.selector_id);
    if (it == latest_.end()) {
      absl::StatusOr<Series> read = source_.Latest(*sel.compiled);
      if (!read.ok()) return SourceError(read.status(), sel);
      it = latest_.emplace(sel.selector_id, *std::move(read)).first;
    }
    const int64_t silent_before = now_ - n.duration_ms;
    const int64_t horizon = now_ - options_.absent_horizon.count();
    Value out;
    for (const SeriesPoints& sp : it->second) {
      if (sp.points.empty()) continue;
      int64_t newest = sp.points.front().timestamp_ms;
      for (const Point& p : sp.points) newest = std::max(newest, p.timestamp_ms);
      if (newest < silent_before && newest > horizon) {
        out.v.push_back(
            {&sp.key.labels, nullptr, static_cast<double>(now_ - newest) / 1000.0});
      }
    }
    return out;
  }

  absl::StatusOr<Value> Binary(const Node& n) {
    SCOUT_ASSIGN_OR_RETURN(Value lhs, Eval(*n.children[0]));
    SCOUT_ASSIGN_OR_RETURN(Value rhs, Eval(*n.children[1]));
    const bool comparison = ast::IsComparison(n.op);
    if (lhs.scalar && rhs.scalar) {
      Value out;
      out.scalar = true;
      out.s = comparison ? (Compare(n.op, lhs.s, rhs.s) ? 1.0 : 0.0) : Arith(n.op, lhs.s, rhs.s);
      return out;
    }
    if (ast::IsSetOp(n.op)) return SetOp(n, std::move(lhs), std::move(rhs));
    if (lhs.scalar || rhs.scalar) {
      const bool scalar_left = lhs.scalar;
      Value out = scalar_left ? std::move(rhs) : std::move(lhs);
      const double k = scalar_left ? lhs.s : rhs.s;
      size_t kept = 0;
      for (size_t i = 0; i < out.v.size(); ++i) {
        Sample s = out.v[i];
        const double a = scalar_left ? k : s.value;
        const double b = scalar_left ? s.value : k;
        if (comparison) {
          const bool ok = Compare(n.op, a, b);
          if (n.return_bool) {
            s.value = ok ? 1.0 : 0.0;
            s.metric = nullptr;
          } else if (!ok) {
            continue;
          }
        } else {
          s.value = Arith(n.op, a, b);
          if (n.op != BinOp::kAtan2) s.metric = nullptr;  // Prometheus keeps it for atan2
        }
        out.v[kept++] = s;
      }
      out.v.resize(kept);
      return out;
    }
    return OneToOne(n, lhs, rhs);
  }

  absl::Status ManyToMany(const Node& n, const Sample& s, const char* side) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "many-to-many matching not allowed for '", ast::BinOpText(n.op), "' at column ",
        n.op_column, ": more than one element on the ", side, " side has the matched labels ",
        MatchedLabels(s, n.clause, n.clause_labels_sorted),
        " (narrow the match with on(...)/ignoring(...) or aggregate that side first)"));
  }

  // vector op vector. One-to-one by default; with group_left the left side
  // is the "many" side (several elements may match one on the right), with
  // group_right the right side.
  absl::StatusOr<Value> OneToOne(const Node& n, const Value& lhs, const Value& rhs) {
    const auto& names = n.clause_labels_sorted;
    const bool right_many = n.group == ast::Group::kRight;
    const Value& many = right_many ? rhs : lhs;
    const Value& one = right_many ? lhs : rhs;
    const char* one_side = right_many ? "left" : "right";
    struct Match {
      int64_t index;  // into one.v; -1 when two "one"-side elements share the signature
      bool used;      // a "many"-side element matched it already
    };
    std::unordered_map<std::string, Match> ones;
    ones.reserve(one.v.size());
    std::string sig;
    for (size_t j = 0; j < one.v.size(); ++j) {
      Signature(one.v[j], n.clause, names, &sig);
      auto [it, inserted] = ones.emplace(sig, Match{static_cast<int64_t>(j), false});
      if (inserted) continue;
      // Prometheus refuses duplicates on the "one" side even when nothing
      // matches them; Scout only when they are matched.
      if (prom()) return ManyToMany(n, one.v[j], one_side);
      it->second.index = -1;
    }
    const bool comparison = ast::IsComparison(n.op);
    // Prometheus 2.42 keeps the name for comparisons and atan2.
    const bool keep_name = (comparison && !n.return_bool) || n.op == BinOp::kAtan2;
    Value out;
    for (const Sample& m : many.v) {
      Signature(m, n.clause, names, &sig);
      auto it = ones.find(sig);
      if (it == ones.end()) continue;
      if (it->second.index < 0) {
        // Find one of the repeated elements for the message.
        for (const Sample& r : one.v) {
          std::string rsig;
          Signature(r, n.clause, names, &rsig);
          if (rsig == sig) return ManyToMany(n, r, one_side);
        }
      }
      if (it->second.used && n.group == ast::Group::kNone) return ManyToMany(n, m, "left");
      it->second.used = true;
      const Sample& o = one.v[static_cast<size_t>(it->second.index)];
      const Sample& l = right_many ? o : m;
      const Sample& r = right_many ? m : o;
      Sample s = m;
      if (comparison) {
        const bool ok = Compare(n.op, l.value, r.value);
        if (n.return_bool) {
          s.value = ok ? 1.0 : 0.0;
        } else if (!ok) {
          continue;
        } else {
          s.value = l.value;
        }
      } else {
        s.value = Arith(n.op, l.value, r.value);
      }
      s.metric = keep_name ? m.metric : nullptr;
      ResultLabels(n, o, &s);
      out.v.push_back(s);
    }
    return out;
  }

  // As Prometheus: one-to-one, on(l) keeps only l and ignoring(l) drops l;
  // group_x(l) copies l from the "one" side (deleting it when empty there).
  void ResultLabels(const Node& n, const Sample& one, Sample* s) {
    const auto& names = n.clause_labels_sorted;
    if (n.group == ast::Group::kNone && n.clause == LabelClause::kOn) {
      Labels kept;
      for (const std::string& name : names) {
        if (name == kNameLabel) continue;
        const std::string& v = LabelValue(*s->labels, name);
        if (!v.empty()) kept.emplace_back(name, v);
      }
      if (!Contains(names, kNameLabel)) s->metric = nullptr;
      s->labels = Keep(std::move(kept));
    } else if (n.group == ast::Group::kNone && n.clause == LabelClause::kIgnoring) {
      if (Contains(names, kNameLabel)) s->metric = nullptr;
      bool any = false;
      for (const auto& label : *s->labels) any = any || Contains(names, label.first);
      if (any) {
        Labels kept;
        for (const auto& label : *s->labels) {
          if (!Contains(names, label.first)) kept.push_back(label);
        }
        s->labels = Keep(std::move(kept));
      }
    }
    if (n.include_labels.empty()) return;
    Labels copy = *s->labels;
    for (const std::string& name : n.include_labels) {
      if (name == kNameLabel) continue;
      SetLabel(&copy, name, LabelValue(*one.labels, name));
    }
    s->labels = Keep(std::move(copy));
  }

  absl::StatusOr<Value> SetOp(const Node& n, Value lhs, Value rhs) {
    const auto& names = n.clause_labels_sorted;
    std::string sig;
    std::unordered_set<std::string> sigs;
    if (n.op == BinOp::kOr) {
      sigs.reserve(lhs.v.size());
      for (const Sample& s : lhs.v) {
        Signature(s, n.clause, names, &sig);
        sigs.insert(sig);
      }
      for (const Sample& s : rhs.v) {
        Signature(s, n.clause, names, &sig);
        if (sigs.count(sig) == 0) lhs.v.push_back(s);
      }
      return lhs;
    }
    sigs.reserve(rhs.v.size());
    for (const Sample& s : rhs.v) {
      Signature(s, n.clause, names, &sig);
      sigs.insert(sig);
    }
    const bool want = n.op == BinOp::kAnd;
    size_t kept = 0;
    for (size_t i = 0; i < lhs.v.size(); ++i) {
      Signature(lhs.v[i], n.clause, names, &sig);
      if ((sigs.count(sig) > 0) == want) lhs.v[kept++] = lhs.v[i];
    }
    lhs.v.resize(kept);
    return lhs;
  }

  absl::StatusOr<Value> Aggregate(const Node& n) {
    double param = 0;
    if (ast::AggTakesParam(n.agg) && n.agg != AggOp::kCountValues) {
      SCOUT_ASSIGN_OR_RETURN(param, ScalarArg(*n.children[0]));
    }
    SCOUT_ASSIGN_OR_RETURN(Value in, Eval(*n.children.back()));
    const auto& names = n.clause_labels_sorted;
    struct Group {
      const Labels* labels;
      const std::string* metric;
      std::vector<size_t> members;  // into in.v
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, size_t> index;
    std::string sig;
    std::vector<std::string> values;  // count_values: each element's value as text
    const std::string* value_label = n.agg == AggOp::kCountValues ? &n.children[0]->str : nullptr;
    if (value_label != nullptr && !IsValidLabelName(*value_label)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid label name in count_values(): ", *value_label));
    }
    for (size_t i = 0; i < in.v.size(); ++i) {
      const Sample& s = in.v[i];
      sig.clear();
      if (n.clause != LabelClause::kNone) Signature(s, n.clause, names, &sig);
      if (value_label != nullptr) absl::StrAppend(&sig, "\xfd", FormatValue(s.value));
      auto [it, inserted] = index.emplace(sig, groups.size());
      if (inserted) {
        Group g{&EmptyLabels(), nullptr, {}};
        if (n.clause != LabelClause::kNone) {
          auto ng = NewGroup<Group>(n, s);
          g.labels = ng.labels;
          g.metric = ng.metric;
        }
        if (value_label != nullptr) {
          Labels copy = *g.labels;
          SetLabel(&copy, *value_label, FormatValue(s.value));
          g.labels = Keep(std::move(copy));
        }
        groups.push_back(g);
      }
      groups[it->second].members.push_back(i);
    }
    Value out;
    out.v.reserve(groups.size());
    for (const Group& g : groups) {
      if (n.agg == AggOp::kTopk || n.agg == AggOp::kBottomk) {
        TopK(n.agg == AggOp::kTopk, param, in, g.members, &out);
        continue;
      }
      out.v.push_back({g.labels, g.metric, GroupValue(n.agg, param, in, g.members)});
    }
    return out;
  }

  // Prometheus's text for a number in count_values: shortest, no exponent.
  static std::string FormatValue(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[400];
    auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
    return std::string(buf, r.ptr);
  }

  double GroupValue(AggOp agg, double param, const Value& in, const std::vector<size_t>& members) {
    double sum = 0, best = 0, mean = 0, aux = 0, count = 0;
    for (size_t i : members) {
      const double x = in.v[i].value;
      if (count == 0 || (std::isnan(best) && !std::isnan(x)) || (agg == AggOp::kMin && x < best) ||
          (agg == AggOp::kMax && x > best)) {
        best = x;
      }
      sum += x;
      count += 1;
      const double delta = x - mean;  // Welford, for stddev/stdvar
      mean += delta / count;
      aux += delta * (x - mean);
    }
    switch (agg) {
      case AggOp::kSum: return sum;
      case AggOp::kAvg: return sum / count;
      case AggOp::kCount:
      case AggOp::kCountValues: return count;
      case AggOp::kGroup: return 1;
      case AggOp::kMin:
      case AggOp::kMax: return best;
      case AggOp::kStdvar: return aux / count;
      case AggOp::kStddev: return std::sqrt(aux / count);
      case AggOp::kQuantile: {
        scratch_.clear();
        for (size_t i : members) scratch_.push_back(in.v[i].value);
        return Quantile(param, &scratch_);
      }
      default: return kNaN;
    }
  }

  // topk/bottomk: the k largest (smallest) elements of the group, unchanged
  // (labels and metric name kept); NaN counts as the smallest for topk and
  // the largest for bottomk.
  static void TopK(bool top, double k_param, const Value& in, std::vector<size_t> members,
                   Value* out) {
    if (!(k_param >= 1)) return;
    const size_t k = k_param >= static_cast<double>(members.size())
                         ? members.size()
                         : static_cast<size_t>(k_param);
    std::stable_sort(members.begin(), members.end(), [&](size_t a, size_t b) {
      const double x = in.v[a].value, y = in.v[b].value;
      if (std::isnan(x) || std::isnan(y)) return !std::isnan(x);
      return top ? x > y : x < y;
    });
    for (size_t i = 0; i < k; ++i) out->v.push_back(in.v[members[i]]);
  }

  template <typename Group>
  Group NewGroup(const Node& n, const Sample& s) {
    const auto& names = n.clause_labels_sorted;
    Group g{};
    if (n.clause == LabelClause::kBy) {
      Labels kept;
      for (const std::string& name : names) {
        if (name == kNameLabel) {
          g.metric = s.metric;
          continue;
        }
        const std::string& v = LabelValue(*s.labels, name);
        if (!v.empty()) kept.emplace_back(name, v);
      }
      g.labels = Keep(std::move(kept));
    } else {  // without
      bool any = false;
      for (const auto& label : *s.labels) any = any || Contains(names, label.first);
      if (!any) {
        g.labels = s.labels;
      } else {
        Labels kept;
        for (const auto& label : *s.labels) {
          if (!Contains(names, label.first)) kept.push_back(label);
        }
        g.labels = Keep(std::move(kept));
      }
    }
    return g;
  }

  SeriesSource& source_;
  const int64_t now_;
  const EvalOptions& options_;
  const internal::Preloaded* preloaded_;
  std::map<std::tuple<int, int64_t, int64_t>, Series> ranges_;
  std::map<int, Series> latest_;
  std::deque<Labels> arena_;
  std::deque<std::string> names_;
  std::vector<double> scratch_;
  std::vector<Point> fresh_;
};

}  // namespace

double StaleNaN() {
  double v;
  std::memcpy(&v, &kStaleNaNBits, sizeof(v));
  return v;
}

absl::StatusOr<EvalResult> Evaluate(const Expr& expr, SeriesSource& source, int64_t now_ms,
                                    const EvalOptions& options) {
  if (expr.empty()) return absl::FailedPreconditionError("empty expression");
  Evaluator evaluator(source, now_ms, options);
  SCOUT_ASSIGN_OR_RETURN(Value v, evaluator.Eval(*expr.root()));
  return evaluator.Finish(std::move(v));
}

absl::StatusOr<std::vector<RangeElement>> EvaluateRangeSelector(const Expr& expr,
                                                                SeriesSource& source,
                                                                int64_t now_ms,
                                                                const EvalOptions& options) {
  if (!expr.ReturnsRange()) return absl::FailedPreconditionError("not a range selector");
  Evaluator evaluator(source, now_ms, options);
  return evaluator.RangeSelector(*expr.root());
}

namespace internal {

size_t SampleHash::operator()(const Sample& s) const {
  std::hash<std::string> h;
  size_t out = s.metric != nullptr ? h(*s.metric) : 0x9e3779b97f4a7c15ULL;
  for (const auto& [name, value] : *s.labels) {
    out = (out * 1099511628211ULL) ^ h(name);
    out = (out * 1099511628211ULL) ^ h(value);
  }
  return out;
}

bool SampleEq::operator()(const Sample& a, const Sample& b) const {
  if ((a.metric == nullptr) != (b.metric == nullptr)) return false;
  if (a.metric != nullptr && *a.metric != *b.metric) return false;
  return a.labels == b.labels || *a.labels == *b.labels;
}

Labels ElementLabels(const Sample& s) {
  Labels out;
  out.reserve(s.labels->size() + (s.metric != nullptr ? 1 : 0));
  bool named = s.metric == nullptr;
  for (const auto& label : *s.labels) {
    if (!named && label.first > kNameLabel) {
      out.emplace_back(kNameLabel, *s.metric);
      named = true;
    }
    out.push_back(label);
  }
  if (!named) out.emplace_back(kNameLabel, *s.metric);
  return out;
}

absl::Status DuplicateElementError(const Sample& s) {
  return absl::InvalidArgumentError(absl::StrCat(
      "the result has more than one element with the labels ", FormatLabels(*s.labels, s.metric),
      " (functions and arithmetic drop the metric name; aggregate with by (...) or "
      "select a single metric)"));
}

absl::StatusOr<EvalResult> EvaluatePreloaded(const Expr& expr, SeriesSource& source,
                                             int64_t now_ms, const EvalOptions& options,
                                             const Preloaded& preloaded) {
  if (expr.empty()) return absl::FailedPreconditionError("empty expression");
  Evaluator evaluator(source, now_ms, options, &preloaded);
  SCOUT_ASSIGN_OR_RETURN(Value v, evaluator.Eval(*expr.root()));
  return evaluator.Finish(std::move(v));
}

absl::Status EvaluateStep(const Expr& expr, SeriesSource& source, int64_t now_ms,
                          const EvalOptions& options, const Preloaded& preloaded,
                          absl::FunctionRef<absl::Status(const StepView&)> consume) {
  if (expr.empty()) return absl::FailedPreconditionError("empty expression");
  Evaluator evaluator(source, now_ms, options, &preloaded);
  SCOUT_ASSIGN_OR_RETURN(Value v, evaluator.Eval(*expr.root()));
  return consume(StepView{v.scalar, v.s, absl::MakeConstSpan(v.v)});
}

}  // namespace internal

}  // namespace scout::collector::promql
