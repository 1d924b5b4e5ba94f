// Connection strings for the other databases of a PostgreSQL server.
//
// Per-table statistics (pg_stat_user_tables, pg_stat_user_indexes) only
// describe the database a session is connected to, so the collector opens
// one extra connection per database, built from the target's DSN with the
// database name replaced.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace scout::agent {

// `dsn` (libpq key=value or postgres:// URI) with dbname set to `dbname`,
// returned in key=value form with every value quoted. Errors come from
// libpq's parser and never contain the DSN.
absl::StatusOr<std::string> WithDatabase(const std::string& dsn, const std::string& dbname);

}  // namespace scout::agent
