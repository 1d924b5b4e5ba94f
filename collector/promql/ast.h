// The syntax tree of a PromQL expression (see parser.h for the language). Internal to the parser and the evaluator: other code uses Expr.
//
// A tree is immutable once ParseExpr returns it and is shared by every copy
// of the Expr, so evaluating it from several threads at once is safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shared/selector.h"

namespace scout::collector::promql::ast {

enum class Kind {
  kNumber,     // 0.8
  kString,     // "text" (only as a function or aggregation argument)
  kSelector,   // metric{...} or metric{...}[5m]
  kCall,       // rate(x[5m]), absent_for(x, 2m)
  kNegate,     // -x
  kBinary,     // a + b, a > bool 1, a / on(host) b, a and b
  kAggregate,  // sum by (host) (x)
  kParen,      // (x)
};

// Static type: what the node yields.
enum class Type { kScalar, kVector, kRange, kString };

enum class BinOp {
  kAdd, kSub, kMul, kDiv, kMod, kPow, kAtan2,  // arithmetic
  kEq, kNe, kGt, kLt, kGe, kLe,          // comparisons
  kAnd, kOr, kUnless,                    // set operators
};

// The order matters: eval.cc treats kAvgOverTime..kResets alike (one range
// vector in, RangeFunction of functions.h per series).
enum class Func {
  // Range functions: one range-vector argument (quantile_over_time: q
  // first; predict_linear: the seconds ahead second).
  kAvgOverTime, kMinOverTime, kMaxOverTime, kSumOverTime, kCountOverTime,
  kLastOverTime, kQuantileOverTime, kStddevOverTime, kStdvarOverTime, kPresentOverTime,
  kRate, kIncrease, kDelta, kDeriv, kPredictLinear, kIrate, kIdelta, kChanges, kResets, kAbsentOverTime,
  // Scout only: absent_for(selector, duration).
  kAbsentFor,
  // Instant-vector functions.
  kAbs, kCeil, kFloor, kRound, kSqrt, kExp, kLn, kLog2, kLog10, kSgn,
  kClamp, kClampMin, kClampMax, kTimestamp, kSort, kSortDesc, kAbsent,
  kLabelReplace, kLabelJoin, kHistogramQuantile, kScalar, kVector, kTime,
};

enum class AggOp {
  kSum, kAvg, kMin, kMax, kCount, kGroup, kStddev, kStdvar,
  kTopk, kBottomk, kQuantile, kCountValues,  // these four take a parameter first
};

// group_left / group_right of a binary operator (kNone: one-to-one).
enum class Group { kNone, kLeft, kRight };

// on(...) / ignoring(...) for binary operators, by(...) / without(...) for
// aggregations. kNone: no clause was written.
enum class LabelClause { kNone, kOn, kIgnoring, kBy, kWithout };

struct Node {
  Kind kind = Kind::kNumber;
  Type type = Type::kScalar;
  int column = 1;  // 1-based byte column where the node starts

  // kNumber
  double number = 0;
  // kString (unescaped)
  std::string str;

  // kSelector. `compiled` is shared by every selector of the tree with the
  // same text, and `selector_id` names it for per-evaluation memoization.
  Selector selector;
  std::shared_ptr<const CompiledSelector> compiled;
  int selector_id = -1;
  int64_t range_ms = 0;   // > 0 for a range selector
  int64_t offset_ms = 0;  // `offset 5m`: read as of t - offset

  // kCall (absent_for keeps its duration here), kAggregate.
  Func func = Func::kAvgOverTime;
  int64_t duration_ms = 0;
  AggOp agg = AggOp::kSum;

  // kBinary
  BinOp op = BinOp::kAdd;
  int op_column = 1;  // where the operator is, for evaluation errors
  bool return_bool = false;
  Group group = Group::kNone;
  std::vector<std::string> include_labels;  // group_left(a, b): copied from the "one" side

  // kBinary (kOn / kIgnoring) and kAggregate (kBy / kWithout).
  LabelClause clause = LabelClause::kNone;
  std::vector<std::string> clause_labels;         // as written (for String())
  std::vector<std::string> clause_labels_sorted;  // sorted, unique
  bool clause_after = false;  // aggregation: `sum(x) by (l)` rather than `sum by (l) (x)`

  // kCall: arguments (not absent_for's duration); kNegate, kParen: one
  // child; kBinary: lhs, rhs; kAggregate: [parameter,] aggregated expression
  // (so children.back() is always what is aggregated).
  std::vector<std::unique_ptr<const Node>> children;
};

const char* FuncName(Func f);
const char* AggName(AggOp a);
const char* BinOpText(BinOp op);
bool IsComparison(BinOp op);
bool IsSetOp(BinOp op);
// Aggregations written with a parameter first: topk(3, x).
bool AggTakesParam(AggOp a);

}  // namespace scout::collector::promql::ast
