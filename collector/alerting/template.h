// Annotation templates of alert rules: text with {{ ... }} actions filled
// from the alert's labels and value, in the syntax Prometheus rule authors
// know (a small, fixed subset — anything else is an error at load time):
//
//   {{ $value }}                      the value, %g
//   {{ $labels.host }}                a label of the alert ("" if absent)
//   {{ $value | humanize }}           1.5k, 2.3M (SI)
//   {{ $value | humanize1024 }}       1.5Ki, 2.3Mi (bytes)
//   {{ $value | humanizePercentage }} 0.873 -> 87.3%
//   {{ $value | humanizeDuration }}   seconds -> 1.5s, 250ms, 2h 3m
//   {{ printf "%.2f" $value }}        %f, %g or %e with optional precision
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/metric.h"

namespace scout::collector::alerting {

class Template {
 public:
  // InvalidArgument naming the action and its position for a bad action.
  static absl::StatusOr<Template> Parse(const std::string& text);
  std::string Render(const Labels& labels, double value) const;
  const std::string& text() const { return text_; }

 private:
  struct Part {
    enum class Kind { kText, kValue, kLabel } kind = Kind::kText;
    std::string text;    // literal text, or the label name
    std::string format;  // "", humanize, humanize1024, humanizePercentage, humanizeDuration, or a printf format
  };
  std::string text_;
  std::vector<Part> parts_;
};

// Shared by templates and sctl-style output: "1.5s", "250ms", "2h 3m".
std::string HumanizeDuration(double seconds);

}  // namespace scout::collector::alerting
