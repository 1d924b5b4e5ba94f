#include "shared/selector.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "re2/re2.h"
#include "shared/selector_lexer.h"

namespace scout {
namespace {

// Offset of the first non-space character at or after `pos`.
size_t SkipSpace(std::string_view text, size_t pos) {
  while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  return pos;
}

bool Fail(size_t pos, std::string expected, SelectorSyntaxError* error) {
  error->pos = pos;
  error->expected = std::move(expected);
  return false;
}

// One `name op "value"` at *pos (spaces skipped before each part).
bool ParseMatcher(std::string_view text, size_t* pos, LabelMatcher* m, SelectorSyntaxError* error) {
  size_t i = SkipSpace(text, *pos);
  // Scanned with ':' so that `a:b` is reported as a whole bad name.
  const size_t name_end = ScanName(text, i, /*allow_colon=*/true);
  m->name = std::string(text.substr(i, name_end - i));
  if (m->name.empty() || m->name.find(':') != std::string::npos) {
    return Fail(i, "expected a label name or '}'", error);
  }
  i = SkipSpace(text, name_end);
  const size_t op_len = ScanMatchOp(text, i, &m->op);
  if (op_len == 0 || (m->op == MatchOp::kEqual && i + 1 < text.size() && text[i + 1] == '=')) {
    const bool bang = op_len == 0 && i < text.size() && text[i] == '!';
    return Fail(i, bang ? "expected '!=' or '!~'" : "expected one of = != =~ !~", error);
  }
  i = SkipSpace(text, i + op_len);
  if (i >= text.size() || !IsQuote(text[i])) return Fail(i, "expected a quoted string", error);
  QuotedValue value = ScanQuoted(text, i);
  if (!value.closed) {
    return Fail(text.size(), absl::StrCat("expected the closing ", std::string(1, text[i]),
                                          " of the string at column ", i + 1),
                error);
  }
  m->value = std::move(value.value);
  *pos = value.end;
  return true;
}

absl::Status SelectorError(std::string_view text, const SelectorSyntaxError& e) {
  return absl::InvalidArgumentError(absl::StrCat("bad selector \"", std::string(text),
                                                 "\" at position ", e.pos + 1, ": ", e.expected));
}

const char* OpText(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual: return "=";
    case MatchOp::kNotEqual: return "!=";
    case MatchOp::kRegexMatch: return "=~";
    case MatchOp::kRegexNotMatch: return "!~";
  }
  return "?";
}

}  // namespace

bool ParseMatcherList(std::string_view text, size_t* pos, std::vector<LabelMatcher>* out,
                      SelectorSyntaxError* error) {
  size_t i = SkipSpace(text, *pos + 1);  // past '{'
  while (i >= text.size() || text[i] != '}') {
    LabelMatcher m;
    if (!ParseMatcher(text, &i, &m, error)) return false;
    out->push_back(std::move(m));
    i = SkipSpace(text, i);
    if (i < text.size() && text[i] == ',') {
      i = SkipSpace(text, i + 1);
    } else if (i >= text.size() || text[i] != '}') {
      return Fail(i, "expected ',' or '}'", error);
    }
  }
  *pos = i + 1;
  return true;
}

absl::StatusOr<Selector> ParseSelector(std::string_view text) {
  Selector sel;
  size_t i = SkipSpace(text, 0);
  const size_t name_end = ScanName(text, i, /*allow_colon=*/true);
  sel.metric = std::string(text.substr(i, name_end - i));
  i = SkipSpace(text, name_end);
  if (i >= text.size()) return sel;
  SelectorSyntaxError error;
  if (text[i] != '{') return SelectorError(text, {i, "expected '{' or end of selector"});
  if (!ParseMatcherList(text, &i, &sel.matchers, &error)) return SelectorError(text, error);
  i = SkipSpace(text, i);
  if (i < text.size()) return SelectorError(text, {i, "unexpected text after '}'"});
  return sel;
}

std::string FormatSelector(const Selector& selector) {
  std::string out = selector.metric;
  if (selector.matchers.empty()) return out;
  out += '{';
  for (size_t i = 0; i < selector.matchers.size(); ++i) {
    const LabelMatcher& m = selector.matchers[i];
    if (i > 0) out += ',';
    absl::StrAppend(&out, m.name, OpText(m.op), "\"");
    for (char c : m.value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

CompiledSelector::CompiledSelector(CompiledSelector&&) noexcept = default;
CompiledSelector& CompiledSelector::operator=(CompiledSelector&&) noexcept = default;
CompiledSelector::~CompiledSelector() = default;

absl::StatusOr<CompiledSelector> CompiledSelector::Compile(const Selector& selector) {
  CompiledSelector out;
  out.metric_ = selector.metric;
  for (const LabelMatcher& m : selector.matchers) {
    if (m.name.empty()) return absl::InvalidArgumentError("matcher without a label name");
    Compiled c{m.name, m.op, m.value, nullptr};
    if (m.op == MatchOp::kRegexMatch || m.op == MatchOp::kRegexNotMatch) {
      RE2::Options options;
      options.set_log_errors(false);
      c.regex = std::make_unique<re2::RE2>("^(?:" + m.value + ")$", options);
      if (!c.regex->ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "bad regex for label ", m.name, ": ", c.regex->error()));
      }
    }
    out.matchers_.push_back(std::move(c));
  }
  return out;
}

bool CompiledSelector::Matches(const SeriesKey& key) const {
  if (!metric_.empty() && metric_ != key.metric) return false;
  for (const Compiled& m : matchers_) {
    const std::string& v =
        m.name == "__name__" ? key.metric : LabelValue(key.labels, m.name);
    switch (m.op) {
      case MatchOp::kEqual:
        if (v != m.value) return false;
        break;
      case MatchOp::kNotEqual:
        if (v == m.value) return false;
        break;
      case MatchOp::kRegexMatch:
        if (!RE2::FullMatch(v, *m.regex)) return false;
        break;
      case MatchOp::kRegexNotMatch:
        if (RE2::FullMatch(v, *m.regex)) return false;
        break;
    }
  }
  return true;
}

}  // namespace scout
