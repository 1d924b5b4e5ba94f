// Output building blocks for sctl: humanized values and times, an aligned
// text table, RFC 4180 CSV fields, a small JSON writer, and parsing of the
// time arguments users type (--since/--until/--start/--end).
//
// Contract: everything here is pure (no I/O except into the given stream,
// no reading of the clock or of global time-zone state): "now" and the time
// zone are always parameters, so output is reproducible in tests.
#pragma once

#include "shared/json_string.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace scout::ctl {

enum class OutputFormat { kTable, kJson, kCsv };

// "table", "json" or "csv"; anything else is InvalidArgument.
absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view text);

// ---- Humanized values (table output only) ----

// Up to 4 decimals for |v| >= 1, 4 significant digits below 1, trailing
// zeros trimmed: 42 -> "42", 3.14159 -> "3.1416", 0.00012346 -> "0.0001235".
// Very large or tiny magnitudes use exponent form ("1.5e+20"). Non-finite
// values print as "NaN", "+Inf", "-Inf".
std::string FormatNumber(double v);
// 0.421 -> "42.1%".
std::string FormatPercent(double ratio);
// IEC units: 512 -> "512 B", 536870912 -> "512.0 MiB".
std::string FormatBytes(double bytes);
// 0.123 -> "123 ms", 0.0025 -> "2.50 ms", 2.5 -> "2.50 s", 90 -> "1m30s".
std::string FormatSeconds(double seconds);
// Picks the unit from the metric-name suffix (_ratio, _bytes, _seconds);
// anything else (including _total) is FormatNumber.
std::string HumanizeValue(std::string_view metric, double value);

// Coarse elapsed time, at most two units: "3s", "1m20s", "2h5m", "3d4h".
// Negative input gets a leading "-".
std::string FormatAge(int64_t age_ms);
// "3s ago"; a timestamp in the future (clock skew) reads "in 3s".
std::string FormatAgo(int64_t age_ms);

// ---- Raw values (CSV and JSON) ----

// Shortest text that reads back as the same double; "NaN", "+Inf", "-Inf".
std::string FormatRawNumber(double v);
// "2026-11-27 14:03:10" in `tz` (sctl passes the local zone).
std::string FormatLocalTime(int64_t ms, absl::TimeZone tz);
// "2026-11-27T13:03:10.000Z": always UTC, always milliseconds.
std::string FormatRfc3339Utc(int64_t ms);

// ---- Time arguments ----

// An absolute instant: "now", epoch milliseconds ("1732712590000"),
// RFC 3339 ("2026-11-27T14:03:10Z", "...+01:00", fractions allowed), or
// the table's own format "2026-11-27 14:03:10" / "2026-11-27" read in `tz`.
// Numbers with fewer than 11 digits are rejected: they are almost always
// epoch seconds and would silently select a range in 1970.
absl::StatusOr<int64_t> ParseTimePoint(std::string_view text, int64_t now_ms,
                                       absl::TimeZone tz);

// The query window as typed. Empty strings are "not given".
struct TimeRangeArgs {
  std::string since;  // duration before now; default "1h" when start is empty
  std::string until;  // duration before now; default: now
  std::string start;  // ParseTimePoint; excludes `since`
  std::string end;    // ParseTimePoint; excludes `until`
};

struct TimeRange {
  int64_t start_ms = 0;  // inclusive
  int64_t end_ms = 0;    // exclusive
};

// InvalidArgument names the offending flag; an empty or inverted window is
// an error rather than a silently empty result.
absl::StatusOr<TimeRange> ResolveTimeRange(const TimeRangeArgs& args, int64_t now_ms,
                                           absl::TimeZone tz);

// ---- Writers ----

// Column-aligned text: columns separated by two spaces, each column as wide
// as its widest cell (in UTF-8 code points), no trailing blanks. Control
// characters in cells are shown escaped ("\n", "\x1b") so that data can
// neither break the layout nor send escape sequences to the terminal.
class TextTable {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string header;
    Align align = Align::kLeft;
  };

  explicit TextTable(std::vector<Column> columns);
  // Missing cells are blank; extra cells are dropped.
  void AddRow(std::vector<std::string> cells);
  void Write(std::ostream& out) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// The escaping TextTable applies, for single-line output outside tables.
std::string SanitizeForTerminal(std::string_view text);

// Quotes a field when it contains a comma, quote, CR or LF, doubling quotes.
std::string CsvField(std::string_view field);
// Fields joined by commas, terminated by "\n" (LF, for Unix pipelines).
void WriteCsvRow(std::ostream& out, const std::vector<std::string>& fields);

// JSON string literals: shared/json_string.h (invalid UTF-8 becomes U+FFFD).
using ::scout::JsonString;

// Streaming JSON with 2-space indentation. The caller keeps calls balanced;
// Key() is only valid inside an object and must precede every value there.
class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  // Non-finite values are written as null: JSON has no NaN or Inf.
  JsonWriter& Number(double value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);

 private:
  void BeforeValue();
  JsonWriter& Close(char bracket);

  struct Level {
    int count = 0;
  };
  std::ostream& out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

}  // namespace scout::ctl
