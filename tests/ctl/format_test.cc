#include "ctl/format.h"

#include <cmath>
#include <limits>
#include <sstream>

#include <gtest/gtest.h>

namespace scout::ctl {
namespace {

// 2026-11-27T14:03:10Z
constexpr int64_t kT = 1795788190000;
constexpr int64_t kHourMs = 3'600'000;

TEST(FormatNumber, TrimsToFourDecimalsOrSignificantDigits) {
  EXPECT_EQ(FormatNumber(0), "0");
  EXPECT_EQ(FormatNumber(42), "42");
  EXPECT_EQ(FormatNumber(-42), "-42");
  EXPECT_EQ(FormatNumber(3.14159), "3.1416");
  EXPECT_EQ(FormatNumber(2.5), "2.5");
  EXPECT_EQ(FormatNumber(1234567.891), "1234567.891");
  EXPECT_EQ(FormatNumber(0.5), "0.5");
  EXPECT_EQ(FormatNumber(0.00012346), "0.0001235");
  EXPECT_EQ(FormatNumber(-0.00001), "-0.00001");
  EXPECT_EQ(FormatNumber(-0.000000001), "-1e-09");
  EXPECT_EQ(FormatNumber(1.5e20), "1.5e+20");
}

TEST(FormatNumber, NonFinite) {
  EXPECT_EQ(FormatNumber(std::nan("")), "NaN");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatNumber(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatBytes(std::nan("")), "NaN");
  EXPECT_EQ(FormatSeconds(std::numeric_limits<double>::infinity()), "+Inf");
}

TEST(FormatUnits, Percent) {
  EXPECT_EQ(FormatPercent(0.421), "42.1%");
  EXPECT_EQ(FormatPercent(1), "100.0%");
  EXPECT_EQ(FormatPercent(0), "0.0%");
  EXPECT_EQ(FormatPercent(-0.0001), "0.0%");  // no "-0.0%"
  EXPECT_EQ(FormatPercent(-0.25), "-25.0%");
}

TEST(FormatUnits, Bytes) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1024), "1.0 KiB");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(536870912), "512.0 MiB");
  EXPECT_EQ(FormatBytes(1048575), "1.0 MiB");  // not "1024.0 KiB"
  EXPECT_EQ(FormatBytes(3.5 * 1024 * 1024 * 1024), "3.5 GiB");
  EXPECT_EQ(FormatBytes(-2048), "-2.0 KiB");
}

TEST(FormatUnits, Seconds) {
  EXPECT_EQ(FormatSeconds(0), "0 s");
  EXPECT_EQ(FormatSeconds(0.123), "123 ms");
  EXPECT_EQ(FormatSeconds(0.0025), "2.50 ms");
  EXPECT_EQ(FormatSeconds(0.000012), "12 us");
  EXPECT_EQ(FormatSeconds(3e-9), "3 ns");
  EXPECT_EQ(FormatSeconds(2.5), "2.50 s");
  EXPECT_EQ(FormatSeconds(1), "1.00 s");
  EXPECT_EQ(FormatSeconds(0.9999), "1.00 s");  // not "1000 ms"
  EXPECT_EQ(FormatSeconds(90), "1m30s");
  EXPECT_EQ(FormatSeconds(-0.5), "-500 ms");
}

TEST(FormatUnits, HumanizeBySuffix) {
  EXPECT_EQ(HumanizeValue("cpu_usage_ratio", 0.421), "42.1%");
  EXPECT_EQ(HumanizeValue("memory_used_bytes", 536870912), "512.0 MiB");
  EXPECT_EQ(HumanizeValue("http_request_duration_seconds", 0.123), "123 ms");
  EXPECT_EQ(HumanizeValue("network_received_bytes_total", 536870912), "536870912");
  EXPECT_EQ(HumanizeValue("requests_total", 12.5), "12.5");
  EXPECT_EQ(HumanizeValue("load1", 0.75), "0.75");
  EXPECT_EQ(HumanizeValue("ratio", 0.5), "0.5");  // the suffix needs its underscore
}

