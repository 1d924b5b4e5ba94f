#include "agent/postgres/relation_queries.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/postgres/pg_fields.h"

namespace scout::agent::pg {
namespace {

std::string Key(const std::string& schema, const std::string& table) {
  return absl::StrCat(schema, ".", table);
}

}  // namespace

namespace {

// A text[] literal of the cached table keys, for `= ANY($1)`.
std::string CachedKeysArray(const SizeCache& cache) {
  std::string known = "{";
  bool first = true;
  for (const auto& [key, bytes] : cache.bytes) {
    absl::StrAppend(&known, first ? "" : ",", "\"");
    first = false;
    for (const char c : key) {
      if (c == '"' || c == '\\') known.push_back('\\');
      known.push_back(c);
    }
    known.push_back('"');
  }
  known.push_back('}');
  return known;
}

// Every user table, largest first; sizes from the cache where not measured.
std::vector<TableStats> ReadTables(pqxx::transaction_base& tx, bool measure_sizes,
                                   const SizeCache& cache) {
  // Without measuring, only relations missing from the cache are measured
  // (a new table), through the `known` list of cached keys.
  std::string size_expr = "pg_total_relation_size(relid)";
  if (!measure_sizes) {
    size_expr = "CASE WHEN schemaname || '.' || relname = ANY($1) THEN NULL"
                " ELSE pg_total_relation_size(relid) END";
  }
  const std::string tables_sql = absl::StrCat(
      "SELECT relid, schemaname, relname, ", size_expr, ","
      " n_live_tup, n_dead_tup, seq_scan, seq_tup_read, idx_scan,"
      " n_tup_ins + n_tup_upd + n_tup_del,"
      " extract(epoch FROM greatest(last_vacuum, last_autovacuum))"
      " FROM pg_stat_user_tables");
  const pqxx::result tables = measure_sizes
                                  ? tx.exec_params(tables_sql)
                                  : tx.exec_params(tables_sql, CachedKeysArray(cache));
  std::vector<TableStats> all;
  all.reserve(tables.size());
  for (const pqxx::row& r : tables) {
    TableStats t;
    t.relid = r[0].as<long long>();
    t.schema = r[1].as<std::string>();
    t.table = r[2].as<std::string>();
    const std::string key = Key(t.schema, t.table);
    if (!r[3].is_null()) {
      t.size_bytes = r[3].as<long long>();
    } else if (auto it = cache.bytes.find(key); it != cache.bytes.end()) {
      t.size_bytes = it->second;
    }
    t.live_tuples = Counter(r[4]);
    t.dead_tuples = Counter(r[5]);
    t.seq_scan = Counter(r[6]);
    t.seq_tup_read = Counter(r[7]);
    t.idx_scan = Counter(r[8]);
    t.writes = Counter(r[9]);
    if (!r[10].is_null()) t.last_vacuum_seconds = r[10].as<double>();
    all.push_back(std::move(t));
  }
  std::sort(all.begin(), all.end(), [](const TableStats& a, const TableStats& b) {
    return a.size_bytes != b.size_bytes ? a.size_bytes > b.size_bytes : a.relid < b.relid;
  });
  return all;
}

// The indexes of `tables` (all of them unless truncated); sizes from the
// cache where not measured, a new index measured on its own.
std::vector<IndexStats> ReadIndexes(pqxx::transaction_base& tx, bool measure_sizes,
                                    const SizeCache& cache, const RelationStats& tables) {
  std::string filter;
  if (tables.truncated) {
    std::vector<int64_t> relids;
    for (const TableStats& t : tables.tables) relids.push_back(t.relid);
    filter = absl::StrCat(" WHERE s.relid IN (", absl::StrJoin(relids, ","), ")");
  }
  const pqxx::result indexes = tx.exec_params(absl::StrCat(
      "SELECT s.indexrelid, s.schemaname, s.relname, s.indexrelname,"
      " CASE WHEN i.indisprimary THEN 'primary' WHEN i.indisunique THEN 'unique'"
      " ELSE 'index' END,"
      " s.idx_scan, s.idx_tup_read, s.idx_tup_fetch, ",
      measure_sizes ? "pg_relation_size(s.indexrelid)" : "NULL::bigint",
      " FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid",
      filter, " ORDER BY 1, 2, 3"));
  std::vector<IndexStats> out;
  bool unmeasured = false;  // new indexes on a cached scrape
  for (const pqxx::row& r : indexes) {
    IndexStats i;
    i.indexrelid = r[0].as<long long>();
    i.schema = r[1].as<std::string>();
    i.table = r[2].as<std::string>();
    i.index = r[3].as<std::string>();
    i.kind = r[4].as<std::string>();
    i.scans = Counter(r[5]);
    i.tup_read = Counter(r[6]);
    i.tup_fetch = Counter(r[7]);
    const std::string key = absl::StrCat(Key(i.schema, i.table), ".", i.index);
    if (!r[8].is_null()) {
      i.size_bytes = r[8].as<long long>();
    } else if (auto it = cache.bytes.find(key); it != cache.bytes.end()) {
      i.size_bytes = it->second;
    } else {
      i.size_bytes = -1;
      unmeasured = true;
    }
    out.push_back(std::move(i));
  }
  if (unmeasured) {
    for (IndexStats& i : out) {
      if (i.size_bytes >= 0) continue;
      i.size_bytes = tx.exec_params("SELECT pg_relation_size($1::oid)", i.indexrelid)
                         .at(0).at(0).as<long long>();
    }
  }
  return out;
}

}  // namespace

RelationStats QueryRelations(pqxx::transaction_base& tx, int max_tables, bool measure_sizes,
                             SizeCache& cache) {
  RelationStats out;
  if (cache.bytes.empty()) measure_sizes = true;
  std::vector<TableStats> all = ReadTables(tx, measure_sizes, cache);
  // Every table's size is cached (not only the reported ones), so a
  // database over max_tables does not measure the rest on every scrape.
  std::map<std::string, int64_t> sizes;
  for (const TableStats& t : all) sizes[Key(t.schema, t.table)] = t.size_bytes;
  out.truncated = static_cast<int>(all.size()) > max_tables;
  if (out.truncated) all.resize(static_cast<size_t>(max_tables));
  out.tables = std::move(all);
  if (!out.tables.empty()) out.indexes = ReadIndexes(tx, measure_sizes, cache, out);

  // Rebuilt from what exists now, so dropped relations leave the cache.
  cache.bytes = std::move(sizes);
  for (const IndexStats& i : out.indexes) {
    cache.bytes[absl::StrCat(Key(i.schema, i.table), ".", i.index)] = i.size_bytes;
  }
  return out;
}

void EmitRelations(const RelationStats& stats, const Labels& base, SampleSink& sink) {
  for (const TableStats& t : stats.tables) {
    Labels l = base;
    l.emplace_back("schema", t.schema);
    l.emplace_back("table", t.table);
    const auto add = [&](const char* metric, double v) { sink.Add(metric, l, v); };
    add("scout_postgres_table_size_bytes", static_cast<double>(t.size_bytes));
    add("scout_postgres_table_live_tuples", static_cast<double>(t.live_tuples));
    add("scout_postgres_table_dead_tuples", static_cast<double>(t.dead_tuples));
    add("scout_postgres_table_seq_scan_total", static_cast<double>(t.seq_scan));
    add("scout_postgres_table_seq_tup_read_total", static_cast<double>(t.seq_tup_read));
    add("scout_postgres_table_idx_scan_total", static_cast<double>(t.idx_scan));
    add("scout_postgres_table_writes_total", static_cast<double>(t.writes));
    if (t.last_vacuum_seconds) add("scout_postgres_table_last_vacuum_timestamp_seconds", *t.last_vacuum_seconds);
  }
  for (const IndexStats& i : stats.indexes) {
    Labels l = base;
    l.emplace_back("schema", i.schema);
    l.emplace_back("table", i.table);
    l.emplace_back("index", i.index);
    l.emplace_back("kind", i.kind);
    const auto add = [&](const char* metric, double v) { sink.Add(metric, l, v); };
    add("scout_postgres_index_scans_total", static_cast<double>(i.scans));
    add("scout_postgres_index_tup_read_total", static_cast<double>(i.tup_read));
    add("scout_postgres_index_tup_fetch_total", static_cast<double>(i.tup_fetch));
    add("scout_postgres_index_size_bytes", static_cast<double>(i.size_bytes));
  }
}

}  // namespace scout::agent::pg
