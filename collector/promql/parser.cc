#include "collector/promql/parser.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/promql/ast.h"
#include "shared/duration.h"
#include "shared/selector.h"
#include "shared/selector_lexer.h"
#include "shared/status_macros.h"

namespace scout::collector::promql {

namespace ast {

namespace {

// Every function: its name, argument types (the last one repeats when
// `variadic`), how many may be left out at the end, and its result type.
struct FuncSpec {
  const char* name;
  Func func;
  std::vector<Type> args;
  size_t optional = 0;
  bool variadic = false;
  Type result = Type::kVector;
};

const std::vector<FuncSpec>& FuncSpecs() {
  constexpr Type R = Type::kRange, V = Type::kVector, S = Type::kScalar, T = Type::kString;
  static const auto* kSpecs = new std::vector<FuncSpec>{
      {"avg_over_time", Func::kAvgOverTime, {R}},
      {"min_over_time", Func::kMinOverTime, {R}},
      {"max_over_time", Func::kMaxOverTime, {R}},
      {"sum_over_time", Func::kSumOverTime, {R}},
      {"count_over_time", Func::kCountOverTime, {R}},
      {"last_over_time", Func::kLastOverTime, {R}},
      {"quantile_over_time", Func::kQuantileOverTime, {S, R}},
      {"stddev_over_time", Func::kStddevOverTime, {R}},
      {"stdvar_over_time", Func::kStdvarOverTime, {R}},
      {"present_over_time", Func::kPresentOverTime, {R}},
      {"rate", Func::kRate, {R}},
      {"increase", Func::kIncrease, {R}},
      {"delta", Func::kDelta, {R}},
      {"deriv", Func::kDeriv, {R}},
      {"predict_linear", Func::kPredictLinear, {R, S}},
      {"irate", Func::kIrate, {R}},
      {"idelta", Func::kIdelta, {R}},
      {"changes", Func::kChanges, {R}},
      {"resets", Func::kResets, {R}},
      {"absent_over_time", Func::kAbsentOverTime, {R}},
      {"absent_for", Func::kAbsentFor, {V}},
      {"abs", Func::kAbs, {V}},
      {"ceil", Func::kCeil, {V}},
      {"floor", Func::kFloor, {V}},
      {"round", Func::kRound, {V, S}, 1},
      {"sqrt", Func::kSqrt, {V}},
      {"exp", Func::kExp, {V}},
      {"ln", Func::kLn, {V}},
      {"log2", Func::kLog2, {V}},
      {"log10", Func::kLog10, {V}},
      {"sgn", Func::kSgn, {V}},
      {"clamp", Func::kClamp, {V, S, S}},
      {"clamp_min", Func::kClampMin, {V, S}},
      {"clamp_max", Func::kClampMax, {V, S}},
      {"timestamp", Func::kTimestamp, {V}},
      {"sort", Func::kSort, {V}},
      {"sort_desc", Func::kSortDesc, {V}},
      {"absent", Func::kAbsent, {V}},
      {"label_replace", Func::kLabelReplace, {V, T, T, T, T}},
      {"label_join", Func::kLabelJoin, {V, T, T, T}, 1, true},
      {"histogram_quantile", Func::kHistogramQuantile, {S, V}},
      {"scalar", Func::kScalar, {V}, 0, false, S},
      {"vector", Func::kVector, {S}},
      {"time", Func::kTime, {}, 0, false, S},
  };
  return *kSpecs;
}

const FuncSpec* FindFunc(std::string_view name) {
  for (const FuncSpec& f : FuncSpecs()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

const FuncSpec& SpecOf(Func f) {
  for (const FuncSpec& spec : FuncSpecs()) {
    if (spec.func == f) return spec;
  }
  return FuncSpecs().front();
}

}  // namespace

const char* FuncName(Func f) { return SpecOf(f).name; }

const char* AggName(AggOp a) {
  switch (a) {
    case AggOp::kSum: return "sum";
    case AggOp::kAvg: return "avg";
    case AggOp::kMin: return "min";
    case AggOp::kMax: return "max";
    case AggOp::kCount: return "count";
    case AggOp::kGroup: return "group";
    case AggOp::kStddev: return "stddev";
    case AggOp::kStdvar: return "stdvar";
    case AggOp::kTopk: return "topk";
    case AggOp::kBottomk: return "bottomk";
    case AggOp::kQuantile: return "quantile";
    case AggOp::kCountValues: return "count_values";
  }
  return "?";
}

const char* BinOpText(BinOp op) {
  switch (op) {
    case BinOp::kAdd: return "+";
    case BinOp::kSub: return "-";
    case BinOp::kMul: return "*";
    case BinOp::kDiv: return "/";
    case BinOp::kMod: return "%";
    case BinOp::kPow: return "^";
    case BinOp::kAtan2: return "atan2";
    case BinOp::kEq: return "==";
    case BinOp::kNe: return "!=";
    case BinOp::kGt: return ">";
    case BinOp::kLt: return "<";
    case BinOp::kGe: return ">=";
    case BinOp::kLe: return "<=";
    case BinOp::kAnd: return "and";
    case BinOp::kOr: return "or";
    case BinOp::kUnless: return "unless";
  }
  return "?";
}

bool IsComparison(BinOp op) {
  return op == BinOp::kEq || op == BinOp::kNe || op == BinOp::kGt || op == BinOp::kLt ||
         op == BinOp::kGe || op == BinOp::kLe;
}

bool IsSetOp(BinOp op) { return op == BinOp::kAnd || op == BinOp::kOr || op == BinOp::kUnless; }

bool AggTakesParam(AggOp a) {
  return a == AggOp::kTopk || a == AggOp::kBottomk || a == AggOp::kQuantile ||
         a == AggOp::kCountValues;
}

}  // namespace ast

namespace {

using ast::AggOp;
using ast::FindFunc;
using ast::FuncSpec;
using ast::BinOp;
using ast::Func;
using ast::Kind;
using ast::LabelClause;
using ast::Node;
using ast::Type;
using NodePtr = std::unique_ptr<Node>;

// ---------------------------------------------------------------------------
// Lexer

enum class Tok {
  kEnd, kNumber, kDuration, kIdent, kString,
  kLParen, kRParen, kLBrace, kRBrace, kLBracket, kRBracket, kComma,
  kPlus, kMinus, kStar, kSlash, kPercent, kCaret,
  kEqEq, kNe, kGt, kLt, kGe, kLe,
  kAssign, kRegexMatch, kRegexNotMatch,
};

struct Token {
  Tok kind = Tok::kEnd;
  int column = 1;
  std::string text;   // as written
  double number = 0;  // kNumber
  int64_t ms = 0;     // kDuration
  std::string value;  // kString, unescaped
};

std::string Describe(const Token& t) {
  if (t.kind == Tok::kEnd) return "end of input";
  return absl::StrCat("'", t.text, "'");
}

absl::Status ErrorAt(int column, std::string_view expected, std::string_view found) {
  return absl::InvalidArgumentError(absl::StrCat("column ", column, ": ", std::string(expected),
                                                 ", found ", std::string(found)));
}

// Identifiers are metric names (selector_lexer.h), which also covers
// function names, keywords and label names (rejected later if they hold ':').
bool IsIdentChar(char c) { return IsNameChar(c, /*allow_colon=*/true); }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// A duration as shared/duration.h reads it, plus PromQL's years (1y =
// 365d), units largest first: 1y2w, 1h30m.
absl::StatusOr<std::chrono::milliseconds> ParsePromDuration(std::string_view text) {
  const size_t y = text.find('y');
  if (y == std::string_view::npos) return ParseDuration(text);
  int64_t years = 0;
  for (size_t i = 0; i < y; ++i) {
    if (!IsDigit(text[i]) || years > 1000) return absl::InvalidArgumentError("bad duration");
    years = years * 10 + (text[i] - '0');
  }
  if (y == 0) return absl::InvalidArgumentError("bad duration");
  std::chrono::milliseconds rest{0};
  if (y + 1 < text.size()) {
    absl::StatusOr<std::chrono::milliseconds> r = ParseDuration(text.substr(y + 1));
    if (!r.ok() || *r >= std::chrono::milliseconds(365LL * 86'400'000)) return r.status().ok() ? absl::InvalidArgumentError("bad duration") : r.status();
    rest = *r;
  }
  return std::chrono::milliseconds(years * 365LL * 86'400'000) + rest;
}

// A number, or (digits followed by a unit letter) a duration, at *pos
// (t->column already set); *pos moves past it.
absl::Status LexNumber(std::string_view text, size_t* pos, Token* t) {
  const size_t n = text.size();
  const size_t start = *pos;
  size_t i = start;
  while (i < n && IsDigit(text[i])) ++i;
  bool integer = true;
  if (i < n && text[i] == '.') {
    integer = false;
    ++i;
    while (i < n && IsDigit(text[i])) ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    size_t j = i + 1;
    if (j < n && (text[j] == '+' || text[j] == '-')) ++j;
    if (j < n && IsDigit(text[j])) {
      integer = false;
      i = j;
      while (i < n && IsDigit(text[i])) ++i;
    }
  }
  const bool letters = i < n && (IsIdentChar(text[i]) || text[i] == '.');
  // Letters right after a number: a duration (5m, 1h30m) or a typo.
  while (letters && i < n && (IsIdentChar(text[i]) || text[i] == '.')) ++i;
  *pos = i;
  t->text = std::string(text.substr(start, i - start));
  if (letters) {
    absl::StatusOr<std::chrono::milliseconds> d = ParsePromDuration(t->text);
    if (!integer || !d.ok()) {
      return ErrorAt(t->column, "expected a number or a duration such as 30s, 5m, 2h or 1d",
                     absl::StrCat("'", t->text, "'"));
    }
    t->kind = Tok::kDuration;
    t->ms = d->count();
    return absl::OkStatus();
  }
  t->kind = Tok::kNumber;
  t->number = std::strtod(t->text.c_str(), nullptr);
  if (!std::isfinite(t->number)) {
    return ErrorAt(t->column, "expected a number of at most 1.8e308",
                   absl::StrCat("'", t->text, "'"));
  }
  return absl::OkStatus();
}

Tok MatchOpToken(MatchOp op) {
  switch (op) {
    case MatchOp::kNotEqual: return Tok::kNe;
    case MatchOp::kRegexMatch: return Tok::kRegexMatch;
    case MatchOp::kRegexNotMatch: return Tok::kRegexNotMatch;
    case MatchOp::kEqual: break;
  }
  return Tok::kAssign;
}

// Punctuation and operators at *pos (t->column already set).
absl::Status LexOperator(std::string_view text, size_t* pos, Token* t) {
  const size_t n = text.size();
  const size_t start = *pos;
  size_t& i = *pos;
  const char c = text[i];
  auto two = [&](char next) { return i + 1 < n && text[i + 1] == next; };
  auto simple = [&](Tok kind, size_t len) {
    t->kind = kind;
    t->text = std::string(text.substr(i, len));
    i += len;
  };
  switch (c) {
    case '(': simple(Tok::kLParen, 1); break;
    case ')': simple(Tok::kRParen, 1); break;
    case '{': simple(Tok::kLBrace, 1); break;
    case '}': simple(Tok::kRBrace, 1); break;
    case '[': simple(Tok::kLBracket, 1); break;
    case ']': simple(Tok::kRBracket, 1); break;
    case ',': simple(Tok::kComma, 1); break;
    case '+': simple(Tok::kPlus, 1); break;
    case '-': simple(Tok::kMinus, 1); break;
    case '*': simple(Tok::kStar, 1); break;
    case '/': simple(Tok::kSlash, 1); break;
    case '%': simple(Tok::kPercent, 1); break;
    case '^': simple(Tok::kCaret, 1); break;
    case '@':
      return ErrorAt(t->column, "expected an expression or an operator (the @ modifier is not supported)",
                     "'@'");
    case '=':
    case '!': {
      if (c == '=' && two('=')) {
        simple(Tok::kEqEq, 2);
        break;
      }
      MatchOp op = MatchOp::kEqual;
      const size_t len = ScanMatchOp(text, i, &op);
      if (len == 0) return ErrorAt(t->column, "expected '!=' or '!~'", "'!'");
      simple(MatchOpToken(op), len);
      break;
    }
    case '>':
      if (two('=')) simple(Tok::kGe, 2);
      else simple(Tok::kGt, 1);
      break;
    case '<':
      if (two('=')) simple(Tok::kLe, 2);
      else simple(Tok::kLt, 1);
      break;
    default: {
      // Show a whole UTF-8 sequence rather than half of one.
      size_t len = 1;
      while (start + len < n && (static_cast<unsigned char>(text[start + len]) & 0xC0) == 0x80) {
        ++len;
      }
      return ErrorAt(t->column, "expected an expression or an operator",
                     absl::StrCat("'", std::string(text.substr(start, len)), "'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Token>> Lex(std::string_view text) {
  std::vector<Token> out;
  size_t i = 0;
  const size_t n = text.size();
  while (true) {
    while (i < n && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    Token t;
    t.column = static_cast<int>(i) + 1;
    if (i >= n) {
      out.push_back(t);
      return out;
    }
    const char c = text[i];
    const size_t start = i;
    if (IsDigit(c) || (c == '.' && i + 1 < n && IsDigit(text[i + 1]))) {
      SCOUT_RETURN_IF_ERROR(LexNumber(text, &i, &t));
      out.push_back(std::move(t));
      continue;
    }
    if (IsNameStart(c, /*allow_colon=*/true)) {
      i = ScanName(text, i, /*allow_colon=*/true);
      t.kind = Tok::kIdent;
      t.text = std::string(text.substr(start, i - start));
      out.push_back(std::move(t));
      continue;
    }
    if (c == '`') {  // raw string: no escapes
      const size_t close = text.find('`', i + 1);
      if (close == std::string_view::npos) {
        return ErrorAt(static_cast<int>(n) + 1, absl::StrCat("expected the closing ` of the string at column ", t.column),
                       "end of input");
      }
      t.kind = Tok::kString;
      t.value = std::string(text.substr(i + 1, close - i - 1));
      i = close + 1;
      t.text = std::string(text.substr(start, i - start));
      out.push_back(std::move(t));
      continue;
    }
    if (IsQuote(c)) {
      QuotedValue quoted = ScanQuoted(text, i);
      i = quoted.end;
      t.value = std::move(quoted.value);
      if (!quoted.closed) {
        return ErrorAt(static_cast<int>(n) + 1, absl::StrCat("expected the closing ", std::string(1, c),
                                                " of the string at column ", t.column),
                       "end of input");
      }
      t.kind = Tok::kString;
      t.text = std::string(text.substr(start, i - start));
      out.push_back(std::move(t));
      continue;
    }
    SCOUT_RETURN_IF_ERROR(LexOperator(text, &i, &t));
    out.push_back(std::move(t));
  }
}

// ---------------------------------------------------------------------------
// Parser

const std::map<std::string, AggOp>& Aggregations() {
  static const auto* kAggs = new std::map<std::string, AggOp>{
      {"sum", AggOp::kSum}, {"avg", AggOp::kAvg}, {"min", AggOp::kMin},
      {"max", AggOp::kMax}, {"count", AggOp::kCount}, {"group", AggOp::kGroup},
      {"stddev", AggOp::kStddev}, {"stdvar", AggOp::kStdvar}, {"topk", AggOp::kTopk},
      {"bottomk", AggOp::kBottomk}, {"quantile", AggOp::kQuantile},
      {"count_values", AggOp::kCountValues}};
  return *kAggs;
}

bool IsKeyword(const std::string& s) {
  return s == "and" || s == "or" || s == "unless" || s == "by" || s == "without" || s == "on" ||
         s == "ignoring" || s == "bool" || s == "group_left" || s == "group_right" ||
         s == "offset" || s == "atan2";
}

// Integers as integers (3600, not 3.6e+03); otherwise the shortest text
// that reads back as the same double.
std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string FormatLabelList(const std::vector<std::string>& labels) {
  std::string out = "(";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i];
  }
  out += ")";
  return out;
}

std::string TypeName(Type t) {
  switch (t) {
    case Type::kScalar: return "scalar";
    case Type::kVector: return "instant vector";
    case Type::kRange: return "range vector";
    case Type::kString: return "string";
  }
  return "?";
}

void Print(const Node& node, std::string* out);

std::string ToString(const Node& node) {
  std::string s;
  Print(node, &s);
  return s;
}

void Print(const Node& node, std::string* out) {
  switch (node.kind) {
    case Kind::kNumber:
      *out += FormatNumber(node.number);
      return;
    case Kind::kString:
      *out += '"';
      for (char c : node.str) {
        if (c == '"' || c == '\\') *out += '\\';
        if (c == '\n') {
          *out += "\\n";
          continue;
        }
        *out += c;
      }
      *out += '"';
      return;
    case Kind::kSelector:
      *out += FormatSelector(node.selector);
      if (node.range_ms > 0) {
        absl::StrAppend(out, "[", FormatDuration(std::chrono::milliseconds(node.range_ms)), "]");
      }
      if (node.offset_ms > 0) {
        absl::StrAppend(out, " offset ", FormatDuration(std::chrono::milliseconds(node.offset_ms)));
      }
      return;
    case Kind::kCall:
      absl::StrAppend(out, ast::FuncName(node.func), "(");
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) *out += ", ";
        Print(*node.children[i], out);
      }
      if (node.func == Func::kAbsentFor) {
        absl::StrAppend(out, ", ", FormatDuration(std::chrono::milliseconds(node.duration_ms)));
      }
      *out += ")";
      return;
    case Kind::kNegate:
      *out += "-";
      Print(*node.children[0], out);
      return;
    case Kind::kParen:
      *out += "(";
      Print(*node.children[0], out);
      *out += ")";
      return;
    case Kind::kBinary:
      Print(*node.children[0], out);
      absl::StrAppend(out, " ", ast::BinOpText(node.op));
      if (node.return_bool) *out += " bool";
      if (node.clause == LabelClause::kOn) {
        absl::StrAppend(out, " on", FormatLabelList(node.clause_labels));
      } else if (node.clause == LabelClause::kIgnoring) {
        absl::StrAppend(out, " ignoring", FormatLabelList(node.clause_labels));
      }
      if (node.group != ast::Group::kNone) {
        absl::StrAppend(out, node.group == ast::Group::kLeft ? " group_left" : " group_right",
                        node.include_labels.empty() ? "" : FormatLabelList(node.include_labels));
      }
      *out += " ";
      Print(*node.children[1], out);
      return;
    case Kind::kAggregate: {
      std::string clause;
      if (node.clause == LabelClause::kBy) {
        clause = absl::StrCat("by ", FormatLabelList(node.clause_labels));
      } else if (node.clause == LabelClause::kWithout) {
        clause = absl::StrCat("without ", FormatLabelList(node.clause_labels));
      }
      *out += ast::AggName(node.agg);
      if (!clause.empty() && !node.clause_after) absl::StrAppend(out, " ", clause, " ");
      *out += "(";
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) *out += ", ";
        Print(*node.children[i], out);
      }
      *out += ")";
      if (!clause.empty() && node.clause_after) absl::StrAppend(out, " ", clause);
      return;
    }
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), toks_(std::move(tokens)) {}

