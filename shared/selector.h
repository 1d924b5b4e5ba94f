// Series selectors: `metric{label="v",other!="x",re=~"web-.*",nre!~"test"}`.
//
// ParseSelector turns the text form (what users type into sctl) into the
// structured Selector that travels over gRPC; CompiledSelector evaluates it
// against series. Regexes are RE2, fully anchored, as in Prometheus.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/metric.h"

namespace re2 {
class RE2;
}

namespace scout {

enum class MatchOp { kEqual, kNotEqual, kRegexMatch, kRegexNotMatch };

struct LabelMatcher {
  std::string name;
  MatchOp op = MatchOp::kEqual;
  std::string value;
};

struct Selector {
  std::string metric;  // empty matches any metric
  std::vector<LabelMatcher> matchers;
};

// Accepts "metric", "metric{...}", "{...}" and "" (everything). Errors
// read `bad selector "<text>" at position N: expected ...`.
absl::StatusOr<Selector> ParseSelector(std::string_view text);

// The one matcher grammar: `{name op "value", ...}` with optional spaces,
// `{}` and a trailing comma allowed, values quoted (selector_lexer.h) and
// label names without ':'. ParseSelector reads its braces with it, and so
// does the alert expression parser.
struct SelectorSyntaxError {
  size_t pos = 0;        // offset into the text where it went wrong
  std::string expected;  // "expected a quoted string", ...
};
// REQUIRES: text[*pos] == '{'. Appends the matchers to *out and sets *pos
// just past the '}'; on a syntax error returns false and fills *error.
bool ParseMatcherList(std::string_view text, size_t* pos, std::vector<LabelMatcher>* out,
                      SelectorSyntaxError* error);
std::string FormatSelector(const Selector& selector);

class CompiledSelector {
 public:
  // Fails with InvalidArgument on a bad regex or an unnamed matcher.
  static absl::StatusOr<CompiledSelector> Compile(const Selector& selector);

  CompiledSelector(CompiledSelector&&) noexcept;
  CompiledSelector& operator=(CompiledSelector&&) noexcept;
  ~CompiledSelector();

  bool Matches(const SeriesKey& key) const;
  const std::string& metric() const { return metric_; }

 private:
  struct Compiled {
    std::string name;
    MatchOp op;
    std::string value;
    std::unique_ptr<re2::RE2> regex;  // set for the regex ops
  };
  CompiledSelector() = default;
  std::string metric_;
  std::vector<Compiled> matchers_;
};

}  // namespace scout
