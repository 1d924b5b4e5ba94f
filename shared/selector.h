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

// Accepts "metric", "metric{...}", "{...}" and "" (everything).
absl::StatusOr<Selector> ParseSelector(std::string_view text);
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