  absl::StatusOr<NodePtr> ParseAll(const ParseOptions& options) {
    SCOUT_ASSIGN_OR_RETURN(NodePtr root, ParseBinary(0));
    if (Peek().kind != Tok::kEnd) {
      return ErrorAt(Peek().column, "expected an operator or the end of the expression",
                     Describe(Peek()));
    }
    if (options.allow_range_result && root->type == Type::kRange) return root;
    if (absl::Status s = RequireInstant(*root, "the result"); !s.ok()) return s;
    return root;
  }

  int selector_count() const { return static_cast<int>(selector_ids_.size()); }

 private:

  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& Next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool PeekIdent(const char* word) const {
    return Peek().kind == Tok::kIdent && Peek().text == word;
  }
  absl::Status Expect(Tok kind, std::string_view what) {
    if (Peek().kind != kind) return ErrorAt(Peek().column, absl::StrCat("expected ", std::string(what)), Describe(Peek()));
    Next();
    return absl::OkStatus();
  }

  // A range vector is only allowed as a function argument.
  static absl::Status RequireInstant(const Node& n, std::string_view where) {
    if (n.type == Type::kString) {
      return ErrorAt(n.column,
                     absl::StrCat("expected a scalar or an instant vector as ", std::string(where),
                                  " (strings are only function arguments)"),
                     absl::StrCat("string '", ToString(n), "'"));
    }
    if (n.type != Type::kRange) return absl::OkStatus();
    return ErrorAt(n.column,
                   absl::StrCat("expected a scalar or an instant vector as ", std::string(where),
                                " (a range selector such as x[5m] is only allowed inside "
                                "rate(), increase(), delta(), deriv() and the *_over_time "
                                "functions)"),
                   absl::StrCat("range vector '", ToString(n), "'"));
  }

