#include "shared/units.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace scout {
namespace {

std::string Printf(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

// Only for fixed-point text: "-0.0" after rounding is noise, not a sign.
std::string StripNegativeZero(std::string s) {
  if (!s.empty() && s[0] == '-' && s.find_first_of("123456789") == std::string::npos) {
    s.erase(0, 1);
  }
  return s;
}

std::string NonFinite(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

// Two significant-ish digits for a scaled unit: "123", "12", "2.50".
std::string Scaled(double v, const char* unit) {
  return StripNegativeZero(
      Printf(std::fabs(v) >= 9.995 ? "%.0f" : "%.2f", v) + " " + unit);
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string FormatNumber(double v) {
  if (!std::isfinite(v)) return NonFinite(v);
  double a = std::fabs(v);
  if (a == 0) return "0";
  if (a < 1e-6 || a >= 1e15) return Printf("%.4g", v);
  int decimals = 4;
  if (a < 1) decimals = 3 - static_cast<int>(std::floor(std::log10(a)));
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::string FormatPercent(double ratio) {
  if (!std::isfinite(ratio)) return NonFinite(ratio);
  return StripNegativeZero(Printf("%.1f%%", ratio * 100));
}

std::string FormatBytes(double bytes) {
  if (!std::isfinite(bytes)) return NonFinite(bytes);
  static constexpr const char* kUnits[] = {"B",   "KiB", "MiB", "GiB",
                                           "TiB", "PiB", "EiB"};
  double a = std::fabs(bytes);
  if (a < 1023.5) return StripNegativeZero(Printf("%.0f", bytes) + " B");
  size_t unit = 0;
  // Move up while one decimal of the current unit would round to 1024.
  while (a >= 1023.95 && unit + 1 < std::size(kUnits)) {
    a /= 1024;
    ++unit;
  }
  return absl::StrCat(bytes < 0 ? "-" : "", Printf("%.1f", a), " ", kUnits[unit]);
}

std::string FormatSeconds(double seconds) {
  if (!std::isfinite(seconds)) return NonFinite(seconds);
  double a = std::fabs(seconds);
  if (a == 0) return "0 s";
  if (a < 1e-6) return StripNegativeZero(Printf("%.0f", seconds * 1e9) + " ns");
  if (a < 0.9995e-3) return Scaled(seconds * 1e6, "us");
  if (a < 0.9995) return Scaled(seconds * 1e3, "ms");
  if (a < 59.995) return Printf("%.2f", seconds) + " s";
  return FormatAge(static_cast<int64_t>(std::llround(seconds * 1000)));
}

std::string HumanizeValue(std::string_view metric, double value) {
  if (EndsWith(metric, "_ratio")) return FormatPercent(value);
  if (EndsWith(metric, "_bytes")) return FormatBytes(value);
  if (EndsWith(metric, "_seconds")) return FormatSeconds(value);
  return FormatNumber(value);
}

std::string FormatAge(int64_t age_ms) {
  if (age_ms < 0) return "-" + FormatAge(-age_ms);
  int64_t s = age_ms / 1000;
  auto two = [](int64_t big, const char* big_unit, int64_t small, const char* small_unit) {
    return small == 0 ? absl::StrCat(big, big_unit)
                      : absl::StrCat(big, big_unit, small, small_unit);
  };
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return two(s / 60, "m", s % 60, "s");
  if (s < 86400) return two(s / 3600, "h", s / 60 % 60, "m");
  return two(s / 86400, "d", s / 3600 % 24, "h");
}

std::string FormatAgo(int64_t age_ms) {
  // Sub-second skew between collector and client is not worth "in 0s".
  if (age_ms <= -1000) return "in " + FormatAge(-age_ms);
  return FormatAge(std::max<int64_t>(age_ms, 0)) + " ago";
}

std::string FormatRawNumber(double v) {
  if (!std::isfinite(v)) return NonFinite(v);
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, result.ptr);
}

}  // namespace scout
