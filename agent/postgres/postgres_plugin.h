// The "postgres" plugin: every PostgreSQL set of the guide.
//
// Per target, on its interval, one READ ONLY transaction on the DSN's
// database reads the server-wide sets (connections, pg_stat_database,
// pg_stat_statements, lock waits, long-running queries) and that
// database's tables and indexes; then one extra connection per other
// database reads its tables and indexes (pg_stat_user_* are per database).
// Custom SQL queries run on their own intervals on the connection of their
// database. Each set and each custom query runs in a savepoint, so one
// that fails (pg_stat_statements missing, a bad custom query) is reported
// and the others still run. Metric names: docs/metrics.md.
//
// Monitoring must never hurt the database: every query runs in a READ ONLY
// transaction with SET LOCAL statement_timeout, a target is queried at most
// once per `interval`, and a target that cannot be reached is retried with
// capped, jittered backoff instead of every cycle.
//
// Secrets: the DSN may be "${ENV}" or "@file:/path" (shared/secret_ref.h),
// resolved at every connection attempt. Neither the DSN nor a password is
// ever logged or put into a returned status; errors are passed through
// SanitizePostgresError first.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/plugin.h"
#include "agent/postgres/postgres_config.h"

namespace scout::agent {

struct PostgresPluginOptions {
  // Reconnect backoff (shared/backoff.h), per target.
  std::chrono::milliseconds backoff_initial{5000};
  std::chrono::milliseconds backoff_max{300000};
  // Added to the DSN as connect_timeout unless it sets one itself.
  std::chrono::seconds connect_timeout{5};
  // How long Collect waits for this cycle's scrapes (each target runs on its
  // own worker); must stay under the agent's plugin_timeout. A slower
  // scrape's samples arrive with a later cycle.
  std::chrono::milliseconds collect_wait{3000};
};

std::unique_ptr<Plugin> NewPostgresPlugin(std::vector<PostgresTarget> targets);
std::unique_ptr<Plugin> NewPostgresPlugin(std::vector<PostgresTarget> targets,
                                                      PostgresPluginOptions options);

// First line of a libpq/libpqxx error with passwords masked: `password=...`
// values, URI user:password@ parts, and any literal occurrence of `dsn` or
// the password it contains. Safe to log.
std::string SanitizePostgresError(std::string_view message, std::string_view dsn);

// `dsn` with the connection settings monitoring needs, each added only if
// the DSN does not set it: connect_timeout=`seconds`, TCP keepalives
// (30 s idle, 10 s interval, 3 probes) and tcp_user_timeout=60000 so a
// half-open connection fails within about a minute instead of blocking a
// query for the kernel's default of ~15 min, and application_name=scout-agent
// so DBAs see who runs the monitoring queries. Handles key=value and
// postgres:// / postgresql:// URIs.
std::string WithConnectionDefaults(const std::string& dsn, std::chrono::seconds seconds);

}  // namespace scout::agent