  // ^ binds tightest (and to the right), tighter than unary minus.
  static constexpr int kPowPrecedence = 6;

  // Binary operator at the current token: precedence (1 = lowest) or 0.
  int Precedence(BinOp* op) const {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kPlus: *op = BinOp::kAdd; return 4;
      case Tok::kMinus: *op = BinOp::kSub; return 4;
      case Tok::kStar: *op = BinOp::kMul; return 5;
      case Tok::kSlash: *op = BinOp::kDiv; return 5;
      case Tok::kPercent: *op = BinOp::kMod; return 5;
      case Tok::kCaret: *op = BinOp::kPow; return kPowPrecedence;
      case Tok::kEqEq: *op = BinOp::kEq; return 3;
      case Tok::kNe: *op = BinOp::kNe; return 3;
      case Tok::kGt: *op = BinOp::kGt; return 3;
      case Tok::kLt: *op = BinOp::kLt; return 3;
      case Tok::kGe: *op = BinOp::kGe; return 3;
      case Tok::kLe: *op = BinOp::kLe; return 3;
      case Tok::kIdent:
        if (t.text == "or") { *op = BinOp::kOr; return 1; }
        if (t.text == "and") { *op = BinOp::kAnd; return 2; }
        if (t.text == "unless") { *op = BinOp::kUnless; return 2; }
        if (t.text == "atan2") { *op = BinOp::kAtan2; return 5; }
        return 0;
      default:
        return 0;
    }
  }

