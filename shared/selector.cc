#include "shared/selector.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "re2/re2.h"

namespace scout {
namespace {

class SelectorParser {
 public:
  explicit SelectorParser(std::string_view text) : text_(text) {}

  absl::StatusOr<Selector> Parse() {
    Selector sel;
    SkipSpace();
    sel.metric = ReadName(/*allow_colon=*/true);
    SkipSpace();
    if (AtEnd()) return sel;
    if (!Consume('{')) return Error("expected '{' or end of selector");
    SkipSpace();
    if (Consume('}')) return Finish(sel);
    while (true) {
      SkipSpace();
      LabelMatcher m;
      m.name = ReadName(/*allow_colon=*/false);
      if (m.name.empty()) return Error("expected a label name");
      SkipSpace();
      if (Consume('=')) {
        m.op = Consume('~') ? MatchOp::kRegexMatch : MatchOp::kEqual;
      } else if (Consume('!')) {
        if (Consume('=')) {
          m.op = MatchOp::kNotEqual;
        } else if (Consume('~')) {
          m.op = MatchOp::kRegexNotMatch;
        } else {
          return Error("expected '!=' or '!~'");
        }
      } else {
        return Error("expected one of = != =~ !~");
      }
      SkipSpace();
      auto value = ReadQuoted();
      if (!value.ok()) return value.status();
      m.value = *std::move(value);
      sel.matchers.push_back(std::move(m));
      SkipSpace();
      if (Consume(',')) {
        SkipSpace();
        if (Consume('}')) return Finish(sel);
        continue;
      }
      if (Consume('}')) return Finish(sel);
      return Error("expected ',' or '}'");
    }
  }

 private:
  absl::StatusOr<Selector> Finish(Selector sel) {
    SkipSpace();
    if (!AtEnd()) return Error("unexpected text after '}'");
    return sel;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool Consume(char c) {
    if (!AtEnd() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void SkipSpace() {
    while (!AtEnd() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  std::string ReadName(bool allow_colon) {
    size_t start = pos_;
    while (!AtEnd()) {
      char c = text_[pos_];
      bool ok = std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
                (pos_ > start && std::isdigit(static_cast<unsigned char>(c))) ||
                (allow_colon && c == ':');
      if (!ok) break;
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  absl::StatusOr<std::string> ReadQuoted() {
    char quote = AtEnd() ? '\0' : text_[pos_];
    if (quote != '"' && quote != '\'') return Error("expected a quoted value");
    ++pos_;
    std::string out;
    while (!AtEnd()) {
      char c = text_[pos_++];
      if (c == quote) return out;
      if (c == '\\') {
        if (AtEnd()) break;
        char e = text_[pos_++];
        out += (e == 'n') ? '\n' : e;
        continue;
      }
      out += c;
    }
    return Error("unterminated quoted value");
  }
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad selector \"", std::string(text_), "\" at position ", pos_ + 1, ": ", std::string(what)));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

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

absl::StatusOr<Selector> ParseSelector(std::string_view text) {
  return SelectorParser(text).Parse();
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
