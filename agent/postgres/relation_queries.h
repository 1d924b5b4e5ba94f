// Per-table and per-index statistics of one database (pg_stat_user_tables,
// pg_stat_user_indexes only describe the database a session is connected
// to; the collector runs these on one connection per database).
//
// Query functions throw pqxx exceptions; the collector catches them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "agent/plugin.h"

namespace scout::agent::pg {

struct TableStats {
  int64_t relid = 0;
  std::string schema, table;
  int64_t size_bytes = 0;  // pg_total_relation_size
  uint64_t live_tuples = 0, dead_tuples = 0, seq_scan = 0, seq_tup_read = 0, idx_scan = 0;
  uint64_t writes = 0;  // n_tup_ins + n_tup_upd + n_tup_del
  std::optional<double> last_vacuum_seconds;  // epoch of last (auto)vacuum
};

struct IndexStats {
  int64_t indexrelid = 0;
  std::string schema, table, index;
  std::string kind;  // "primary", "unique" or "index"
  uint64_t scans = 0, tup_read = 0, tup_fetch = 0;
  int64_t size_bytes = 0;
};

struct RelationStats {
  std::vector<TableStats> tables;  // largest first, at most max_tables
  std::vector<IndexStats> indexes;  // of those tables
  bool truncated = false;           // the database has more than max_tables tables
};

// Sizes remembered between the scrapes that measure them: measuring stats
// every file of every relation, most of a scrape's database time with
// 1,000 tables (docs/performance.md), while sizes change slowly.
struct SizeCache {
  std::map<std::string, int64_t> bytes;  // by "schema.table" / "schema.table.index"
};

// With `measure_sizes` false, sizes (and the largest-first order, by
// cached size) come from `cache`; relations not in it yet are measured.
RelationStats QueryRelations(pqxx::transaction_base& tx, int max_tables, bool measure_sizes,
                             SizeCache& cache);

// Adds the scout_postgres_table_* and scout_postgres_index_* samples;
// `base` carries target and datname.
void EmitRelations(const RelationStats& stats, const Labels& base, SampleSink& sink);

}  // namespace scout::agent::pg