  absl::StatusOr<NodePtr> ParseBinary(int min_prec) {
    SCOUT_ASSIGN_OR_RETURN(NodePtr lhs, ParseUnary());
    while (true) {
      BinOp op;
      const int prec = Precedence(&op);
      if (prec == 0 || prec < min_prec) return lhs;
      const Token op_tok = Next();
      auto node = std::make_unique<Node>();
      node->kind = Kind::kBinary;
      node->op = op;
      node->op_column = op_tok.column;
      node->column = lhs->column;
      if (PeekIdent("bool")) {
        if (!ast::IsComparison(op)) {
          return ErrorAt(Peek().column, absl::StrCat("expected an expression after '", op_tok.text,
                                                     "' (bool only follows a comparison)"),
                         Describe(Peek()));
        }
        Next();
        node->return_bool = true;
      }
      if (PeekIdent("on") || PeekIdent("ignoring")) {
        node->clause = Peek().text == "on" ? LabelClause::kOn : LabelClause::kIgnoring;
        const int clause_col = Peek().column;
        Next();
        if (absl::Status s = ParseLabelList(node.get()); !s.ok()) return s;
        if (lhs->type != Type::kVector) {
          return ErrorAt(clause_col, "expected on()/ignoring() only between two vectors",
                         absl::StrCat(TypeName(lhs->type), " '", ToString(*lhs), "' on the left"));
        }
      }
      if (PeekIdent("group_left") || PeekIdent("group_right")) {
        if (node->clause == LabelClause::kNone || ast::IsSetOp(op)) {
          return ErrorAt(Peek().column,
                         "expected the right-hand operand (group_left/group_right only follow "
                         "on(...) or ignoring(...) of an arithmetic or comparison operator)",
                         Describe(Peek()));
        }
        node->group = Peek().text == "group_left" ? ast::Group::kLeft : ast::Group::kRight;
        Next();
        if (Peek().kind == Tok::kLParen) {
          Node include;
          if (absl::Status s = ParseLabelList(&include); !s.ok()) return s;
          node->include_labels = include.clause_labels;
        }
      }
      SCOUT_ASSIGN_OR_RETURN(NodePtr rhs,
                             ParseBinary(op == BinOp::kPow ? prec : prec + 1));
      if (absl::Status s = CheckBinary(*node, op_tok, *lhs, *rhs); !s.ok()) return s;
      node->type = (lhs->type == Type::kScalar && rhs->type == Type::kScalar) ? Type::kScalar
                                                                              : Type::kVector;
      node->children.push_back(std::move(lhs));
      node->children.push_back(std::move(rhs));
      lhs = std::move(node);
    }
  }

