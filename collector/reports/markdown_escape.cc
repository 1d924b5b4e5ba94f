#include "collector/reports/markdown_escape.h"

#include <algorithm>

namespace scout::collector::reports {
namespace {

// CommonMark's "ASCII punctuation character": any of them may be
// backslash-escaped, and an escaped one is always literal.
bool IsAsciiPunctuation(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

bool IsLineEnding(char c) { return c == '\n' || c == '\r'; }

}  // namespace

std::string MarkdownText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (char c : text) {
    if (IsLineEnding(c)) {
      out += ' ';
    } else {
      if (IsAsciiPunctuation(c)) out += '\\';
      out += c;
    }
  }
  return out;
}

std::string MarkdownCode(std::string_view text) {
  std::string body;
  body.reserve(text.size());
  size_t run = 0, longest = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (IsLineEnding(c)) {
      body += ' ';
    } else if (c == '|') {
      body += "\\|";
    } else {
      body += c;
    }
  }
  const std::string fence(longest + 1, '`');
  // The spaces keep a leading or trailing backtick of the content from
  // joining the fence; CommonMark strips exactly one on each side.
  return fence + " " + body + " " + fence;
}

std::string MarkdownCodeLine(std::string_view text) {
  std::string out(text);
  std::replace_if(out.begin(), out.end(), IsLineEnding, ' ');
  return out;
}

}  // namespace scout::collector::reports