TEST(FormatAge, AtMostTwoUnits) {
  EXPECT_EQ(FormatAge(0), "0s");
  EXPECT_EQ(FormatAge(3999), "3s");
  EXPECT_EQ(FormatAge(60'000), "1m");
  EXPECT_EQ(FormatAge(80'000), "1m20s");
  EXPECT_EQ(FormatAge(2 * kHourMs + 5 * 60'000 + 59'000), "2h5m");
  EXPECT_EQ(FormatAge(3 * 24 * kHourMs), "3d");
  EXPECT_EQ(FormatAge(3 * 24 * kHourMs + 4 * kHourMs + 1000), "3d4h");
  EXPECT_EQ(FormatAge(-5000), "-5s");
}

TEST(FormatAge, Ago) {
  EXPECT_EQ(FormatAgo(3000), "3s ago");
  EXPECT_EQ(FormatAgo(-200), "0s ago");  // sub-second clock skew
  EXPECT_EQ(FormatAgo(-5000), "in 5s");
}

TEST(FormatRaw, NumbersRoundTrip) {
  EXPECT_EQ(FormatRawNumber(0.1), "0.1");
  EXPECT_EQ(FormatRawNumber(42), "42");
  EXPECT_EQ(FormatRawNumber(1e21), "1e+21");
  EXPECT_EQ(FormatRawNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatRawNumber(std::nan("")), "NaN");
}

TEST(FormatTime, LocalAndUtc) {
  EXPECT_EQ(FormatLocalTime(kT, absl::UTCTimeZone()), "2026-11-27 14:03:10");
  EXPECT_EQ(FormatLocalTime(kT + 999, absl::FixedTimeZone(3600)), "2026-11-27 15:03:10");
  EXPECT_EQ(FormatRfc3339Utc(kT), "2026-11-27T14:03:10.000Z");
  EXPECT_EQ(FormatRfc3339Utc(kT + 42), "2026-11-27T14:03:10.042Z");
  EXPECT_EQ(FormatRfc3339Utc(0), "1970-01-01T00:00:00.000Z");
}

TEST(ParseTimePoint, AcceptedForms) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::TimeZone plus1 = absl::FixedTimeZone(3600);
  EXPECT_EQ(*ParseTimePoint("now", 123, utc), 123);
  EXPECT_EQ(*ParseTimePoint("1795788190000", 0, utc), kT);
  EXPECT_EQ(*ParseTimePoint("2026-11-27T14:03:10Z", 0, utc), kT);
  EXPECT_EQ(*ParseTimePoint("2026-11-27T14:03:10.250Z", 0, utc), kT + 250);
  EXPECT_EQ(*ParseTimePoint("2026-11-27T15:03:10+01:00", 0, utc), kT);
  // Offsets in the text win over the zone; text without one uses the zone.
  EXPECT_EQ(*ParseTimePoint("2026-11-27T14:03:10Z", 0, plus1), kT);
  EXPECT_EQ(*ParseTimePoint("2026-11-27 15:03:10", 0, plus1), kT);
  EXPECT_EQ(*ParseTimePoint("2026-11-27 14:03:10", 0, utc), kT);
  EXPECT_EQ(*ParseTimePoint("2026-11-27", 0, utc), kT - (14 * kHourMs + 3 * 60'000 + 10'000));
}

TEST(ParseTimePoint, Rejected) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  auto seconds = ParseTimePoint("1795788190", 0, utc);
  ASSERT_FALSE(seconds.ok());
  EXPECT_NE(seconds.status().message().find("looks like epoch seconds"), std::string::npos)
      << seconds.status();
  EXPECT_FALSE(ParseTimePoint("", 0, utc).ok());
  EXPECT_FALSE(ParseTimePoint("yesterday", 0, utc).ok());
  EXPECT_FALSE(ParseTimePoint("2026-13-01T00:00:00Z", 0, utc).ok());
  EXPECT_FALSE(ParseTimePoint("1h", 0, utc).ok());
}

TEST(ResolveTimeRange, RelativeDefaultsToLastHour) {
  auto range = ResolveTimeRange({}, kT, absl::UTCTimeZone());
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->start_ms, kT - kHourMs);
  EXPECT_EQ(range->end_ms, kT);
}

TEST(ResolveTimeRange, SinceAndUntilAreDurationsBeforeNow) {
  TimeRangeArgs args;
  args.since = "2h";
  args.until = "30m";
  auto range = ResolveTimeRange(args, kT, absl::UTCTimeZone());
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->start_ms, kT - 2 * kHourMs);
  EXPECT_EQ(range->end_ms, kT - kHourMs / 2);
}