  absl::Status CheckBinary(const Node& node, const Token& op_tok, const Node& lhs,
                           const Node& rhs) {
    const std::string op_name = absl::StrCat("'", op_tok.text, "'");
    if (absl::Status s = RequireInstant(lhs, absl::StrCat("the left operand of ", op_name));
        !s.ok()) {
      return s;
    }
    if (absl::Status s = RequireInstant(rhs, absl::StrCat("the right operand of ", op_name));
        !s.ok()) {
      return s;
    }
    if (ast::IsSetOp(node.op)) {
      if (lhs.type == Type::kScalar) {
        return ErrorAt(lhs.column, absl::StrCat("expected an instant vector as the left operand of ", op_name),
                       absl::StrCat("scalar '", ToString(lhs), "'"));
      }
      if (rhs.type == Type::kScalar) {
        return ErrorAt(rhs.column, absl::StrCat("expected an instant vector as the right operand of ", op_name),
                       absl::StrCat("scalar '", ToString(rhs), "'"));
      }
    }
    if (node.clause != LabelClause::kNone && rhs.type != Type::kVector) {
      return ErrorAt(rhs.column, "expected an instant vector after on()/ignoring()",
                     absl::StrCat("scalar '", ToString(rhs), "'"));
    }
    if (ast::IsComparison(node.op) && !node.return_bool && lhs.type == Type::kScalar &&
        rhs.type == Type::kScalar) {
      return ErrorAt(rhs.column,
                     absl::StrCat("expected a vector on one side of ", op_name,
                                  " (to compare two scalars write '", op_tok.text, " bool')"),
                     absl::StrCat("scalar '", ToString(rhs), "'"));
    }
    return absl::OkStatus();
  }

