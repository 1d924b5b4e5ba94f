#include "collector/promql/eval.h"

#include <algorithm>
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
#include "collector/promql/ast.h"
#include "shared/status_macros.h"

namespace scout::collector::promql {
namespace {

using ast::AggOp;
using ast::BinOp;
using ast::Func;
using ast::Kind;
using ast::LabelClause;
using ast::Node;

// One element while evaluating. Labels are not copied: they point into the
// series read from the source (memoized for the whole evaluation) or into
// the evaluator's arena. `metric` is null once the name has been dropped.
struct Sample {
  const Labels* labels;
  const std::string* metric;
  double value;
};

struct Value {
  bool scalar = false;
  double s = 0;
  std::vector<Sample> v;
};

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

// Identity of a result element: its labels and metric name.
struct SampleHash {
  size_t operator()(const Sample* s) const {
    std::hash<std::string> h;
    size_t out = s->metric != nullptr ? h(*s->metric) : 0x9e3779b97f4a7c15ULL;
    for (const auto& [name, value] : *s->labels) {
      out = (out * 1099511628211ULL) ^ h(name);
      out = (out * 1099511628211ULL) ^ h(value);
    }
    return out;
  }
};
struct SampleEq {
  bool operator()(const Sample* a, const Sample* b) const {
    if ((a->metric == nullptr) != (b->metric == nullptr)) return false;
    if (a->metric != nullptr && *a->metric != *b->metric) return false;
    return a->labels == b->labels || *a->labels == *b->labels;
  }
};

class Evaluator {
 public:
  Evaluator(SeriesSource& source, int64_t now_ms, const EvalOptions& options)
      : source_(source), now_(now_ms), options_(options) {}

  absl::StatusOr<Value> Eval(const Node& n) {
    switch (n.kind) {
      case Kind::kNumber: {
        Value v;
        v.scalar = true;
        v.s = n.number;
        return v;
      }
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

  absl::StatusOr<EvalResult> Finish(Value v) {
    EvalResult r;
    if (v.scalar) {
      r.is_scalar = true;
      r.scalar = v.s;
      return r;
    }
    // One alert per label set: two elements with the same labels would be
    // indistinguishable.
    std::unordered_set<const Sample*, SampleHash, SampleEq> seen;
    seen.reserve(v.v.size());
    for (const Sample& s : v.v) {
      if (!seen.insert(&s).second) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the result has more than one element with the labels ",
            FormatLabels(*s.labels, s.metric),
            " (functions and arithmetic drop the metric name; aggregate with by (...) or "
            "select a single metric)"));
      }
    }
    r.vector.reserve(v.v.size());
    for (const Sample& s : v.v) {
      Element e;
      e.value = s.value;
      e.labels.reserve(s.labels->size() + (s.metric != nullptr ? 1 : 0));
      bool named = s.metric == nullptr;
      for (const auto& label : *s.labels) {
        if (!named && label.first > kNameLabel) {
          e.labels.emplace_back(kNameLabel, *s.metric);
          named = true;
        }
        e.labels.push_back(label);
      }
      if (!named) e.labels.emplace_back(kNameLabel, *s.metric);
      r.vector.push_back(std::move(e));
    }
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

  // Points in (now - range, now] of every series matching the selector.
  absl::StatusOr<const Series*> ReadWindow(const Node& sel, int64_t range_ms) {
    const int64_t start = now_ - range_ms + 1;
    const int64_t end = now_ + 1;
    const auto key = std::make_tuple(sel.selector_id, start, end);
    auto it = ranges_.find(key);
    if (it == ranges_.end()) {
      absl::StatusOr<Series> read = source_.ReadRange(*sel.compiled, start, end);
      if (!read.ok()) return SourceError(read.status(), sel);
      it = ranges_.emplace(key, *std::move(read)).first;
    }
    return &it->second;
  }

  // [first, last) of the points with timestamp in (now - range, now].
  std::pair<const Point*, const Point*> Window(const std::vector<Point>& pts,
                                               int64_t range_ms) const {
    const int64_t lo_ts = now_ - range_ms;
    const Point* b = pts.data();
    const Point* e = pts.data() + pts.size();
    const Point* lo =
        std::partition_point(b, e, [&](const Point& p) { return p.timestamp_ms <= lo_ts; });
    const Point* hi =
        std::partition_point(lo, e, [&](const Point& p) { return p.timestamp_ms <= now_; });
    return {lo, hi};
  }

  absl::StatusOr<Value> InstantSelector(const Node& n) {
    const int64_t lookback = options_.lookback.count();
    SCOUT_ASSIGN_OR_RETURN(const Series* series, ReadWindow(n, lookback));
    Value out;
    out.v.reserve(series->size());
    for (const SeriesPoints& sp : *series) {
      auto [lo, hi] = Window(sp.points, lookback);
      if (lo == hi) continue;
      out.v.push_back({&sp.key.labels, &sp.key.metric, (hi - 1)->value});
    }
    return out;
  }

