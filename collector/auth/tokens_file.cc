#include "collector/auth/tokens_file.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include "absl/strings/ascii.h"
#include "shared/logging.h"
#include "shared/status_macros.h"

namespace scout::collector::auth {
namespace {

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::StatusOr<TokenTable> FromMap(ConfigMap& root) {
  SCOUT_ASSIGN_OR_RETURN(auto items, root.ChildList("tokens"));
  TokenTable table;
  for (ConfigMap& item : items) {
    Principal p;
    SCOUT_RETURN_IF_ERROR(ReadPrincipal(item, &p));
    std::string hash;
    SCOUT_RETURN_IF_ERROR(item.Read("sha256", &hash));
    hash = absl::AsciiStrToLower(hash);
    if (!IsSha256Hex(hash)) {
      // Never echo the value: it may be a token pasted by mistake.
      return item.ErrorAt("sha256", "expected 64 hex digits (printf %s \"$TOKEN\" | sha256sum); "
                                    "the file stores hashes, never tokens");
    }
    SCOUT_RETURN_IF_ERROR(item.CheckNoUnknownKeys());
    if (!table.emplace(hash, std::move(p)).second) {
      return item.ErrorAt("sha256", "the same token hash appears twice");
    }
  }
  SCOUT_RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  return table;
}

}  // namespace

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

absl::StatusOr<TokenTable> ParseTokens(const std::string& text, const std::string& file_name) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadString(text, file_name));
  return FromMap(root);
}

absl::StatusOr<TokenTable> LoadTokens(const std::string& path) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadFile(path));
  return FromMap(root);
}

absl::StatusOr<std::unique_ptr<TokensFile>> TokensFile::Open(
    const std::string& path, const Clock& clock, std::chrono::milliseconds check_interval) {
  std::unique_ptr<TokensFile> f(new TokensFile(path, clock, check_interval));
  const std::optional<FileVersion> version = Stat(path);
  SCOUT_ASSIGN_OR_RETURN(TokenTable table, LoadTokens(path));
  absl::MutexLock lock(&f->mu_);
  f->table_ = std::move(table);
  f->version_ = version;
  f->checked_ms_ = clock.NowMs();
  return f;
}

std::optional<TokensFile::FileVersion> TokensFile::Stat(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileVersion{st.st_ino, st.st_size,
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

void TokensFile::MaybeReloadLocked() {
  const int64_t now = clock_.NowMs();
  if (now - checked_ms_ < check_interval_.count()) return;
  checked_ms_ = now;
  // A Kubernetes Secret update swaps a symlink: stat follows it, so the
  // inode changes.
  const std::optional<FileVersion> version = Stat(path_);
  if (!version || version == version_ || version == bad_version_) return;
  absl::StatusOr<TokenTable> table = LoadTokens(path_);
  if (!table.ok()) {
    bad_version_ = version;
    spdlog::error("tokens file changed but cannot be used, keeping the previous {} tokens: {}",
                  table_.size(), table.status().message());
    return;
  }
  spdlog::info("tokens file {} re-read: {} tokens", path_, table->size());
  table_ = *std::move(table);
  version_ = version;
  bad_version_.reset();
}

std::optional<Principal> TokensFile::Find(const std::string& sha256_hex) {
  absl::MutexLock lock(&mu_);
  MaybeReloadLocked();
  auto it = table_.find(sha256_hex);
  if (it == table_.end()) return std::nullopt;
  return it->second;
}

}  // namespace scout::collector::auth
