#include "shared/selector_lexer.h"

#include <cctype>

namespace scout {

bool IsNameStart(char c, bool allow_colon) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (allow_colon && c == ':');
}

bool IsNameChar(char c, bool allow_colon) {
  return IsNameStart(c, allow_colon) || std::isdigit(static_cast<unsigned char>(c));
}

size_t ScanName(std::string_view text, size_t pos, bool allow_colon) {
  if (pos >= text.size() || !IsNameStart(text[pos], allow_colon)) return pos;
  size_t end = pos + 1;
  while (end < text.size() && IsNameChar(text[end], allow_colon)) ++end;
  return end;
}

size_t ScanMatchOp(std::string_view text, size_t pos, MatchOp* op) {
  const std::string_view rest = pos < text.size() ? text.substr(pos) : std::string_view();
  auto starts = [&](std::string_view s) { return rest.substr(0, s.size()) == s; };
  if (starts("=~")) {
    *op = MatchOp::kRegexMatch;
    return 2;
  }
  if (starts("!=")) {
    *op = MatchOp::kNotEqual;
    return 2;
  }
  if (starts("!~")) {
    *op = MatchOp::kRegexNotMatch;
    return 2;
  }
  if (starts("=")) {
    *op = MatchOp::kEqual;
    return 1;
  }
  return 0;
}

QuotedValue ScanQuoted(std::string_view text, size_t pos) {
  QuotedValue out;
  const char quote = text[pos];
  size_t i = pos + 1;
  while (i < text.size()) {
    const char c = text[i++];
    if (c == quote) {
      out.closed = true;
      break;
    }
    if (c == '\\') {
      if (i >= text.size()) break;
      const char e = text[i++];
      out.value += (e == 'n') ? '\n' : e;
      continue;
    }
    out.value += c;
  }
  out.end = i;
  return out;
}

}  // namespace scout
