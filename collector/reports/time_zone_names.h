// Which time-zone names Scout accepts from users (report requests, the
// `reports.timezone` key): IANA names the system knows, nothing else.
//
// Why: absl::LoadTimeZone takes any string as a path below the zoneinfo
// directory (or an absolute path), opens it, and caches every distinct
// name it was asked for, valid or not, for the life of the process. A
// client sending "/etc/passwd", "../../x" or a million distinct names
// would make the collector open files of its choosing and grow without
// bound. So a name is checked here first, without touching the file
// system, and only a name that passes ever reaches the loader: the
// loader's cache is then bounded by the zone set.
//
// A name is accepted when
//  * it is "" or "UTC" (always; no file is read for them), or
//  * it has IANA syntax: ^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$,
//    at most 64 bytes (so no "..", no leading "/", no spaces), and
//  * it is in the system's zone set: the Zone and Link names of
//    <zoneinfo>/tzdata.zi, or, where that file is missing, the TZif files
//    found by one walk of the zoneinfo directory (posix/ and right/ left
//    out). <zoneinfo> is $TZDIR or /usr/share/zoneinfo, as absl reads it.
// The set is read once, the first time it is needed (SystemTimeZoneNames);
// a tzdata update takes effect at the next start.
#pragma once

#include <cstddef>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace scout::collector::reports {

inline constexpr size_t kMaxTimeZoneNameBytes = 64;

class TimeZoneNames {
 public:
  explicit TimeZoneNames(absl::flat_hash_set<std::string> names) : names_(std::move(names)) {}

  // Reads `zoneinfo_dir` as described above; an unreadable directory gives
  // an empty set (then only "" and "UTC" are accepted).
  static TimeZoneNames Load(const std::string& zoneinfo_dir);

  bool Contains(absl::string_view name) const { return names_.contains(name); }
  size_t size() const { return names_.size(); }

 private:
  absl::flat_hash_set<std::string> names_;
};

// The system's set, loaded once on first use (thread-safe). A process-wide
// constant like the zoneinfo files it mirrors, shared by every caller.
const TimeZoneNames& SystemTimeZoneNames();

// True when `name` has the IANA syntax above (no file-system access).
bool IsTimeZoneNameSyntax(absl::string_view name);

// OK when `name` is accepted as above; InvalidArgument otherwise, quoting
// at most the first 64 bytes of the name. Never opens a file.
absl::Status CheckTimeZoneName(absl::string_view name, const TimeZoneNames& known);

}  // namespace scout::collector::reports
