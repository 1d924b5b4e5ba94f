// The "postgres" plugin's config: one PostgresTarget per entry of the
// agent config's `postgres: targets:` list (see agent_config.h and
// docs/postgres.md), and the reader of that section.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "agent/postgres/custom_query.h"
#include "shared/yaml_config.h"

namespace scout::agent {

struct PostgresTarget {
  std::string name;  // label `target`; unique among targets
  std::string dsn;   // libpq key=value or URI; may be ${ENV} or @file:
  std::chrono::milliseconds interval{30000};
  std::chrono::milliseconds statement_timeout{5000};
  // Databases whose tables and indexes are read, one connection each;
  // empty = every connectable, non-template database on the server.
  std::vector<std::string> databases;
  int max_tables = 2000;               // per database, largest first
  int top_statements = 20;             // top N by total time + top N by mean
  int64_t query_text_length = 200;     // bytes of normalised statement text
  std::chrono::milliseconds long_query_threshold{300000};  // the guide's 5 min
  // Database, table and index sizes are measured this often and repeated
  // from memory in between (measuring stats every file: the costliest part).
  std::chrono::milliseconds size_interval{300000};
  std::vector<CustomQuery> queries;    // custom SQL, each on its own interval
  // A DSN whose role (session or current user) is a superuser is refused
  // unless this is set: a superuser can read every table and file and
  // ignores READ ONLY escapes the agent relies on; pg_monitor is enough.
  bool allow_superuser = false;
};

// Reads the `postgres:` section, appending one target per `targets` entry
// to *out. Errors name file, line and key; the DSN is never echoed (it may
// hold a password). `config_dir` resolves a relative queries_file.
absl::Status ReadPostgresTargets(ConfigMap& section, const std::string& config_dir,
                                 std::vector<PostgresTarget>* out);

}  // namespace scout::agent
