#include "collector/storage/label_codec.h"

#include <utility>
#include <vector>

#include "shared/selector.h"
#include "shared/status_macros.h"

namespace scout::collector {

std::string EncodeLabelsBlob(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    out.append(name);
    out.push_back('\0');
    out.append(value);
    out.push_back('\0');
  }
  return out;
}

Labels DecodeLabelsBlob(std::string_view blob) {
  Labels labels;
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i < blob.size(); ++i) {
    if (blob[i] == '\0') {
      parts.emplace_back(blob.substr(start, i - start));
      start = i + 1;
    }
  }
  for (size_t i = 0; i + 1 < parts.size(); i += 2) labels.emplace_back(parts[i], parts[i + 1]);
  return labels;
}

std::string EncodeLabelsText(const Labels& labels) { return SeriesKeyString({"", labels}); }

absl::StatusOr<Labels> DecodeLabelsText(std::string_view text) {
  // The text form is a selector of equality matchers: read by its grammar.
  SCOUT_ASSIGN_OR_RETURN(Selector s, ParseSelector(text));
  std::vector<std::pair<std::string, std::string>> out;
  for (LabelMatcher& m : s.matchers) out.emplace_back(std::move(m.name), std::move(m.value));
  return MakeLabels(std::move(out));
}

}  // namespace scout::collector
