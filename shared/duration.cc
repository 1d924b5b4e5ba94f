#include "shared/duration.h"

#include <cctype>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"

namespace scout {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t ms;
};

// Longest suffix first so "ms" is not read as "m" followed by "s".
constexpr Unit kUnits[] = {{"ms", 1},           {"s", 1000},
                           {"m", 60'000},       {"h", 3'600'000},
                           {"d", 86'400'000},   {"w", 604'800'000}};

}  // namespace

absl::StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid duration \"", std::string(text), "\": ", std::string(why),
                     " (examples: 500ms, 10s, 5m, 1h30m, 7d)"));
  };
  if (text.empty()) return invalid("empty");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return invalid("expected a number");
    }
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (n > std::numeric_limits<int64_t>::max() / 10 - 9) return invalid("too large");
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return invalid("missing or unknown unit");
    i += unit->suffix.size();
    if (n > (std::numeric_limits<int64_t>::max() - total) / unit->ms) {
      return invalid("too large");
    }
    total += n * unit->ms;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (int i = static_cast<int>(std::size(kUnits)) - 1; i >= 0; --i) {
    const Unit& u = kUnits[i];
    if (u.suffix == "w") continue;  // "14d" reads better than "2w"
    if (ms >= u.ms) {
      absl::StrAppend(&out, ms / u.ms, std::string(u.suffix));
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace scout
