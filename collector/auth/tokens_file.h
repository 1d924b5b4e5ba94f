// The tokens file: bearer tokens by their SHA-256 only (docs/security.md,
// "Tokens file"):
//
//   tokens:
//     - principal: node-agents
//       role: agent                # agent | reader | operator | admin
//       sha256: 5e88...            # 64 hex digits: printf %s "$TOKEN" | sha256sum
//       agent_ids: ["node-*"]      # agent role only (required for it)
//
// TokensFile re-reads the file when it changes (inode, size or mtime; looked
// at no more than every `check_interval`). A new version that does not
// parse is logged once and the previous table stays in use, so a bad edit
// cannot lock every client out.
//
// Thread-safe. Nothing here ever sees or logs a token, only its hash.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/auth/principal.h"
#include "shared/clock.h"

namespace scout::collector::auth {

// Lower-case hex SHA-256 of `data` (OpenSSL libcrypto).
std::string Sha256Hex(const std::string& data);

// Hex SHA-256 -> principal.
using TokenTable = std::map<std::string, Principal>;

// Errors name file:line:key (a duplicate hash too).
absl::StatusOr<TokenTable> ParseTokens(const std::string& text, const std::string& file_name);
absl::StatusOr<TokenTable> LoadTokens(const std::string& path);

class TokensFile {
 public:
  // Reads `path` once; an unreadable or invalid file is an error (start-up).
  static absl::StatusOr<std::unique_ptr<TokensFile>> Open(
      const std::string& path, const Clock& clock,
      std::chrono::milliseconds check_interval = std::chrono::seconds(2));

  // The principal whose hash equals sha256_hex, if any. May re-read the file.
  std::optional<Principal> Find(const std::string& sha256_hex);

 private:
  struct FileVersion {
    ino_t inode = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileVersion& o) const {
      return inode == o.inode && size == o.size && mtime_ns == o.mtime_ns;
    }
  };
  TokensFile(std::string path, const Clock& clock, std::chrono::milliseconds check_interval)
      : path_(std::move(path)), clock_(clock), check_interval_(check_interval) {}
  static std::optional<FileVersion> Stat(const std::string& path);
  void MaybeReloadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const Clock& clock_;
  const std::chrono::milliseconds check_interval_;

  absl::Mutex mu_;
  TokenTable table_ ABSL_GUARDED_BY(mu_);
  int64_t checked_ms_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<FileVersion> version_ ABSL_GUARDED_BY(mu_);  // of the table in use
  std::optional<FileVersion> bad_version_ ABSL_GUARDED_BY(mu_);  // logged, not retried
};

}  // namespace scout::collector::auth