TEST(ResolveTimeRange, AbsoluteStartAndEnd) {
  TimeRangeArgs args;
  args.start = "2026-11-27T13:03:10Z";
  auto open_end = ResolveTimeRange(args, kT + 5, absl::UTCTimeZone());
  ASSERT_TRUE(open_end.ok()) << open_end.status();
  EXPECT_EQ(open_end->start_ms, kT - kHourMs);
  EXPECT_EQ(open_end->end_ms, kT + 5);

  args.end = "1795788190000";
  auto closed = ResolveTimeRange(args, kT + 5, absl::UTCTimeZone());
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->end_ms, kT);

  // --end with the default --since: the window ends at --end.
  TimeRangeArgs end_only;
  end_only.since = "10m";
  end_only.end = "now";
  auto mixed = ResolveTimeRange(end_only, kT, absl::UTCTimeZone());
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_EQ(mixed->start_ms, kT - 600'000);
  EXPECT_EQ(mixed->end_ms, kT);
}

TEST(ResolveTimeRange, Errors) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  auto message = [&](TimeRangeArgs args) {
    auto r = ResolveTimeRange(args, kT, utc);
    return r.ok() ? std::string("ok") : std::string(r.status().message());
  };
  EXPECT_EQ(message({"1h", "", "2026-11-27T13:03:10Z", ""}),
            "--since and --start are mutually exclusive");
  EXPECT_EQ(message({"", "5m", "", "now"}), "--until and --end are mutually exclusive");
  EXPECT_EQ(message({"1h", "2h", "", ""}).rfind("empty time range", 0), 0u);
  EXPECT_EQ(message({"10", "", "", ""}).rfind("--since: invalid duration \"10\"", 0), 0u);
  EXPECT_EQ(message({"", "x", "", ""}).rfind("--until: invalid duration", 0), 0u);
  EXPECT_EQ(message({"", "", "soon", ""}).rfind("--start: invalid time", 0), 0u);
}

TEST(TextTable, AlignsColumnsAndTrimsTrailingBlanks) {
  TextTable table({{"NAME"}, {"VALUE", TextTable::Align::kRight}, {"NOTE"}});
  table.AddRow({"cpu", "42.1%", "ok"});
  table.AddRow({"memory_used", "512.0 MiB", ""});
  table.AddRow({"héllo", "1"});  // short row; é is one column wide
  std::ostringstream out;
  table.Write(out);
  EXPECT_EQ(out.str(),
            "NAME             VALUE  NOTE\n"
            "cpu              42.1%  ok\n"
            "memory_used  512.0 MiB\n"
            "héllo                1\n");
}

TEST(TextTable, EscapesControlCharacters) {
  TextTable table({{"A"}, {"B"}});
  table.AddRow({"x\ny", "\x1b[31mred"});
  std::ostringstream out;
  table.Write(out);
  EXPECT_EQ(out.str(),
            "A     B\n"
            "x\\ny  \\x1b[31mred\n");
  EXPECT_EQ(SanitizeForTerminal("a\tb\x7f"), "a\\tb\\x7f");
}

TEST(Csv, FormulaCellsAreNeutralisedNumbersAreNot) {
  // Spreadsheet formulas (OWASP CSV injection) open as text.
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(CsvField("=1+1"), "'=1+1");
  EXPECT_EQ(CsvField("+1+cmd"), "'+1+cmd");
  EXPECT_EQ(CsvField("-1+cmd|' /C calc'!A0"), "'-1+cmd|' /C calc'!A0");
  EXPECT_EQ(CsvField("@SUM(A1:A2)"), "'@SUM(A1:A2)");
  EXPECT_EQ(CsvField("\t=1"), "'\t=1");
  EXPECT_EQ(CsvField("\r=1"), "\"'\r=1\"");
  for (const char* risky : {"+", "-", "=", "@", "--5", "-1e", "-1.5.2", "-.", "+Infinity",
                            "-nan", "- 1", "-0x10", "-1,5"}) {
    EXPECT_TRUE(CsvFormulaRisk(risky)) << risky;
    EXPECT_EQ(CsvField(risky).find('\''), CsvField(risky)[0] == '"' ? 1u : 0u) << risky;
  }
  // Plain numbers stay numbers.
  for (const char* number : {"-1.5", "+3", "-0", "-.5", "-1.", "-1e-05", "+2.5E+10", "-Inf",
                             "+Inf", "42", "3.14"}) {
    EXPECT_FALSE(CsvFormulaRisk(number)) << number;
    EXPECT_EQ(CsvField(number), number);
  }
  // Only the first character counts; text elsewhere is data.
  EXPECT_EQ(CsvField("a=1"), "a=1");
  EXPECT_EQ(CsvField(" =1"), " =1");
  EXPECT_EQ(CsvField(""), "");
  // Through Records too: a text cell from data, a number cell.
  Records records({"name", "value"});
  records.Row().Text("=cmd()").Number(-1.5);
  std::ostringstream csv;
  records.WriteCsv(csv);
  EXPECT_EQ(csv.str(), "name,value\n'=cmd(),-1.5\n");
}

