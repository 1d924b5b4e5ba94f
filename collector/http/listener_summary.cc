#include "collector/http/listener_summary.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace scout::collector {
namespace {

std::string FamilyOf(const std::string& pattern) {
  if (pattern == "/api/v1/write") return pattern;  // remote write in: not a query route
  if (absl::StartsWith(pattern, "/api/v1/")) return "/api/v1/*";
  if (absl::StartsWith(pattern, "/-/")) return "/-/*";
  return pattern;
}

}  // namespace

std::string RouteFamilies(const std::vector<std::string>& patterns) {
  std::map<std::string, int> families;
  for (const std::string& p : patterns) families[FamilyOf(p)]++;
  std::vector<std::string> parts;
  for (const auto& [family, n] : families) {
    parts.push_back(n > 1 ? absl::StrCat(family, " (", n, " routes)") : family);
  }
  return absl::StrJoin(parts, ", ");
}

std::string ListenerSummary(const ListenerFacts& f) {
  const std::string limit =
      f.rate_per_second > 0
          ? absl::StrCat("rate limit ", f.rate_per_second, "/s burst ", f.burst, " per caller")
          : "rate limit off";
  return absl::StrCat("http: listening on ", f.address, " (TLS ", f.tls ? "on" : "off",
                      ", client certificates ", f.client_certs, ", auth ", f.auth ? "on" : "off",
                      ", ", limit, "): ", RouteFamilies(f.patterns));
}

}  // namespace scout::collector
