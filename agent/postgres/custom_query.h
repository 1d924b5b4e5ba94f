// Custom SQL queries of a postgres target (`queries:` / `queries_file:`):
// user-written SELECTs whose result rows become samples.
//
// Contract (docs/metrics.md, "Custom SQL queries"):
//   * A query emits one sample per result row and value column: metric
//     `<name>_<value column>`, labels = the caller's base labels (`target`)
//     plus one label per label column (its text; NULL -> "").
//   * A NULL (or NaN/infinite) value cell is skipped; any other cell of a
//     value column must be numeric: smallint, integer, bigint, real, double
//     precision, numeric, oid, or boolean (1/0). A column of another type is
//     an error, whatever the row holds (cast it, e.g. `::float8`).
//   * A result in which two rows have the same label values is an error
//     (they would be one series twice): add a label column or aggregate.
//   * A query either adds all its samples or none (on any error).
//   * The query runs as ONE statement (extended protocol: `a; b` is rejected)
//     inside the caller's READ ONLY transaction and its statement_timeout,
//     wrapped in a SAVEPOINT (a subtransaction, always rolled back to once
//     the rows are read), so a failing query never aborts the caller's
//     transaction and no setting a query changes (statement_timeout through
//     set_config, the role) outlives it: the next query runs normally,
//     under the caller's timeout.
//   * Errors name the query and the column, never the DSN; server messages
//     are reduced to their first line and passed through
//     SanitizePostgresError.
//
// Configuration (per target; `*out` should hold only that target's queries,
// names must be unique among them):
//
//   queries:
//     - name: scenescout_api            # metric prefix, [a-zA-Z_:][a-zA-Z0-9_:]*
//       sql: SELECT source, count(*) AS requests FROM api_logs GROUP BY 1
//       interval: 1m                    # optional; default: the target's interval
//       database: events                # optional; default: the DSN's database
//       labels: [source]                # optional label columns
//       values: [requests]              # value columns (at least one)
//   queries_file: scenescout-queries.yaml   # top level `queries:`, same shape;
//                                           # relative to the config file's dir
//
// Label columns may not be named `target`, `query`, `host` (added by the
// agent) or start with `__`; a column cannot be both label and value, and
// every `<name>_<value>` must be a valid metric name produced by only one
// query of the target.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/plugin.h"
#include "shared/metric.h"
#include "shared/yaml_config.h"

namespace scout::agent {

struct CustomQuery {
  std::string name;  // metric prefix, Prometheus-valid [a-zA-Z_:][a-zA-Z0-9_:]*, unique per target
  std::string sql;
  std::chrono::milliseconds interval{0};  // 0 = the target's interval
  std::string database;                   // "" = the DSN's database; else run on that database's connection
  std::vector<std::string> labels;        // label columns
  std::vector<std::string> values;        // value columns (numeric); metric = name + "_" + column
};

// Reads `queries:` (list of mappings with keys name, sql, interval, database,
// labels, values) and `queries_file:` (path to a YAML file whose top level has
// `queries:` in the same shape; a relative path is resolved against
// `config_dir`) from a target's ConfigMap, appending to *out (inline queries
// first, then the file's). Both keys are marked known on `target`; the caller
// still calls target.CheckNoUnknownKeys(). Errors name file:line:col and the
// key: missing sql, bad name, empty values, a column in both labels and
// values, duplicate names or metrics, unreadable queries_file, label name
// invalid or reserved ("target", "query", "host", starting with "__"),
// unknown keys.
absl::Status ReadCustomQueries(ConfigMap& target, const std::string& config_dir,
                               std::vector<CustomQuery>* out);

// Runs q inside `tx` (the caller's READ ONLY transaction with
// statement_timeout already set) in a subtransaction (SAVEPOINT, then
// ROLLBACK TO it whether the query worked or not, undoing any setting it made;
// issued directly: libpqxx 6.4's pqxx::subtransaction never sends its
// SAVEPOINT before exec_params), so a failing query does not abort the
// caller's transaction, and adds one sample per row
// and value column: metric q.name+"_"+column, labels base + {label column:
// text, NULL->""}. NULL value cells are skipped; a non-numeric value column or
// a missing column is an error (message names the query and column, never the
// DSN). Returns the number of rows.
//
// Status codes: DeadlineExceeded (statement_timeout / cancelled),
// Unavailable (connection lost; the caller's transaction is unusable),
// InvalidArgument (SQL error, missing or non-numeric column, duplicate
// label set). `tx` may also be a nontransaction (no savepoint then).
absl::StatusOr<int64_t> RunCustomQuery(pqxx::transaction_base& tx, const CustomQuery& q,
                                       const Labels& base, SampleSink& sink);

}  // namespace scout::agent