TEST(Csv, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("plain value"), "plain value");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
  std::ostringstream out;
  WriteCsvRow(out, {"cpu{host=\"a\",env=\"b\"}", "1", ""});
  EXPECT_EQ(out.str(), "\"cpu{host=\"\"a\"\",env=\"\"b\"\"}\",1,\n");
}

TEST(Json, StringEscaping) {
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString("q\"b\\s/"), "\"q\\\"b\\\\s/\"");
  EXPECT_EQ(JsonString("n\nr\rt\t"), "\"n\\nr\\rt\\t\"");
  EXPECT_EQ(JsonString(std::string("\x01\x1f\b\f", 4)), "\"\\u0001\\u001f\\b\\f\"");
  EXPECT_EQ(JsonString(std::string("nul\0x", 5)), "\"nul\\u0000x\"");
  EXPECT_EQ(JsonString("héllo ✓"), "\"héllo ✓\"");
  EXPECT_EQ(JsonString(std::string("bad\xff\xc0x", 6)), "\"bad\xEF\xBF\xBD\xEF\xBF\xBDx\"") << "invalid UTF-8 becomes U+FFFD: always valid JSON";
}

TEST(Json, WriterNestsAndIndents) {
  std::ostringstream out;
  JsonWriter json(out);
  json.BeginObject()
      .Key("name").String("a\"b")
      .Key("n").Number(0.5)
      .Key("nan").Number(std::nan(""))
      .Key("ms").Int(kT)
      .Key("ok").Bool(true)
      .Key("empty").BeginArray().EndArray()
      .Key("labels").BeginObject().EndObject()
      .Key("points").BeginArray()
      .BeginObject().Key("v").Int(1).EndObject()
      .Int(2)
      .EndArray()
      .EndObject();
  EXPECT_EQ(out.str(),
            "{\n"
            "  \"name\": \"a\\\"b\",\n"
            "  \"n\": 0.5,\n"
            "  \"nan\": null,\n"
            "  \"ms\": 1795788190000,\n"
            "  \"ok\": true,\n"
            "  \"empty\": [],\n"
            "  \"labels\": {},\n"
            "  \"points\": [\n"
            "    {\n"
            "      \"v\": 1\n"
            "    },\n"
            "    2\n"
            "  ]\n"
            "}");
}

TEST(Records, JsonAndCsvFromOneList) {
  Records records({"name", "seconds", "rows", "bytes"});
  records.Row().Text("a,b").Number(0.25).Known(-1).Int(42);
  records.Row().Text("c").Number(std::nan("")).Known(3).Int(-7);
  std::ostringstream json_text;
  JsonWriter json(json_text);
  json.BeginObject().Key("items");
  records.WriteJsonArray(json);
  json.EndObject();
  EXPECT_EQ(json_text.str(),
            "{\n  \"items\": [\n    {\n      \"name\": \"a,b\",\n      \"seconds\": 0.25,\n"
            "      \"rows\": null,\n      \"bytes\": 42\n    },\n    {\n      \"name\": \"c\",\n"
            "      \"seconds\": null,\n      \"rows\": 3,\n      \"bytes\": -7\n    }\n  ]\n}");
  std::ostringstream csv;
  records.WriteCsv(csv);
  EXPECT_EQ(csv.str(), "name,seconds,rows,bytes\n\"a,b\",0.25,,42\nc,NaN,3,-7\n");
}

TEST(Records, EmptyHasTheHeaderAndAnEmptyArray) {
  Records records({"a", "b"});
  std::ostringstream csv;
  records.WriteCsv(csv);
  EXPECT_EQ(csv.str(), "a,b\n");
  std::ostringstream json_text;
  JsonWriter json(json_text);
  records.WriteJsonArray(json);
  EXPECT_EQ(json_text.str(), "[]");
}

TEST(OutputFormat, Parse) {
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("csv"), OutputFormat::kCsv);
  EXPECT_FALSE(ParseOutputFormat("JSON").ok());
  EXPECT_FALSE(ParseOutputFormat("").ok());
}

}  // namespace
}  // namespace scout::ctl
