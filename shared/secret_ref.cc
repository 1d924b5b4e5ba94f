#include "shared/secret_ref.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace scout {
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

}  // namespace

absl::StatusOr<std::string> ResolveSecretRef(const std::string& value) {
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
    if (end == std::string::npos) return absl::InvalidArgumentError("unterminated ${ in value");
    const std::string name = value.substr(start + 2, end - start - 2);
    for (const char c : name) {
      if (!IsEnvNameChar(c)) {
        return absl::InvalidArgumentError("invalid environment variable name in ${...}");
      }
    }
    if (name.empty()) return absl::InvalidArgumentError("empty ${} in value");
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

}  // namespace scout