  absl::StatusOr<Value> Call(const Node& n) {
    if (n.func == Func::kAbsentFor) return AbsentFor(n);
    double q = 0;
    if (n.func == Func::kQuantileOverTime) {
      SCOUT_ASSIGN_OR_RETURN(Value qv, Eval(*n.children[0]));
      q = qv.s;
    }
    const Node& sel = *n.children.back();
    SCOUT_ASSIGN_OR_RETURN(const Series* series, ReadWindow(sel, sel.range_ms));
    Value out;
    out.v.reserve(series->size());
    for (const SeriesPoints& sp : *series) {
      auto [lo, hi] = Window(sp.points, sel.range_ms);
      double value;
      if (RangeFunction(n.func, q, lo, hi, &value)) {
        out.v.push_back({&sp.key.labels, nullptr, value});
      }
    }
    return out;
  }

  // quantile_over_time: R-7, as collector/aggregation.cc's Percentile.
  // REQUIRES: b < e.
  double QuantileOverTime(double q, const Point* b, const Point* e) {
    if (std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
    if (q < 0 || q > 1) {
      return q < 0 ? -std::numeric_limits<double>::infinity()
                   : std::numeric_limits<double>::infinity();
    }
    scratch_.clear();
    for (const Point* p = b; p < e; ++p) scratch_.push_back(p->value);
    std::sort(scratch_.begin(), scratch_.end());
    const double rank = q * static_cast<double>(scratch_.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(rank));
    const size_t hi = static_cast<size_t>(std::ceil(rank));
    return scratch_[lo] + (scratch_[hi] - scratch_[lo]) * (rank - static_cast<double>(lo));
  }

  // deriv: least squares around the means; x in seconds relative to the
  // first point, so large timestamps lose no precision.
  static bool Deriv(const Point* b, const Point* e, double* out) {
    const size_t n = static_cast<size_t>(e - b);
    if (n < 2) return false;
    const int64_t t0 = b->timestamp_ms;
    double mx = 0, my = 0;
    for (const Point* p = b; p < e; ++p) {
      mx += static_cast<double>(p->timestamp_ms - t0) / 1000.0;
      my += p->value;
    }
    mx /= static_cast<double>(n);
    my /= static_cast<double>(n);
    double sxy = 0, sxx = 0;
    for (const Point* p = b; p < e; ++p) {
      const double dx = static_cast<double>(p->timestamp_ms - t0) / 1000.0 - mx;
      sxy += dx * (p->value - my);
      sxx += dx * dx;
    }
    if (sxx == 0) return false;
    *out = sxy / sxx;
    return true;
  }

  // Computes `func` over [b, e); false when there are too few points.
  bool RangeFunction(Func func, double q, const Point* b, const Point* e, double* out) {
    const size_t n = static_cast<size_t>(e - b);
    if (n == 0) return false;
    switch (func) {
      case Func::kAvgOverTime:
      case Func::kSumOverTime: {
        double sum = 0;
        for (const Point* p = b; p < e; ++p) sum += p->value;
        *out = func == Func::kSumOverTime ? sum : sum / static_cast<double>(n);
        return true;
      }
      case Func::kMinOverTime:
      case Func::kMaxOverTime: {
        double best = b->value;
        for (const Point* p = b + 1; p < e; ++p) {
          if (std::isnan(best) ||
              (func == Func::kMinOverTime ? p->value < best : p->value > best)) {
            best = p->value;
          }
        }
        *out = best;
        return true;
      }
      case Func::kCountOverTime:
        *out = static_cast<double>(n);
        return true;
      case Func::kLastOverTime:
        *out = (e - 1)->value;
        return true;
      case Func::kQuantileOverTime:
        *out = QuantileOverTime(q, b, e);
        return true;
      case Func::kRate:
      case Func::kIncrease: {
        if (n < 2) return false;
        const int64_t span_ms = (e - 1)->timestamp_ms - b->timestamp_ms;
        if (span_ms <= 0) return false;
        double increase = 0;
        for (const Point* p = b + 1; p < e; ++p) {
          const double prev = (p - 1)->value;
          // A drop is a counter reset: the counter restarted from 0.
          increase += p->value >= prev ? p->value - prev : p->value;
        }
        *out = func == Func::kIncrease ? increase
                                       : increase / (static_cast<double>(span_ms) / 1000.0);
        return true;
      }
      case Func::kDelta:
        if (n < 2) return false;
        *out = (e - 1)->value - b->value;
        return true;
      case Func::kDeriv:
        return Deriv(b, e, out);
      case Func::kAbsentFor:
        return false;
    }
    return false;
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
          s.metric = nullptr;
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

  absl::StatusOr<Value> OneToOne(const Node& n, const Value& lhs, const Value& rhs) {
    const auto& names = n.clause_labels_sorted;
    struct Match {
      int64_t index;  // into rhs.v; -1 when two right-hand elements share the signature
      bool used;      // a left-hand element matched it already
    };
    std::unordered_map<std::string, Match> right;
    right.reserve(rhs.v.size());
    std::string sig;
    for (size_t j = 0; j < rhs.v.size(); ++j) {
      Signature(rhs.v[j], n.clause, names, &sig);
      auto [it, inserted] = right.emplace(sig, Match{static_cast<int64_t>(j), false});
      if (!inserted) it->second.index = -1;
    }
    const bool comparison = ast::IsComparison(n.op);
    const bool keep_name = comparison && !n.return_bool;
    Value out;
    for (const Sample& l : lhs.v) {
      Signature(l, n.clause, names, &sig);
      auto it = right.find(sig);
      if (it == right.end()) continue;
      if (it->second.index < 0) {
        // Find one of the repeated right-hand elements for the message.
        for (const Sample& r : rhs.v) {
          std::string rsig;
          Signature(r, n.clause, names, &rsig);
          if (rsig == sig) return ManyToMany(n, r, "right");
        }
      }
      if (it->second.used) return ManyToMany(n, l, "left");
      it->second.used = true;
      const Sample& r = rhs.v[static_cast<size_t>(it->second.index)];
      Sample s = l;
      if (comparison) {
        const bool ok = Compare(n.op, l.value, r.value);
        if (n.return_bool) {
          s.value = ok ? 1.0 : 0.0;
        } else if (!ok) {
          continue;
        }
      } else {
        s.value = Arith(n.op, l.value, r.value);
      }
      s.metric = keep_name ? l.metric : nullptr;
      // As Prometheus: on(l) keeps only l, ignoring(l) drops l.
      if (n.clause == LabelClause::kOn) {
        Labels kept;
        for (const std::string& name : names) {
          if (name == kNameLabel) continue;
          const std::string& v = LabelValue(*l.labels, name);
          if (!v.empty()) kept.emplace_back(name, v);
        }
        if (!Contains(names, kNameLabel)) s.metric = nullptr;
        s.labels = Keep(std::move(kept));
      } else if (n.clause == LabelClause::kIgnoring) {
        if (Contains(names, kNameLabel)) s.metric = nullptr;
        bool any = false;
        for (const auto& label : *l.labels) any = any || Contains(names, label.first);
        if (any) {
          Labels kept;
          for (const auto& label : *l.labels) {
            if (!Contains(names, label.first)) kept.push_back(label);
          }
          s.labels = Keep(std::move(kept));
        }
      }
      out.v.push_back(s);
    }
    return out;
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
    SCOUT_ASSIGN_OR_RETURN(Value in, Eval(*n.children[0]));
    const auto& names = n.clause_labels_sorted;
    struct Group {
      const Labels* labels;
      const std::string* metric;
      double sum = 0;
      double best = 0;
      size_t count = 0;
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, size_t> index;
    std::string sig;
    for (const Sample& s : in.v) {
      size_t g = 0;
      if (n.clause != LabelClause::kNone) {
        Signature(s, n.clause, names, &sig);
        auto [it, inserted] = index.emplace(sig, groups.size());
        if (inserted) groups.push_back(NewGroup<Group>(n, s));
        g = it->second;
      } else if (groups.empty()) {
        groups.push_back({&EmptyLabels(), nullptr});
      }
      Group& gr = groups[g];
      if (gr.count == 0 ||
          (std::isnan(gr.best) && !std::isnan(s.value)) ||
          (n.agg == AggOp::kMin && s.value < gr.best) ||
          (n.agg == AggOp::kMax && s.value > gr.best)) {
        gr.best = s.value;
      }
      gr.sum += s.value;
      ++gr.count;
    }
    Value out;
    out.v.reserve(groups.size());
    for (const Group& g : groups) {
      double v = 0;
      switch (n.agg) {
        case AggOp::kSum: v = g.sum; break;
        case AggOp::kAvg: v = g.sum / static_cast<double>(g.count); break;
        case AggOp::kCount: v = static_cast<double>(g.count); break;
        case AggOp::kMin:
        case AggOp::kMax: v = g.best; break;
      }
      out.v.push_back({g.labels, g.metric, v});
    }
    return out;
  }

  template <typename Group>
  Group NewGroup(const Node& n, const Sample& s) {
    const auto& names = n.clause_labels_sorted;
    Group g{nullptr, nullptr};
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
  std::map<std::tuple<int, int64_t, int64_t>, Series> ranges_;
  std::map<int, Series> latest_;
  std::deque<Labels> arena_;
  std::vector<double> scratch_;
};

}  // namespace

absl::StatusOr<EvalResult> Evaluate(const Expr& expr, SeriesSource& source, int64_t now_ms,
                                    const EvalOptions& options) {
  if (expr.empty()) return absl::FailedPreconditionError("empty expression");
  Evaluator evaluator(source, now_ms, options);
  SCOUT_ASSIGN_OR_RETURN(Value v, evaluator.Eval(*expr.root()));
  return evaluator.Finish(std::move(v));
}

}  // namespace scout::collector::promql
