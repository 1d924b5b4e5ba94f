// The lexical rules of series selectors, in one place: names, the four
// match operators and quoted values. ParseSelector (selector.h), the alert
// PromQL lexer (collector/promql/parser.cc) and sctl's
// `--match NAME=VALUE` (ctl/alert_commands.cc) all scan with these, so a
// selector means the same wherever it is typed.
//
// Every function looks at `text` from offset `pos` and never fails loudly:
// it says how much it recognised, and the caller words the error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "shared/selector.h"

namespace scout {

// Metric names: [A-Za-z_:][A-Za-z0-9_:]*; label names the same without ':'.
bool IsNameStart(char c, bool allow_colon);
bool IsNameChar(char c, bool allow_colon);
// The offset just past the name starting at `pos` (== pos when none does).
size_t ScanName(std::string_view text, size_t pos, bool allow_colon);

// The match operator at `pos`: `=~`, `!=`, `!~` or `=` (in that order, so
// `==` scans as `=`; grammars that forbid it check the next character).
// Sets *op and returns its length, or 0 when there is none.
size_t ScanMatchOp(std::string_view text, size_t pos, MatchOp* op);

// A value quoted with " or ' at `pos` (REQUIRES: text[pos] is the quote).
// Escapes: \n is a newline, \x is x for any other x.
struct QuotedValue {
  std::string value;  // unescaped
  size_t end = 0;     // just past the closing quote, or text.size()
  bool closed = false;
};
QuotedValue ScanQuoted(std::string_view text, size_t pos);
inline bool IsQuote(char c) { return c == '"' || c == '\''; }

}  // namespace scout
