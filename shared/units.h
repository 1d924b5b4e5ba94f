// Numbers, sizes, durations and ages as people read them, and raw numbers
// that read back exactly: the one formatting of units for sctl's tables and
// the collector's reports.
//
// Contract: pure functions (no clock, no time zone, no locale): the same
// value always gives the same text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace scout {

// ---- Humanized values ----

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

}  // namespace scout
