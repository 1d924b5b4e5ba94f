#include "shared/utf8.h"

#include <cstdint>

namespace scout {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The byte range the second byte of a sequence led by `lead` must fall in
// (Unicode Table 3-7); the later bytes are always 80..BF. Excluding E0 80..9F,
// ED A0..BF, F0 80..8F and F4 90..BF is what rules out overlong forms,
// surrogates and code points above U+10FFFF.
struct Lead {
  int length = 0;  // 0: not a lead byte
  uint8_t second_lo = 0x80;
  uint8_t second_hi = 0xBF;
};

Lead ClassifyLead(uint8_t b) {
  if (b >= 0xC2 && b <= 0xDF) return {2};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {};
}

// At text[i] (not ASCII): the length of the valid sequence starting there,
// or, as a negative number, the length of the maximal ill-formed subpart to
// replace (at least 1).
int Scan(std::string_view text, size_t i) {
  const Lead lead = ClassifyLead(static_cast<uint8_t>(text[i]));
  if (lead.length == 0) return -1;
  for (int k = 1; k < lead.length; ++k) {
    if (i + k >= text.size()) return -k;  // truncated
    const auto b = static_cast<uint8_t>(text[i + k]);
    const uint8_t lo = k == 1 ? lead.second_lo : 0x80;
    const uint8_t hi = k == 1 ? lead.second_hi : 0xBF;
    if (b < lo || b > hi) return -k;
  }
  return lead.length;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const int n = Scan(text, i);
    if (n < 0) return false;
    i += static_cast<size_t>(n);
  }
  return true;
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      out.push_back(text[i++]);
      continue;
    }
    const int n = Scan(text, i);
    if (n > 0) {
      out.append(text.substr(i, static_cast<size_t>(n)));
      i += static_cast<size_t>(n);
    } else {
      out.append(kReplacement);
      i += static_cast<size_t>(-n);
    }
  }
  return out;
}

bool SanitizeUtf8InPlace(std::string* text) {
  if (IsValidUtf8(*text)) return false;
  *text = SanitizeUtf8(*text);
  return true;
}

}  // namespace scout