  absl::Status ParseLabelList(Node* node) {
    if (absl::Status s = Expect(Tok::kLParen, "'(' and a list of label names"); !s.ok()) return s;
    while (Peek().kind != Tok::kRParen) {
      const Token& t = Peek();
      if (t.kind != Tok::kIdent || t.text.find(':') != std::string::npos) {
        return ErrorAt(t.column, "expected a label name or ')'", Describe(t));
      }
      node->clause_labels.push_back(t.text);
      Next();
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRParen) {
        return ErrorAt(Peek().column, "expected ',' or ')'", Describe(Peek()));
      }
    }
    Next();
    node->clause_labels_sorted = node->clause_labels;
    std::sort(node->clause_labels_sorted.begin(), node->clause_labels_sorted.end());
    node->clause_labels_sorted.erase(
        std::unique(node->clause_labels_sorted.begin(), node->clause_labels_sorted.end()),
        node->clause_labels_sorted.end());
    return absl::OkStatus();
  }

  // Every nesting (parentheses, call and aggregation arguments, unary
  // signs) goes through here: bounded, so a hostile expression cannot
  // overflow the stack (issue 16, found by tests/fuzz). Rules nest a few
  // levels.
  static constexpr int kMaxNesting = 100;
  absl::StatusOr<NodePtr> ParseUnary() {
    if (nesting_ >= kMaxNesting) {
      return ErrorAt(Peek().column,
                     absl::StrCat("expected an expression nested at most ", kMaxNesting, " levels deep"),
                     Describe(Peek()));
    }
    ++nesting_;
    absl::StatusOr<NodePtr> node = ParseUnaryNested();
    --nesting_;
    return node;
  }
  absl::StatusOr<NodePtr> ParseUnaryNested() {
    if (Peek().kind == Tok::kMinus || Peek().kind == Tok::kPlus) {
      const Token sign = Next();
      SCOUT_ASSIGN_OR_RETURN(NodePtr operand, ParseBinary(kPowPrecedence));
      if (absl::Status s = RequireInstant(*operand, absl::StrCat("the operand of unary '", sign.text, "'"));
          !s.ok()) {
        return s;
      }
      if (sign.kind == Tok::kPlus) return operand;
      if (operand->kind == Kind::kNumber) {
        operand->number = -operand->number;
        operand->column = sign.column;
        return operand;
      }
      auto node = std::make_unique<Node>();
      node->kind = Kind::kNegate;
      node->type = operand->type;
      node->column = sign.column;
      node->children.push_back(std::move(operand));
      return node;
    }
    return ParsePrimary();
  }

