#include "collector/reports/time_zone_names.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace scout::collector::reports {
namespace {

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-';
}

// "Z Europe/Berlin ..." and "L Europe/Berlin Europe/Busingen" lines.
absl::flat_hash_set<std::string> ReadTzdataZi(std::istream& in) {
  absl::flat_hash_set<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind, first, second;
    fields >> kind >> first >> second;
    if (kind == "Z" && IsTimeZoneNameSyntax(first)) names.insert(first);
    if (kind == "L" && IsTimeZoneNameSyntax(second)) names.insert(second);
  }
  return names;
}

bool IsTzif(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && absl::string_view(magic, 4) == "TZif";
}

absl::flat_hash_set<std::string> WalkZoneinfo(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  absl::flat_hash_set<std::string> names;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string rel = it->path().lexically_relative(dir).generic_string();
    if (it->is_directory(ec)) {
      if (rel == "posix" || rel == "right" || it.depth() >= 2) it.disable_recursion_pending();
      continue;
    }
    if (IsTimeZoneNameSyntax(rel) && IsTzif(it->path())) names.insert(rel);
  }
  return names;
}

}  // namespace

TimeZoneNames TimeZoneNames::Load(const std::string& zoneinfo_dir) {
  std::ifstream zi(zoneinfo_dir + "/tzdata.zi");
  if (zi) return TimeZoneNames(ReadTzdataZi(zi));
  return TimeZoneNames(WalkZoneinfo(zoneinfo_dir));
}

const TimeZoneNames& SystemTimeZoneNames() {
  // Read once: the set only changes with the system's tzdata package.
  static const TimeZoneNames* const kNames = [] {
    const char* dir = std::getenv("TZDIR");
    return new TimeZoneNames(
        TimeZoneNames::Load(dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo"));
  }();
  return *kNames;
}

bool IsTimeZoneNameSyntax(absl::string_view name) {
  if (name.empty() || name.size() > kMaxTimeZoneNameBytes) return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(name[0]))) return false;
  int slashes = 0;
  bool component_empty = false;
  for (char c : name) {
    if (c == '/') {
      if (component_empty || ++slashes > 2) return false;
      component_empty = true;
    } else if (IsNameChar(c)) {
      component_empty = false;
    } else {
      return false;  // '.', ' ', control bytes, non-ASCII, ...
    }
  }
  return !component_empty;
}

absl::Status CheckTimeZoneName(absl::string_view name, const TimeZoneNames& known) {
  if (name.empty() || name == "UTC") return absl::OkStatus();
  const std::string shown =
      name.size() > kMaxTimeZoneNameBytes
          ? absl::StrCat(absl::CHexEscape(name.substr(0, kMaxTimeZoneNameBytes)), "... (",
                         name.size(), " bytes)")
          : absl::CHexEscape(name);
  if (!IsTimeZoneNameSyntax(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid time zone \"", shown,
        "\": want an IANA name such as Europe/Berlin (letters, digits, _ + -, at most two '/', ",
        kMaxTimeZoneNameBytes, " bytes)"));
  }
  if (!known.Contains(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown time zone \"", shown, "\": not in the system's IANA zones (e.g. Europe/Berlin)"));
  }
  return absl::OkStatus();
}

}  // namespace scout::collector::reports
