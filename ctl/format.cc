#include "ctl/format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shared/duration.h"

namespace scout::ctl {
namespace {

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

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// [+-]?(d+(.d*)?|.d+)([eE][+-]?d+)?  or  [+-]Inf
bool IsPlainNumber(std::string_view s) {
  if (s == "+Inf" || s == "-Inf") return true;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

}  // namespace

bool CsvFormulaRisk(std::string_view field) {
  if (field.empty()) return false;
  switch (field.front()) {
    case '=': case '+': case '-': case '@': case '\t': case '\r':
      return !IsPlainNumber(field);
    default:
      return false;
  }
}

std::string CsvField(std::string_view field) {
  std::string guarded;
  if (CsvFormulaRisk(field)) {
    guarded = "'" + std::string(field);
    field = guarded;
  }
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


Records::Records(std::vector<std::string> names) : names_(std::move(names)) {}

Records& Records::Row() {
  rows_.emplace_back();
  rows_.back().reserve(names_.size());
  return *this;
}

Records& Records::Text(std::string value) {
  std::string csv = value;
  rows_.back().push_back({Value::Kind::kText, std::move(value), 0, 0, std::move(csv)});
  return *this;
}

Records& Records::Number(double value) {
  rows_.back().push_back({Value::Kind::kNumber, "", value, 0, FormatRawNumber(value)});
  return *this;
}

Records& Records::Known(double value) {
  if (value < 0) {
    rows_.back().push_back({Value::Kind::kNumber, "", std::nan(""), 0, ""});
    return *this;
  }
  return Number(value);
}

Records& Records::Int(int64_t value) {
  rows_.back().push_back({Value::Kind::kInt, "", 0, value, absl::StrCat(value)});
  return *this;
}

void Records::WriteJsonArray(JsonWriter& json) const {
  json.BeginArray();
  for (const std::vector<Value>& row : rows_) {
    json.BeginObject();
    for (size_t i = 0; i < row.size() && i < names_.size(); ++i) {
      json.Key(names_[i]);
      switch (row[i].kind) {
        case Value::Kind::kText: json.String(row[i].text); break;
        case Value::Kind::kNumber: json.Number(row[i].number); break;
        case Value::Kind::kInt: json.Int(row[i].integer); break;
      }
    }
    json.EndObject();
  }
  json.EndArray();
}

void Records::WriteCsv(std::ostream& out) const {
  WriteCsvRow(out, names_);
  for (const std::vector<Value>& row : rows_) {
    std::vector<std::string> fields;
    fields.reserve(row.size());
    for (const Value& v : row) fields.push_back(v.csv);
    WriteCsvRow(out, fields);
  }
}

}  // namespace scout::ctl
