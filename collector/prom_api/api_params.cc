#include "collector/prom_api/api_params.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "re2/re2.h"

namespace scout::collector::prom_api {
namespace {

// Unix milliseconds this far from 0 still fit any arithmetic we do on them
// (start - lookback, end + step) without overflow; Prometheus's own
// min/max times lie within it.
constexpr double kMaxAbsMs = 9.2e15;

absl::Status ParamError(absl::string_view name, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid parameter \"", name, "\": ", what));
}

// strtod accepting the whole text only (Go's ParseFloat also takes "Inf",
// "NaN", hex; callers refuse the non-finite ones).
std::optional<double> ParseFloat(absl::string_view text) {
  if (text.empty() || absl::ascii_isspace(static_cast<unsigned char>(text.front()))) {
    return std::nullopt;
  }
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE) return std::nullopt;
  return v;
}

// One "<digits><unit>" after another, units strictly largest first, as
// Prometheus's model.ParseDuration.
std::optional<int64_t> ParsePromDuration(absl::string_view text) {
  struct Unit {
    absl::string_view name;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {{"y", 365 * 24 * 3600 * 1000LL}, {"w", 7 * 24 * 3600 * 1000LL},
                                    {"d", 24 * 3600 * 1000LL},       {"h", 3600 * 1000LL},
                                    {"ms", 1},                       {"m", 60 * 1000LL},
                                    {"s", 1000}};
  // Order of the units in the text (ms comes after s).
  auto rank = [](absl::string_view u) {
    static constexpr absl::string_view kOrder[] = {"y", "w", "d", "h", "m", "s", "ms"};
    for (int i = 0; i < 7; ++i) {
      if (kOrder[i] == u) return i;
    }
    return -1;
  };
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  int last_rank = -1;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j == i || j - i > 15) return std::nullopt;
    int64_t n = 0;
    if (!absl::SimpleAtoi(text.substr(i, j - i), &n)) return std::nullopt;
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(j, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    const int r = rank(unit->name);
    if (r <= last_rank) return std::nullopt;
    last_rank = r;
    if (n > (std::numeric_limits<int64_t>::max() - total) / unit->ms) return std::nullopt;
    total += n * unit->ms;
    i = j + unit->name.size();
  }
  return total;
}

}  // namespace

absl::StatusOr<int64_t> ParseTimeMs(absl::string_view text) {
  auto fail = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot parse \"", text, "\" to a valid timestamp"));
  };
  if (std::optional<double> seconds = ParseFloat(text)) {
    if (!std::isfinite(*seconds) || std::fabs(*seconds * 1000) > kMaxAbsMs) return fail();
    // Whole seconds, then the fraction rounded to milliseconds (Prometheus).
    const double whole = std::trunc(*seconds);
    const double frac_ms = std::round((*seconds - whole) * 1000);
    return static_cast<int64_t>(whole) * 1000 + static_cast<int64_t>(frac_ms);
  }
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return fail();
  const int64_t ms = absl::ToUnixMillis(t);  // truncates sub-millisecond digits
  if (std::fabs(static_cast<double>(ms)) > kMaxAbsMs) return fail();
  return ms;
}

absl::StatusOr<int64_t> ParseDurationMs(absl::string_view text) {
  auto fail = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot parse \"", text, "\" to a valid duration"));
  };
  if (std::optional<double> seconds = ParseFloat(text)) {
    if (!std::isfinite(*seconds) || std::fabs(*seconds * 1000) > kMaxAbsMs) return fail();
    if (*seconds < 0) return fail();
    return static_cast<int64_t>(std::round(*seconds * 1000));
  }
  std::optional<int64_t> ms = ParsePromDuration(text);
  if (!ms.has_value() || static_cast<double>(*ms) > kMaxAbsMs) return fail();
  return *ms;
}

absl::StatusOr<int64_t> TimeParam(absl::string_view name, const std::optional<std::string>& value,
                                  int64_t fallback) {
  if (!value.has_value()) return fallback;
  absl::StatusOr<int64_t> ms = ParseTimeMs(*value);
  if (!ms.ok()) return ParamError(name, ms.status().message());
  return ms;
}

absl::StatusOr<int64_t> DurationParam(absl::string_view name,
                                      const std::optional<std::string>& value) {
  absl::StatusOr<int64_t> ms = ParseDurationMs(value.value_or(""));
  if (!ms.ok()) return ParamError(name, ms.status().message());
  return ms;
}

absl::StatusOr<RangeParams> ParseRangeParams(const std::optional<std::string>& start,
                                             const std::optional<std::string>& end,
                                             const std::optional<std::string>& step) {
  RangeParams p;
  absl::StatusOr<int64_t> s = ParseTimeMs(start.value_or(""));
  if (!s.ok()) return ParamError("start", s.status().message());
  absl::StatusOr<int64_t> e = ParseTimeMs(end.value_or(""));
  if (!e.ok()) return ParamError("end", e.status().message());
  if (*e < *s) {
    return ParamError("end", "end timestamp must not be before start time");
  }
  absl::StatusOr<int64_t> st = DurationParam("step", step);
  if (!st.ok()) return st.status();
  if (*st <= 0) {
    return absl::InvalidArgumentError(
        "zero or negative query resolution step widths are not accepted. Try a positive "
        "integer");
  }
  if ((*e - *s) / *st > kMaxPointsPerSeries) {
    return absl::InvalidArgumentError(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  p.start_ms = *s;
  p.end_ms = *e;
  p.step_ms = *st;
  return p;
}

absl::StatusOr<size_t> ParseLimit(const std::optional<std::string>& value) {
  if (!value.has_value() || value->empty()) return 0;
  int64_t n = 0;
  if (!absl::SimpleAtoi(*value, &n) || n < 0) {
    return ParamError("limit", absl::StrCat("cannot parse \"", *value, "\" to a valid limit"));
  }
  return static_cast<size_t>(n);
}

namespace {

bool MatchesEmpty(const LabelMatcher& m) {
  switch (m.op) {
    case MatchOp::kEqual: return m.value.empty();
    case MatchOp::kNotEqual: return !m.value.empty();
    case MatchOp::kRegexMatch: return RE2::FullMatch("", m.value);
    case MatchOp::kRegexNotMatch: return !RE2::FullMatch("", m.value);
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<CompiledSelector>> ParseMatchers(
    const std::vector<std::string>& texts) {
  if (texts.size() > kMaxMatchers) {
    return ParamError("match[]", absl::StrCat("more than ", kMaxMatchers, " selectors"));
  }
  std::vector<CompiledSelector> out;
  out.reserve(texts.size());
  for (const std::string& text : texts) {
    absl::StatusOr<Selector> sel = ParseSelector(text);
    if (!sel.ok()) return ParamError("match[]", sel.status().message());
    bool selective = !sel->metric.empty();
    for (const LabelMatcher& m : sel->matchers) selective = selective || !MatchesEmpty(m);
    if (!selective) {
      return ParamError("match[]",
                        "match[] must contain at least one non-empty matcher");
    }
    absl::StatusOr<CompiledSelector> compiled = CompiledSelector::Compile(*sel);
    if (!compiled.ok()) return ParamError("match[]", compiled.status().message());
    out.push_back(*std::move(compiled));
  }
  return out;
}

}  // namespace scout::collector::prom_api
