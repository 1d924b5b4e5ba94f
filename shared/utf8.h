// UTF-8 validation and repair for text that goes into protobuf `string`
// fields. proto3 refuses to parse a `string` field that is not valid UTF-8,
// so one stray byte (a process name cut at 15 bytes inside a character, a
// mount path written in Latin-1) would make a whole batch unreadable. The
// agent repairs every label before spooling with SanitizeUtf8.
//
// Validity is the Unicode definition (Table 3-7): no overlong forms, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
// sequences. Pure functions, no allocation unless the text is repaired.
#pragma once

#include <string>
#include <string_view>

namespace scout {

bool IsValidUtf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD (EF BF BD),
// one replacement per maximal subpart (the Unicode / WHATWG practice: a
// valid lead byte and the continuation bytes that still fit it are one
// subpart; any other bad byte is one subpart). Valid text is returned
// unchanged.
//   "node\xc3"        -> "node\uFFFD"
//   "a\xe2\x82z"      -> "a\uFFFDz"          (truncated 3-byte sequence)
//   "\xc0\xaf"        -> "\uFFFD\uFFFD"      (overlong '/', two bad bytes)
//   "\xed\xa0\x80"    -> "\uFFFD\uFFFD\uFFFD" (surrogate U+D800)
std::string SanitizeUtf8(std::string_view text);

// Repairs `*text` in place; true if it had to be changed.
bool SanitizeUtf8InPlace(std::string* text);

}  // namespace scout
