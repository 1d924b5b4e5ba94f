// Strict reading of YAML config files.
//
// Every error names the file, the line and the key, e.g.
//   agent.yaml:4:11: key 'interval': invalid duration "10x": ...
// Unknown keys are errors (a typo must never be silently ignored), and so
// are values of the wrong type. Callers read the keys they know, then call
// CheckNoUnknownKeys().
//
// Not thread-safe; used once at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace scout {

class ConfigMap {
 public:
  // Parses `path`. An empty file is an empty mapping.
  static absl::StatusOr<ConfigMap> LoadFile(const std::string& path);
  // Parses text as if it came from `file_name` (for tests and --check-config).
  static absl::StatusOr<ConfigMap> LoadString(const std::string& text,
                                              const std::string& file_name);

  // Each Read leaves *out untouched when the key is absent.
  absl::Status Read(const std::string& key, std::string* out);
  absl::Status Read(const std::string& key, int64_t* out);
  absl::Status Read(const std::string& key, double* out);
  absl::Status Read(const std::string& key, bool* out);
  absl::Status Read(const std::string& key, std::vector<std::string>* out);
  absl::Status Read(const std::string& key, std::map<std::string, std::string>* out);
  absl::Status ReadDuration(const std::string& key, std::chrono::milliseconds* out);

  // A nested mapping; nullopt when the key is absent.
  absl::StatusOr<std::optional<ConfigMap>> Child(const std::string& key);
  // A list of mappings (e.g. `groups: [{name: a}, {name: b}]`); empty when
  // the key is absent. Errors name the item as key[i].
  absl::StatusOr<std::vector<ConfigMap>> ChildList(const std::string& key);

  // An error for every key that no Read/Child asked for.
  absl::Status CheckNoUnknownKeys() const;

  // "file:line:col: key 'a.b': message" for errors found by the caller.
  absl::Status ErrorAt(const std::string& key, const std::string& message) const;

 private:
  ConfigMap(YAML::Node node, std::string file, std::string prefix);
  // Returns the node for key (marking it known) or an undefined node.
  YAML::Node Lookup(const std::string& key);
  absl::Status ScalarError(const std::string& key, const YAML::Node& node,
                           const std::string& expected) const;
  std::string Where(const YAML::Node& node) const;

  YAML::Node node_;
  std::string file_;
  std::string prefix_;  // "parent." for nested maps
  std::set<std::string> known_;
};

}  // namespace scout
