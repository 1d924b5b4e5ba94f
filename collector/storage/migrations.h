// Versioned schema migrations for the SQLite storage.
//
// Each migration runs once, in its own transaction, in version order, and
// is recorded in schema_migrations. To change the schema, append a new
// migration; never edit one that has shipped. A database whose version is
// newer than this binary knows is refused rather than guessed at.
#pragma once

#include "absl/status/statusor.h"

namespace scout::collector {

class SqliteDb;

// Returns the schema version after migrating.
absl::StatusOr<int> MigrateSchema(SqliteDb& db, int64_t now_ms);

// The newest version this binary knows.
int LatestSchemaVersion();

}  // namespace scout::collector
