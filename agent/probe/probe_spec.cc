#include "agent/probe/probe_spec.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"

namespace scout::agent {
namespace {

constexpr char kFilePrefix[] = "@file:";

bool IsEnvNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read secret file ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading secret file ", path));
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

absl::Status CheckRegex(const std::string& what, const std::string& pattern) {
  if (pattern.empty()) return absl::OkStatus();
  const RE2 re(pattern, RE2::Quiet);
  if (!re.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": invalid regex: ", re.error()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ResolveSecret(const std::string& value) {
  if (absl::StartsWith(value, kFilePrefix)) {
    const std::string path = value.substr(sizeof(kFilePrefix) - 1);
    if (path.empty()) return absl::InvalidArgumentError("@file: without a path");
    return ReadSecretFile(path);
  }
  std::string out;
  size_t pos = 0;
  while (pos < value.size()) {
    const size_t start = value.find("${", pos);
    if (start == std::string::npos) break;
    out.append(value, pos, start - pos);
    const size_t end = value.find('}', start + 2);
    if (end == std::string::npos) {
      return absl::InvalidArgumentError("unterminated ${ in header value");
    }
    const std::string name = value.substr(start + 2, end - start - 2);
    for (const char c : name) {
      // Naming an invalid "variable" could echo a literal secret, so the
      // message deliberately does not quote it.
      if (!IsEnvNameChar(c)) {
        return absl::InvalidArgumentError("invalid environment variable name in ${...}");
      }
    }
    if (name.empty()) return absl::InvalidArgumentError("empty ${} in header value");
    const char* env = std::getenv(name.c_str());
    if (env == nullptr) {
      return absl::NotFoundError(absl::StrCat("environment variable ", name, " is not set"));
    }
    out += env;
    pos = end + 1;
  }
  if (pos < value.size()) out.append(value, pos, std::string::npos);
  return out;
}

absl::Status ValidateHttpProbeSpec(const HttpProbeSpec& spec) {
  const std::string where = absl::StrCat("probe \"", spec.name, "\"");
  if (spec.name.empty()) return absl::InvalidArgumentError("http probe without a name");
  if (!absl::StartsWith(spec.url, "http://") && !absl::StartsWith(spec.url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": url must start with http(s)://"));
  }
  if (spec.timeout.count() <= 0 || spec.interval.count() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": timeout and interval must be > 0"));
  }
  for (const auto& [lo, hi] : spec.expect_status) {
    if (lo < 100 || hi > 599 || lo > hi) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": bad status range ", lo, "-", hi));
    }
  }
  const absl::Status match = CheckRegex(absl::StrCat(where, " body_must_match"), spec.body_must_match);
  if (!match.ok()) return match;
  return CheckRegex(absl::StrCat(where, " body_must_not_match"), spec.body_must_not_match);
}

absl::Status ValidateTcpProbeSpec(const TcpProbeSpec& spec) {
  if (spec.name.empty()) return absl::InvalidArgumentError("tcp probe without a name");
  if (spec.host.empty() || spec.port <= 0 || spec.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("probe \"", spec.name, "\": needs a host and a port in 1..65535"));
  }
  if (spec.timeout.count() <= 0 || spec.interval.count() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("probe \"", spec.name, "\": timeout and interval must be > 0"));
  }
  return absl::OkStatus();
}

}  // namespace scout::agent
