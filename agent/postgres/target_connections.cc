#include "agent/postgres/target_connections.h"

#include <random>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/postgres/database_dsn.h"
#include "re2/re2.h"
#include "shared/secret_ref.h"

namespace scout::agent {
namespace {

// key=value `password=...` (quoted or not) and URI `?password=...&`.
constexpr char kPasswordKv[] = R"((?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]+))";
// URI user:password@host.
constexpr char kUriUserInfo[] = R"((://[^:/@\s]*):([^@/\s]*)@)";

void ReplaceAll(std::string& s, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size())) {
    s.replace(pos, what.size(), with);
  }
}

// libpqxx 6.4 silently reopens a lost connection at the next transaction,
// which would bypass our backoff, counters and state logs. Its switch is
// marked deprecated (reactivation goes away in libpqxx 7) but works in 6.4.
void InhibitReactivation(pqxx::connection_base& conn) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  conn.inhibit_reactivation(true);
#pragma GCC diagnostic pop
}

}  // namespace

TargetConnections::TargetConnections(std::string dsn, const PostgresPluginOptions& options,
                                     uint64_t seed)
    : dsn_(std::move(dsn)),
      backoff_initial_(options.backoff_initial),
      backoff_max_(options.backoff_max),
      connect_timeout_(options.connect_timeout),
      backoff_(options.backoff_initial, options.backoff_max, seed) {}

bool TargetConnections::MainBackingOff(int64_t now_ms) const {
  return !main_ && now_ms < retry_at_ms_;
}

absl::StatusOr<pqxx::connection*> TargetConnections::Main() {
  if (main_) return main_.get();
  ++connect_attempts_;
  absl::StatusOr<std::string> dsn = ResolveSecretRef(dsn_);
  if (!dsn.ok()) return absl::Status(dsn.status().code(), std::string(dsn.status().message()));
  if (absl::Status s = Open(main_, *dsn, *dsn); !s.ok()) return s;
  resolved_dsn_ = *std::move(dsn);
  return main_.get();
}

void TargetConnections::DropMain(int64_t now_ms) {
  main_.reset();
  retry_at_ms_ = now_ms + backoff_.NextDelay().count();
}

bool TargetConnections::DatabaseBackingOff(const std::string& datname, int64_t now_ms) const {
  const auto it = databases_.find(datname);
  return it != databases_.end() && !it->second->conn && now_ms < it->second->retry_at_ms;
}

absl::StatusOr<pqxx::connection*> TargetConnections::Database(const std::string& datname) {
  Slot& slot = SlotFor(datname);
  if (slot.conn) return slot.conn.get();
  absl::StatusOr<std::string> dsn = WithDatabase(resolved_dsn_, datname);
  if (!dsn.ok()) return dsn.status();
  if (absl::Status s = Open(slot.conn, *dsn, resolved_dsn_); !s.ok()) return s;
  return slot.conn.get();
}

void TargetConnections::DatabaseResult(const std::string& datname, int64_t now_ms, bool ok,
                                       bool lost) {
  Slot& slot = SlotFor(datname);
  if (lost) slot.conn.reset();
  if (ok) {
    slot.backoff.Reset();
  } else if (!slot.conn) {
    slot.retry_at_ms = now_ms + slot.backoff.NextDelay().count();
  }
}

TargetConnections::Slot& TargetConnections::SlotFor(const std::string& datname) {
  std::unique_ptr<Slot>& slot = databases_[datname];
  if (!slot) slot = std::make_unique<Slot>(backoff_initial_, backoff_max_, std::random_device()());
  return *slot;
}

void TargetConnections::KeepDatabases(const std::set<std::string>& wanted) {
  for (auto it = databases_.begin(); it != databases_.end();) {
    it = wanted.count(it->first) != 0 ? std::next(it) : databases_.erase(it);
  }
}

absl::Status TargetConnections::Open(std::unique_ptr<pqxx::connection>& conn,
                                     const std::string& dsn,
                                     const std::string& secret_dsn) const {
  try {
    conn = std::make_unique<pqxx::connection>(WithConnectionDefaults(dsn, connect_timeout_));
    InhibitReactivation(*conn);
  } catch (const std::exception& e) {
    conn.reset();
    return absl::UnavailableError(
        absl::StrCat("connect failed: ", SanitizePostgresError(e.what(), secret_dsn)));
  }
  return absl::OkStatus();
}

bool ConnectionLost(const pqxx::connection_base& conn, const std::exception& e) {
  return !conn.is_open() || dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr;
}

std::string SanitizePostgresError(std::string_view message, std::string_view dsn) {
  std::string s(message.substr(0, message.find('\n')));
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  if (s.empty()) return "unknown error";
  const std::string d(dsn);
  std::vector<std::string> secrets;
  std::string quoted, value, user;
  if (RE2::PartialMatch(d, kPasswordKv, &quoted, &value)) {
    if (value.size() >= 2 && value.front() == '\'') value = value.substr(1, value.size() - 2);
    secrets.push_back(value);
  }
  if (RE2::PartialMatch(d, kUriUserInfo, &user, &value)) secrets.push_back(value);
  if (d.size() >= 3) ReplaceAll(s, d, "<dsn>");
  for (const std::string& secret : secrets) {
    if (secret.size() >= 3) ReplaceAll(s, secret, "***");
  }
  RE2::GlobalReplace(&s, kPasswordKv, "\\1***");
  RE2::GlobalReplace(&s, kUriUserInfo, "\\1:***@");
  return s;
}

std::string WithConnectionDefaults(const std::string& dsn, std::chrono::seconds seconds) {
  const bool uri = dsn.rfind("postgres://", 0) == 0 || dsn.rfind("postgresql://", 0) == 0;
  std::string out = dsn;
  const auto add = [&](const std::string& key, const std::string& value) {
    if (dsn.find(key) != std::string::npos) return;
    const std::string kv = absl::StrCat(key, "=", value);
    if (uri) {
      absl::StrAppend(&out, out.find('?') == std::string::npos ? "?" : "&", kv);
    } else {
      absl::StrAppend(&out, out.empty() ? "" : " ", kv);
    }
  };
  if (seconds.count() > 0) add("connect_timeout", absl::StrCat(seconds.count()));
  add("keepalives_idle", "30");
  add("keepalives_interval", "10");
  add("keepalives_count", "3");
  add("tcp_user_timeout", "60000");
  add("application_name", "scout-agent");
  return out;
}

}  // namespace scout::agent
