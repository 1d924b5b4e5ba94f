#include "ctl/format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shared/duration.h"

namespace scout::ctl {
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

size_t DisplayWidth(std::string_view s) {
  // Counts code points: good enough for labels, and never splits a byte.
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  if (text == "csv") return OutputFormat::kCsv;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown output format \"", std::string(text), "\" (expected table, json or csv)"));
}

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

std::string FormatLocalTime(int64_t ms, absl::TimeZone tz) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(ms), tz);
}

std::string FormatRfc3339Utc(int64_t ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

absl::StatusOr<int64_t> ParseTimePoint(std::string_view text, int64_t now_ms,
                                       absl::TimeZone tz) {
  std::string s(absl::StripAsciiWhitespace(std::string(text)));
  if (s == "now") return now_ms;
  if (!s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit)) {
    if (s.size() < 11) {
      return absl::InvalidArgumentError(absl::StrCat(
          "time \"", s, "\" looks like epoch seconds; epoch times are milliseconds (",
          s, "000)"));
    }
    int64_t ms = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
    if (ec == std::errc() && ptr == s.data() + s.size()) return ms;
  }
  for (const char* format : {absl::RFC3339_full, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"}) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(format, s, tz, &t, &err)) return absl::ToUnixMillis(t);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid time \"", s,
      "\" (expected RFC 3339 like 2026-11-27T14:03:10Z, local \"2026-11-27 14:03:10\", "
      "epoch milliseconds, or now)"));
}

absl::StatusOr<TimeRange> ResolveTimeRange(const TimeRangeArgs& args, int64_t now_ms,
                                           absl::TimeZone tz) {
  if (!args.since.empty() && !args.start.empty()) {
    return absl::InvalidArgumentError("--since and --start are mutually exclusive");
  }
  if (!args.until.empty() && !args.end.empty()) {
    return absl::InvalidArgumentError("--until and --end are mutually exclusive");
  }
  auto ago = [&](const std::string& flag, const std::string& text) -> absl::StatusOr<int64_t> {
    auto d = ParseDuration(text);
    if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", d.status().message()));
    return now_ms - d->count();
  };
  auto point = [&](const std::string& flag, const std::string& text) -> absl::StatusOr<int64_t> {
    auto t = ParseTimePoint(text, now_ms, tz);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", t.status().message()));
    return *t;
  };
  TimeRange range;
  absl::StatusOr<int64_t> start = args.start.empty()
                                      ? ago("--since", args.since.empty() ? "1h" : args.since)
                                      : point("--start", args.start);
  if (!start.ok()) return start.status();
  absl::StatusOr<int64_t> end = args.end.empty()
                                    ? (args.until.empty() ? now_ms : ago("--until", args.until))
                                    : point("--end", args.end);
  if (!end.ok()) return end.status();
  range.start_ms = *start;
  range.end_ms = *end;
  if (range.start_ms >= range.end_ms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "empty time range: start ", FormatRfc3339Utc(range.start_ms), " is not before end ",
        FormatRfc3339Utc(range.end_ms)));
  }
  return range;
}

std::string SanitizeForTerminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

TextTable::TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  for (std::string& cell : cells) cell = SanitizeForTerminal(cell);
  rows_.push_back(std::move(cells));
}

void TextTable::Write(std::ostream& out) const {
  std::vector<size_t> widths(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    widths[c] = DisplayWidth(columns_[c].header);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  auto write_row = [&](auto cell_at) {
    std::string line;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string& cell = cell_at(c);
      std::string pad(widths[c] - DisplayWidth(cell), ' ');
      if (c > 0) line += "  ";
      line += columns_[c].align == Align::kRight ? pad + cell : cell + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  };
  write_row([&](size_t c) -> const std::string& { return columns_[c].header; });
  for (const auto& row : rows_) {
    write_row([&](size_t c) -> const std::string& { return row[c]; });
  }
}

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void WriteCsvRow(std::ostream& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out << ',';
    out << CsvField(fields[i]);
  }
  out << '\n';
}


void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  if (stack_.back().count++ > 0) out_ << ',';
  out_ << '\n' << std::string(2 * stack_.size(), ' ');
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_ << '{';
  stack_.push_back({});
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_ << '[';
  stack_.push_back({});
  return *this;
}

JsonWriter& JsonWriter::Close(char bracket) {
  bool had_items = !stack_.empty() && stack_.back().count > 0;
  if (!stack_.empty()) stack_.pop_back();
  if (had_items) out_ << '\n' << std::string(2 * stack_.size(), ' ');
  out_ << bracket;
  return *this;
}

JsonWriter& JsonWriter::EndObject() { return Close('}'); }
JsonWriter& JsonWriter::EndArray() { return Close(']'); }

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  out_ << JsonString(key) << ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  out_ << JsonString(value);
  return *this;
}

JsonWriter& JsonWriter::Number(double value) {
  BeforeValue();
  out_ << (std::isfinite(value) ? FormatRawNumber(value) : "null");
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  out_ << value;
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ << (value ? "true" : "false");
  return *this;
}

}  // namespace scout::ctl
