#include "shared/yaml_config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/duration.h"

namespace scout {
namespace {

absl::StatusOr<YAML::Node> ParseYaml(const std::string& text, const std::string& file) {
  try {
    YAML::Node node = YAML::Load(text);
    if (node.IsNull() || !node.IsDefined()) return YAML::Node(YAML::NodeType::Map);
    if (!node.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ":", node.Mark().line + 1, ": the top level must be a mapping of keys"));
    }
    return node;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(file, ":", e.mark.line + 1, ":",
                                                   e.mark.column + 1, ": ", e.msg));
  }
}

}  // namespace

ConfigMap::ConfigMap(YAML::Node node, std::string file, std::string prefix)
    : node_(std::move(node)), file_(std::move(file)), prefix_(std::move(prefix)) {}

absl::StatusOr<ConfigMap> ConfigMap::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open config file"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return LoadString(buffer.str(), path);
}

absl::StatusOr<ConfigMap> ConfigMap::LoadString(const std::string& text,
                                                const std::string& file_name) {
  auto node = ParseYaml(text, file_name);
  if (!node.ok()) return node.status();
  return ConfigMap(*std::move(node), file_name, "");
}

std::string ConfigMap::Where(const YAML::Node& node) const {
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) return file_;
  return absl::StrCat(file_, ":", mark.line + 1, ":", mark.column + 1);
}

absl::Status ConfigMap::ErrorAt(const std::string& key, const std::string& message) const {
  YAML::Node value = node_[key];
  return absl::InvalidArgumentError(absl::StrCat(
      Where(value.IsDefined() ? value : node_), ": key '", prefix_, key, "': ", message));
}

YAML::Node ConfigMap::Lookup(const std::string& key) {
  known_.insert(key);
  // operator[] on a const node never inserts.
  const YAML::Node& const_node = node_;
  return const_node[key];
}

absl::Status ConfigMap::ScalarError(const std::string& key, const YAML::Node& node,
                                    const std::string& expected) const {
  // Text where a list or mapping belongs is not quoted: it is often a
  // secret pasted in the wrong shape (`headers: "Authorization: Bearer
  // ..."`), and config errors are printed and logged (issue 16, the
  // secrets test). Text that is not a valid number, flag or duration is
  // quoted: that is a typo, and quoting it makes it quick to find.
  const bool shape_expected =
      absl::StartsWith(expected, "a list") || absl::StartsWith(expected, "a mapping");
  std::string got = node.IsScalar() ? (shape_expected ? std::string("a string (not shown)")
                                                      : absl::StrCat("\"", node.Scalar(), "\""))
                    : node.IsMap()  ? "a mapping"
                    : node.IsSequence() ? "a list"
                                        : "null";
  return absl::InvalidArgumentError(absl::StrCat(Where(node), ": key '", prefix_, key,
                                                 "': expected ", expected, ", got ", got));
}

absl::Status ConfigMap::Read(const std::string& key, std::string* out) {
  YAML::Node n = Lookup(key);
  if (!n.IsDefined()) return absl::OkStatus();
  if (!n.IsScalar()) return ScalarError(key, n, "a string");
  *out = n.Scalar();
  return absl::OkStatus();
}

absl::Status ConfigMap::Read(const std::string& key, int64_t* out) {
  YAML::Node n = Lookup(key);
  if (!n.IsDefined()) return absl::OkStatus();
  int64_t v;
  if (!n.IsScalar() || !absl::SimpleAtoi(n.Scalar(), &v)) {
    return ScalarError(key, n, "an integer");
  }
  *out = v;
  return absl::OkStatus();
}

absl::Status ConfigMap::Read(const std::string& key, double* out) {
  YAML::Node n = Lookup(key);
  if (!n.IsDefined()) return absl::OkStatus();
  double v;
  if (!n.IsScalar() || !absl::SimpleAtod(n.Scalar(), &v)) {
    return ScalarError(key, n, "a number");
  }
  *out = v;
  return absl::OkStatus();
}

absl::Status ConfigMap::Read(const std::string& key, bool* out) {
  YAML::Node n = Lookup(key);
  if (!n.IsDefined()) return absl::OkStatus();
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  if (s == "true") {
    *out = true;
  } else if (s == "false") {
    *out = false;
  } else {
    return ScalarError(key, n, "true or false");
  }
  return absl::OkStatus();
}

absl::Status ConfigMap::Read(const std::string& key, std::vector<std::string>* out) {
  YAML::Node n = Lookup(key);
  if (!n.IsDefined()) return absl::OkStatus();
  if (!n.IsSequence()) return ScalarError(key, n, "a list of strings");
  std::vector<std::string> values;
  for (const YAML::Node& item : n) {
    if (!item.IsScalar()) return ScalarError(key, item, "a string list item");
    values.push_back(item.Scalar());
  }
  *out = std::move(values);
  return absl::OkStatus();
}

absl::Status ConfigMap::Read(const std::string& key,
                             std::map<std::string, std::string>* out) {
  YAML::Node n = Lookup(key);
  if (!n.IsDefined()) return absl::OkStatus();
  if (!n.IsMap()) return ScalarError(key, n, "a mapping of strings");
  std::map<std::string, std::string> values;
  for (const auto& item : n) {
    if (!item.second.IsScalar()) {
      return ScalarError(key + "." + item.first.Scalar(), item.second, "a string");
    }
    values[item.first.Scalar()] = item.second.Scalar();
  }
  *out = std::move(values);
  return absl::OkStatus();
}

absl::Status ConfigMap::ReadDuration(const std::string& key,
                                     std::chrono::milliseconds* out) {
  YAML::Node n = Lookup(key);
  if (!n.IsDefined()) return absl::OkStatus();
  if (!n.IsScalar()) return ScalarError(key, n, "a duration such as 10s");
  auto d = ParseDuration(n.Scalar());
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(n), ": key '", prefix_, key, "': ", d.status().message()));
  }
  *out = *d;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ConfigMap>> ConfigMap::Child(const std::string& key) {
  YAML::Node n = Lookup(key);
  if (!n.IsDefined() || n.IsNull()) return std::optional<ConfigMap>();
  if (!n.IsMap()) return ScalarError(key, n, "a mapping");
  return std::optional<ConfigMap>(ConfigMap(n, file_, prefix_ + key + "."));
}

absl::StatusOr<std::vector<ConfigMap>> ConfigMap::ChildList(const std::string& key) {
  YAML::Node n = Lookup(key);
  std::vector<ConfigMap> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) return ScalarError(key, n, "a list of mappings");
  for (size_t i = 0; i < n.size(); ++i) {
    const YAML::Node& item = n[i];
    const std::string name = absl::StrCat(key, "[", i, "]");
    if (!item.IsMap()) return ScalarError(name, item, "a mapping");
    out.push_back(ConfigMap(item, file_, prefix_ + name + "."));
  }
  return out;
}

absl::Status ConfigMap::CheckNoUnknownKeys() const {
  for (const auto& item : node_) {
    const std::string key = item.first.Scalar();
    if (known_.count(key) == 0) {
      std::string known_list;
      for (const std::string& k : known_) absl::StrAppend(&known_list, known_list.empty() ? "" : ", ", k);
      return absl::InvalidArgumentError(absl::StrCat(
          Where(item.first), ": key '", prefix_, key, "': unknown key (known keys: ",
          known_list, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace scout
