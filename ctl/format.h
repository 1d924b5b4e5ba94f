// Output building blocks for sctl: times, an aligned text table, RFC 4180
// CSV fields, and parsing of the time arguments users type
// (--since/--until/--start/--end). Humanized units (shared/units.h) and the
// JSON writer (shared/json_writer.h) are shared with the collector's
// reports and re-exported here under sctl's names.
//
// Contract: everything here is pure (no I/O except into the given stream,
// no reading of the clock or of global time-zone state): "now" and the time
// zone are always parameters, so output is reproducible in tests.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/json_string.h"
#include "shared/json_writer.h"
#include "shared/units.h"

namespace scout::ctl {

enum class OutputFormat { kTable, kJson, kCsv };

// "table", "json" or "csv"; anything else is InvalidArgument.
absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view text);

// ---- Humanized and raw values: shared/units.h ----

using ::scout::FormatAge;
using ::scout::FormatAgo;
using ::scout::FormatBytes;
using ::scout::FormatNumber;
using ::scout::FormatPercent;
using ::scout::FormatRawNumber;
using ::scout::FormatSeconds;
using ::scout::HumanizeValue;

// ---- Times ----

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
// A field a spreadsheet would run as a formula (CsvFormulaRisk) gets a
// leading "'" first (OWASP "CSV injection"), so it opens as text.
std::string CsvField(std::string_view field);
// The one rule for formula cells: true when `field` starts with '=', '+',
// '-', '@', TAB or CR and is not a plain number. Plain numbers are
// [+-]digits[.digits][e[+-]digits] (also ".5"), and "+Inf"/"-Inf" (what
// FormatRawNumber writes): "-1.5" and "+3" stay numbers a spreadsheet can
// add up; "-1+cmd|' /C calc'!A0", "=HYPERLINK(..)", "@SUM(..)", "+" alone,
// "-" alone and "--5" are guarded.
bool CsvFormulaRisk(std::string_view field);
// Fields joined by commas, terminated by "\n" (LF, for Unix pipelines).
void WriteCsvRow(std::ostream& out, const std::vector<std::string>& fields);

// JSON string literals: shared/json_string.h (invalid UTF-8 becomes U+FFFD).
using ::scout::JsonString;

// Streaming JSON: shared/json_writer.h.
using ::scout::JsonWriter;

// A command's rows as named raw values: the one source of its JSON records
// and of its CSV (header: the names), so the two formats list the same
// fields in the same order. Usage:
//   Records records({"target", "wait_seconds"});
//   for (const auto& w : waits) records.Row().Text(w.target).Number(w.seconds);
//   records.WriteJsonArray(json);  // or records.WriteCsv(*out.out);
class Records {
 public:
  explicit Records(std::vector<std::string> names);

  // Starts a row; then give one value per name, in order.
  Records& Row();
  Records& Text(std::string value);
  // JSON: a number (null when not finite); CSV: FormatRawNumber.
  Records& Number(double value);
  // A figure where negative means unknown: JSON null, CSV empty.
  Records& Known(double value);
  // JSON: an integer; CSV: its decimal text.
  Records& Int(int64_t value);

  // [{name: value, ...}, ...] at the writer's current position.
  void WriteJsonArray(JsonWriter& json) const;
  // The header row, then one row per record.
  void WriteCsv(std::ostream& out) const;

 private:
  struct Value {
    enum class Kind { kText, kNumber, kInt } kind;
    std::string text;  // kText
    double number;     // kNumber (NaN: JSON null)
    int64_t integer;   // kInt
    std::string csv;   // the CSV field
  };
  std::vector<std::string> names_;
  std::vector<std::vector<Value>> rows_;
};

}  // namespace scout::ctl
