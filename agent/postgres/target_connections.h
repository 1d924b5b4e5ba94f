// TargetConnections: owns the libpqxx connections of one postgres target,
// the one to the DSN's database ("main") and one per other database of the
// same server that the target reads, and decides when a closed one may be
// opened again.
//
// Contract:
// - A connection is opened on demand and reused until it is dropped. One
//   that was dropped or could not be opened is not tried again before its
//   capped, jittered backoff (shared/backoff.h, PostgresPluginOptions) has
//   passed; every connection backs off on its own, and a success resets it.
// - libpqxx's silent reactivation is switched off: a lost connection stays
//   lost until it is dropped here, so every reconnect goes through the
//   backoff and, for main, is counted in connect_attempts().
// - The DSN may be a secret reference (shared/secret_ref.h); it is resolved
//   at every attempt to open main, and the other databases are reached
//   through the DSN main last resolved. Returned errors are sanitised
//   (SanitizePostgresError, defined with this class): never the DSN, never
//   a password.
//
// Thread safety: none. One thread at a time uses an object (the target's
// scrape); a pqxx::connection* handed out is valid until that connection
// is dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "agent/postgres/postgres_plugin.h"
#include "shared/backoff.h"

namespace scout::agent {

class TargetConnections {
 public:
  TargetConnections(std::string dsn, const PostgresPluginOptions& options, uint64_t seed);
  TargetConnections(const TargetConnections&) = delete;
  TargetConnections& operator=(const TargetConnections&) = delete;

  // Whether main is closed and its backoff has not passed at `now_ms`.
  bool MainBackingOff(int64_t now_ms) const;
  // Main, opening it when closed (one connect attempt). On error main
  // stays closed; the caller then calls DropMain to start its backoff.
  absl::StatusOr<pqxx::connection*> Main();
  // Closes main (if open); it is not opened again before `now_ms` plus the
  // next backoff delay.
  void DropMain(int64_t now_ms);
  // A scrape on main worked: its backoff starts afresh.
  void MainSucceeded() { backoff_.Reset(); }
  // Attempts to open main so far.
  uint64_t connect_attempts() const { return connect_attempts_; }

  // Whether `datname`'s connection is closed and its backoff has not
  // passed at `now_ms`.
  bool DatabaseBackingOff(const std::string& datname, int64_t now_ms) const;
  // `datname`'s connection, opening it when closed.
  // REQUIRES: main was opened at least once.
  absl::StatusOr<pqxx::connection*> Database(const std::string& datname);
  // The outcome of opening or using `datname`'s connection: `lost` closes
  // it; a failure that leaves it closed starts its backoff; success resets it.
  void DatabaseResult(const std::string& datname, int64_t now_ms, bool ok, bool lost);
  // Closes and forgets the connections of databases not in `wanted`.
  void KeepDatabases(const std::set<std::string>& wanted);

 private:
  // One connection and its reconnect backoff.
  struct Slot {
    Slot(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed)
        : backoff(initial, max, seed) {}
    std::unique_ptr<pqxx::connection> conn;
    Backoff backoff;
    int64_t retry_at_ms = 0;  // backoff gate while closed
  };

  // `datname`'s slot, created (closed) on first use.
  Slot& SlotFor(const std::string& datname);
  // Opens `dsn` into `conn`; errors are sanitised against `secret_dsn`.
  absl::Status Open(std::unique_ptr<pqxx::connection>& conn, const std::string& dsn,
                    const std::string& secret_dsn) const;

  const std::string dsn_;  // as configured, possibly a secret reference
  const std::chrono::milliseconds backoff_initial_;
  const std::chrono::milliseconds backoff_max_;
  const std::chrono::seconds connect_timeout_;
  Backoff backoff_;  // of main
  std::unique_ptr<pqxx::connection> main_;
  int64_t retry_at_ms_ = 0;  // backoff gate of main while closed
  uint64_t connect_attempts_ = 0;
  std::string resolved_dsn_;  // secret: never logged
  std::map<std::string, std::unique_ptr<Slot>> databases_;  // by datname
};

// Whether `e`, thrown while using `conn`, means the connection is gone
// (rather than one statement or transaction having failed).
bool ConnectionLost(const pqxx::connection_base& conn, const std::exception& e);

}  // namespace scout::agent
