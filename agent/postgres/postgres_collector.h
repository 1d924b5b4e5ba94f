// The "postgres" collector plugin: connection, activity and per-database
// statistics of PostgreSQL servers, one pqxx connection per target.
//
// Monitoring must never hurt the database: every query runs in a READ ONLY
// transaction with SET LOCAL statement_timeout, a target is queried at most
// once per `interval`, and a target that cannot be reached is retried with
// capped, jittered backoff instead of every cycle.
//
// Secrets: the DSN may be "${ENV}" or "@file:/path" (see ResolveSecret),
// resolved at every connection attempt. Neither the DSN nor a password is
// ever logged or put into a returned status; errors are passed through
// SanitizePostgresError first.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collector_plugin.h"

namespace scout::agent {

struct PostgresTarget {
  std::string name;  // label `target`; unique among targets
  std::string dsn;   // libpq key=value or URI; may be ${ENV} or @file:
  std::chrono::milliseconds interval{30000};
  std::chrono::milliseconds statement_timeout{5000};
};

struct PostgresCollectorOptions {
  // Reconnect backoff (shared/backoff.h), per target.
  std::chrono::milliseconds backoff_initial{5000};
  std::chrono::milliseconds backoff_max{300000};
  // Added to the DSN as connect_timeout unless it sets one itself.
  std::chrono::seconds connect_timeout{5};
};

std::unique_ptr<CollectorPlugin> NewPostgresCollector(std::vector<PostgresTarget> targets);
std::unique_ptr<CollectorPlugin> NewPostgresCollector(std::vector<PostgresTarget> targets,
                                                      PostgresCollectorOptions options);

// First line of a libpq/libpqxx error with passwords masked: `password=...`
// values, URI user:password@ parts, and any literal occurrence of `dsn` or
// the password it contains. Safe to log.
std::string SanitizePostgresError(std::string_view message, std::string_view dsn);

// `dsn` with connect_timeout=`seconds` added unless already present;
// handles key=value and postgres:// / postgresql:// URIs.
std::string WithConnectTimeout(const std::string& dsn, std::chrono::seconds seconds);

}  // namespace scout::agent