  absl::StatusOr<NodePtr> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kNumber: {
        auto node = std::make_unique<Node>();
        node->kind = Kind::kNumber;
        node->type = Type::kScalar;
        node->column = t.column;
        node->number = t.number;
        Next();
        if (Peek().kind == Tok::kLBracket) return NoRangeHere();
        return node;
      }
      case Tok::kLParen: {
        auto node = std::make_unique<Node>();
        node->kind = Kind::kParen;
        node->column = t.column;
        Next();
        SCOUT_ASSIGN_OR_RETURN(NodePtr inner, ParseBinary(0));
        if (absl::Status s = Expect(Tok::kRParen, "')' or an operator"); !s.ok()) return s;
        if (absl::Status s = RequireInstant(*inner, "a parenthesized expression"); !s.ok()) return s;
        node->type = inner->type;
        node->children.push_back(std::move(inner));
        if (Peek().kind == Tok::kLBracket) return NoRangeHere();
        return node;
      }
      case Tok::kLBrace:
        return ParseSelector();
      case Tok::kString: {
        auto node = std::make_unique<Node>();
        node->kind = Kind::kString;
        node->type = Type::kString;
        node->column = t.column;
        node->str = t.value;
        Next();
        return node;
      }
      case Tok::kIdent: {
        if (IsKeyword(t.text)) {
          return ErrorAt(t.column, "expected an expression", Describe(t));
        }
        if (auto a = Aggregations().find(t.text); a != Aggregations().end()) {
          return ParseAggregation(a->second);
        }
        if (Peek(1).kind == Tok::kLParen) {
          const FuncSpec* f = FindFunc(t.text);
          if (f == nullptr) {
            return absl::InvalidArgumentError(absl::StrCat(
                "column ", t.column, ": function '", t.text, "' is not supported"));
          }
          return ParseCall(*f);
        }
        if (Peek(1).kind != Tok::kLBrace && (absl::EqualsIgnoreCase(t.text, "inf") ||
                                             absl::EqualsIgnoreCase(t.text, "nan"))) {
          auto node = std::make_unique<Node>();
          node->kind = Kind::kNumber;
          node->column = t.column;
          node->number = absl::EqualsIgnoreCase(t.text, "inf")
                             ? std::numeric_limits<double>::infinity()
                             : std::numeric_limits<double>::quiet_NaN();
          Next();
          return node;
        }
        return ParseSelector();
      }
      default:
        return ErrorAt(t.column, "expected an expression", Describe(t));
    }
  }

  absl::Status NoRangeHere() const {
    return ErrorAt(Peek().column,
                   "expected an operator or the end of the expression (a range [d] may only "
                   "follow a selector; subqueries are not supported)",
                   Describe(Peek()));
  }

  // The braces of a selector, by the shared matcher grammar
  // (shared/selector.h) over the text; then the tokens it covered are
  // skipped and each regex is checked where its value was written.
  absl::Status ParseMatchers(std::vector<LabelMatcher>* matchers) {
    size_t end = static_cast<size_t>(Peek().column - 1);
    SelectorSyntaxError error;
    if (!ParseMatcherList(text_, &end, matchers, &error)) {
      const Token& at = TokenAt(error.pos);
      return ErrorAt(static_cast<int>(error.pos) + 1, error.expected, Describe(at));
    }
    size_t value = 0;  // the strings in the braces are the values, in order
    while (static_cast<size_t>(Peek().column - 1) < end && Peek().kind != Tok::kEnd) {
      const Token& t = Next();
      if (t.kind != Tok::kString) continue;
      const LabelMatcher& m = (*matchers)[value++];
      if (m.op != MatchOp::kRegexMatch && m.op != MatchOp::kRegexNotMatch) continue;
      Selector one;
      one.matchers.push_back(m);
      absl::StatusOr<CompiledSelector> c = CompiledSelector::Compile(one);
      if (!c.ok()) {
        return ErrorAt(t.column,
                       absl::StrCat("expected a valid regular expression (",
                                    std::string(c.status().message()), ")"),
                       Describe(t));
      }
    }
    return absl::OkStatus();
  }

  // The token that starts at text offset `pos`, or the end token.
  const Token& TokenAt(size_t pos) const {
    for (const Token& t : toks_) {
      if (static_cast<size_t>(t.column - 1) >= pos) return t;
    }
    return toks_.back();
  }

  absl::StatusOr<NodePtr> ParseSelector() {
    auto node = std::make_unique<Node>();
    node->kind = Kind::kSelector;
    node->type = Type::kVector;
    node->column = Peek().column;
    if (Peek().kind == Tok::kIdent) node->selector.metric = Next().text;
    if (Peek().kind == Tok::kLBrace) {
      SCOUT_RETURN_IF_ERROR(ParseMatchers(&node->selector.matchers));
    }
    absl::StatusOr<CompiledSelector> compiled = CompiledSelector::Compile(node->selector);
    if (!compiled.ok()) {
      return ErrorAt(node->column, absl::StrCat("expected a valid selector (",
                                                std::string(compiled.status().message()), ")"),
                     absl::StrCat("'", FormatSelector(node->selector), "'"));
    }
    if (node->selector.metric.empty() && compiled->Matches(SeriesKey{})) {
      return ErrorAt(node->column,
                     "expected a metric name or a matcher that does not match the empty string",
                     absl::StrCat("'", FormatSelector(node->selector), "'"));
    }
    // Selectors with the same text share one compiled form and one id.
    const std::string key = FormatSelector(node->selector);
    auto it = selector_ids_.find(key);
    if (it == selector_ids_.end()) {
      const int id = static_cast<int>(selector_ids_.size());
      it = selector_ids_
               .emplace(key, std::make_pair(id, std::make_shared<const CompiledSelector>(
                                                    *std::move(compiled))))
               .first;
    }
    node->selector_id = it->second.first;
    node->compiled = it->second.second;
    if (Peek().kind == Tok::kLBracket) {
      Next();
      const Token& d = Peek();
      if (d.kind != Tok::kDuration || d.ms <= 0) {
        return ErrorAt(d.column, "expected a duration such as 30s, 5m, 2h or 1d", Describe(d));
      }
      node->range_ms = d.ms;
      node->type = Type::kRange;
      Next();
      if (Peek().kind != Tok::kRBracket) {
        return ErrorAt(Peek().column, "expected ']' (subqueries are not supported)",
                       Describe(Peek()));
      }
      Next();
    }
    if (PeekIdent("offset")) {
      Next();
      const Token& d = Peek();
      if (d.kind != Tok::kDuration || d.ms <= 0) {
        return ErrorAt(d.column, "expected a positive duration such as 5m or 1d after offset",
                       Describe(d));
      }
      node->offset_ms = d.ms;
      Next();
    }
    if (Peek().kind == Tok::kLBracket && node->range_ms == 0 && node->offset_ms > 0) {
      return ErrorAt(Peek().column, "expected the range [d] before offset", Describe(Peek()));
    }
    return node;
  }

  static std::string ArgWanted(Func func, size_t i, Type want) {
    if (func == Func::kQuantileOverTime && i == 0) return "a scalar quantile such as 0.95 (first)";
    switch (want) {
      case Type::kRange: return "a range selector such as x[5m]";
      case Type::kScalar: return "a scalar";
      case Type::kVector: return "an instant vector";
      case Type::kString: return "a string such as \"label\"";
    }
    return "?";
  }

  absl::StatusOr<NodePtr> ParseCall(const FuncSpec& spec) {
    auto node = std::make_unique<Node>();
    node->kind = Kind::kCall;
    node->type = spec.result;
    node->func = spec.func;
    node->column = Peek().column;
    const std::string fname = absl::StrCat(spec.name, "()");
    Next();  // name
    Next();  // '('
    auto comma = [&]() { return Expect(Tok::kComma, absl::StrCat("',' and the next argument of ", fname)); };
    if (spec.func == Func::kAbsentFor) return ParseAbsentFor(std::move(node), comma);
    const size_t required = spec.args.size() - spec.optional;
    for (size_t i = 0; i < spec.args.size() || spec.variadic; ++i) {
      if (i >= required && Peek().kind == Tok::kRParen) break;
      if (i > 0) SCOUT_RETURN_IF_ERROR(comma());
      const Type want = spec.args[std::min(i, spec.args.size() - 1)];
      SCOUT_ASSIGN_OR_RETURN(NodePtr arg, ParseBinary(0));
      if (arg->type != want) {
        return ErrorAt(arg->column,
                       absl::StrCat("expected ", ArgWanted(spec.func, i, want), " as the argument of ", fname),
                       absl::StrCat(TypeName(arg->type), " '", ToString(*arg), "'"));
      }
      node->children.push_back(std::move(arg));
    }
    if (absl::Status s = Expect(Tok::kRParen, absl::StrCat("')' closing ", fname)); !s.ok()) {
      return s;
    }
    return node;
  }

  template <typename Comma>
  absl::StatusOr<NodePtr> ParseAbsentFor(NodePtr node, Comma comma) {
    const Token& t = Peek();
    SCOUT_ASSIGN_OR_RETURN(NodePtr sel, ParseBinary(0));
    if (sel->kind != Kind::kSelector || sel->range_ms > 0) {
      return ErrorAt(t.column, "expected an instant selector such as up{job=\"x\"} as the first argument of absent_for()",
                     absl::StrCat(TypeName(sel->type), " '", ToString(*sel), "'"));
    }
    node->children.push_back(std::move(sel));
    if (absl::Status s = comma(); !s.ok()) return s;
    const Token& d = Peek();
    if (d.kind != Tok::kDuration || d.ms <= 0) {
      return ErrorAt(d.column, "expected a duration such as 2m or 2h as the second argument of absent_for()",
                     Describe(d));
    }
    node->duration_ms = d.ms;
    Next();
    if (absl::Status s = Expect(Tok::kRParen, "')' closing absent_for()"); !s.ok()) return s;
    return node;
  }

  absl::StatusOr<NodePtr> ParseAggregation(AggOp agg) {
    auto node = std::make_unique<Node>();
    node->kind = Kind::kAggregate;
    node->type = Type::kVector;
    node->agg = agg;
    node->column = Peek().column;
    const std::string name = Next().text;
    auto clause = [&]() -> absl::Status {
      node->clause = Peek().text == "by" ? LabelClause::kBy : LabelClause::kWithout;
      Next();
      return ParseLabelList(node.get());
    };
    if (PeekIdent("by") || PeekIdent("without")) {
      if (absl::Status s = clause(); !s.ok()) return s;
    }
    if (absl::Status s = Expect(Tok::kLParen, absl::StrCat("'(' after ", name)); !s.ok()) return s;
    if (ast::AggTakesParam(agg)) {
      const Type want = agg == AggOp::kCountValues ? Type::kString : Type::kScalar;
      SCOUT_ASSIGN_OR_RETURN(NodePtr param, ParseBinary(0));
      if (param->type != want) {
        return ErrorAt(param->column,
                       absl::StrCat("expected ", want == Type::kString ? "a label name string" : "a scalar",
                                    " as the first argument of ", name, "()"),
                       absl::StrCat(TypeName(param->type), " '", ToString(*param), "'"));
      }
      node->children.push_back(std::move(param));
      if (absl::Status s = Expect(Tok::kComma, absl::StrCat("',' and the vector to aggregate with ", name, "()")); !s.ok()) return s;
    }
    SCOUT_ASSIGN_OR_RETURN(NodePtr inner, ParseBinary(0));
    if (inner->type != Type::kVector) {
      return ErrorAt(inner->column, absl::StrCat("expected an instant vector to aggregate with ", name, "()"),
                     absl::StrCat(TypeName(inner->type), " '", ToString(*inner), "'"));
    }
    node->children.push_back(std::move(inner));
    if (absl::Status s = Expect(Tok::kRParen, absl::StrCat("')' closing ", name, "(")); !s.ok()) {
      return s;
    }
    if (PeekIdent("by") || PeekIdent("without")) {
      if (node->clause != LabelClause::kNone) {
        return ErrorAt(Peek().column, "expected an operator or the end (one by/without clause per aggregation)",
                       Describe(Peek()));
      }
      node->clause_after = true;
      if (absl::Status s = clause(); !s.ok()) return s;
    }
    return node;
  }

  std::string_view text_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int nesting_ = 0;
  std::map<std::string, std::pair<int, std::shared_ptr<const CompiledSelector>>> selector_ids_;
};

}  // namespace

bool Expr::ReturnsScalar() const { return root_ != nullptr && root_->type == Type::kScalar; }

bool Expr::ReturnsRange() const { return root_ != nullptr && root_->type == Type::kRange; }

std::string Expr::String() const { return root_ == nullptr ? std::string() : ToString(*root_); }

absl::StatusOr<Expr> ParseExpr(std::string_view text, const ParseOptions& options) {
  absl::StatusOr<std::vector<Token>> tokens = Lex(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) {
    return ErrorAt(1, "expected an expression", "end of input");
  }
  Parser parser(text, *std::move(tokens));
  absl::StatusOr<NodePtr> root = parser.ParseAll(options);
  if (!root.ok()) return root.status();
  Expr expr;
  expr.root_ = std::shared_ptr<const Node>(std::move(*root));
  expr.selector_count_ = parser.selector_count();
  return expr;
}

}  // namespace scout::collector::promql
