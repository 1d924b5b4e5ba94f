#include "collector/alerting/template.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "re2/re2.h"

namespace scout::collector::alerting {
namespace {

std::string Format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string HumanizeScaled(double v, double base, const char* const* units, int n) {
  if (!std::isfinite(v)) return Format("%g", v);
  int i = 0;
  double x = v;
  while (std::fabs(x) >= base && i < n - 1) {
    x /= base;
    ++i;
  }
  return absl::StrCat(Format("%.4g", x), units[i]);
}

std::string Apply(const std::string& format, double v) {
  if (format.empty()) return Format("%g", v);
  if (format == "humanize") {
    static const char* const kUnits[] = {"", "k", "M", "G", "T", "P"};
    return HumanizeScaled(v, 1000, kUnits, 6);
  }
  if (format == "humanize1024") {
    static const char* const kUnits[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};
    return HumanizeScaled(v, 1024, kUnits, 6);
  }
  if (format == "humanizePercentage") return absl::StrCat(Format("%.4g", v * 100), "%");
  if (format == "humanizeDuration") return HumanizeDuration(v);
  return Format(format.c_str(), v);  // a printf format validated at parse time
}

}  // namespace

std::string HumanizeDuration(double seconds) {
  if (!std::isfinite(seconds)) return Format("%g", seconds);
  const double a = std::fabs(seconds);
  const std::string sign = seconds < 0 ? "-" : "";
  if (a == 0) return "0s";
  if (a < 1) return absl::StrCat(sign, Format("%.4g", a * 1000), "ms");
  if (a < 60) return absl::StrCat(sign, Format("%.4g", a), "s");
  const int64_t s = static_cast<int64_t>(std::llround(a));
  const int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
  std::string out = sign;
  if (d > 0) absl::StrAppend(&out, d, "d ");
  if (d > 0 || h > 0) absl::StrAppend(&out, h, "h ");
  absl::StrAppend(&out, m, "m");
  if (d == 0 && h == 0) absl::StrAppend(&out, " ", sec, "s");
  return out;
}

absl::StatusOr<Template> Template::Parse(const std::string& text) {
  static const RE2 kLabel(R"(\$labels\.([a-zA-Z_][a-zA-Z0-9_]*))");
  static const RE2 kPiped(R"(\$value\s*\|\s*(humanize|humanize1024|humanizePercentage|humanizeDuration))");
  // Precision at most 2 digits: glibc formats every digit asked for before
  // the 64-byte buffer truncates, so "%.22222224f" took seconds and
  // hundreds of MiB per render (issue 16, found by tests/fuzz).
  static const RE2 kPrintf(R"#(printf\s+"(%(?:\.[0-9]{1,2})?[fge])"\s+\$value)#");
  Template t;
  t.text_ = text;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == std::string::npos) {
      t.parts_.push_back({Part::Kind::kText, text.substr(pos), ""});
      break;
    }
    if (open > pos) t.parts_.push_back({Part::Kind::kText, text.substr(pos, open - pos), ""});
    const size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("template: unclosed {{ at offset ", open));
    }
    std::string action(absl::StripAsciiWhitespace(text.substr(open + 2, close - open - 2)));
    Part p;
    std::string name, format;
    if (action == "$value") {
      p.kind = Part::Kind::kValue;
    } else if (RE2::FullMatch(action, kLabel, &name)) {
      p.kind = Part::Kind::kLabel;
      p.text = name;
    } else if (RE2::FullMatch(action, kPiped, &format) ||
               RE2::FullMatch(action, kPrintf, &format)) {
      p.kind = Part::Kind::kValue;
      p.format = format;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "template: unsupported action {{ ", action, " }} at offset ", open,
          " (use $value, $labels.NAME, $value | humanize|humanize1024|humanizePercentage|"
          "humanizeDuration, or printf \"%.2f\" $value)"));
    }
    t.parts_.push_back(std::move(p));
    pos = close + 2;
  }
  return t;
}

std::string Template::Render(const Labels& labels, double value) const {
  std::string out;
  for (const Part& p : parts_) {
    switch (p.kind) {
      case Part::Kind::kText: out += p.text; break;
      case Part::Kind::kLabel: out += LabelValue(labels, p.text); break;
      case Part::Kind::kValue: out += Apply(p.format, value); break;
    }
  }
  return out;
}

}  // namespace scout::collector::alerting
