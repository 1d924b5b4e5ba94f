// scout-postgres-bench: what the postgres plugin costs a database.
//
// Runs the plugin (every built-in set, all databases) against the DSN given
// for `cycles` scrapes and reports per scrape:
//   - database time: the growth of pg_stat_statements.total_exec_time of the
//     statements run by the monitoring role (the server-side cost), and
//   - scrape wall time as the agent sees it (server time + round trips).
// The monitoring role must differ from the role that reads the statistics
// here, so the bench's own bookkeeping is not counted.
//
//   scout-postgres-bench --dsn "$MONITOR_DSN" --admin-dsn "$ADMIN_DSN" --role scout_monitor
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <pqxx/pqxx>

#include "agent/postgres/postgres_plugin.h"
#include "shared/mutex_mode.h"

namespace {

double MonitoringMs(const std::string& admin_dsn, const std::string& role) {
  pqxx::connection c(admin_dsn);
  pqxx::nontransaction tx(c);
  return tx.exec("SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements s"
                 " JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = " + tx.quote(role))
      .at(0).at(0).as<double>();
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

}  // namespace

int main(int argc, char** argv) {
  scout::DisableMutexDeadlockDetection();
  CLI::App app("scout-postgres-bench: database cost of the postgres plugin per scrape");
  std::string dsn, admin_dsn, role;
  int cycles = 21;
  app.add_option("--dsn", dsn, "DSN of the monitoring role")->required();
  app.add_option("--admin-dsn", admin_dsn, "DSN that may read pg_stat_statements")->required();
  app.add_option("--role", role, "name of the monitoring role")->required();
  app.add_option("--cycles", cycles, "scrapes to run (default 21)");
  CLI11_PARSE(app, argc, argv);

  scout::agent::PostgresTarget target;
  target.name = "bench";
  target.dsn = dsn;
  target.interval = std::chrono::milliseconds(0);
  auto collector = scout::agent::NewPostgresPlugin({target});

  std::vector<double> db_ms, wall_ms;
  size_t samples = 0;
  for (int i = 0; i < cycles; ++i) {
    const double before = MonitoringMs(admin_dsn, role);
    scout::agent::VectorSink sink(i * 30000);
    const auto start = std::chrono::steady_clock::now();
    const absl::Status s = collector->Collect(i * 30000, sink);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (!s.ok()) {
      std::fprintf(stderr, "scrape %d failed: %s\n", i, std::string(s.message()).c_str());
      return 1;
    }
    db_ms.push_back(MonitoringMs(admin_dsn, role) - before);
    wall_ms.push_back(took.count());
    samples = sink.samples().size();
  }
  // Scrape 0 also opens connections and reads statement texts; scrapes
  // every size_interval (5 min = 10 scrapes at 30 s) measure sizes.
  std::printf("scrapes=%d (30 s apart on the plugin's clock) samples_per_scrape=%zu\n", cycles, samples);
  std::printf("first scrape: database %.1f ms, wall %.1f ms\n", db_ms[0], wall_ms[0]);
  std::vector<double> routine_db, routine_wall, sizing_db, sizing_wall;
  for (size_t i = 1; i < db_ms.size(); ++i) {
    const bool sizing = i % 10 == 0;
    (sizing ? sizing_db : routine_db).push_back(db_ms[i]);
    (sizing ? sizing_wall : routine_wall).push_back(wall_ms[i]);
  }
  std::printf("routine scrapes (%zu): database p50 %.1f ms p95 %.1f ms max %.1f ms; wall p50 %.1f ms p95 %.1f ms\n",
              routine_db.size(), Percentile(routine_db, 0.5), Percentile(routine_db, 0.95),
              Percentile(routine_db, 1.0), Percentile(routine_wall, 0.5), Percentile(routine_wall, 0.95));
  if (!sizing_db.empty()) {
    std::printf("size-measuring scrapes (%zu): database max %.1f ms; wall max %.1f ms\n", sizing_db.size(),
                Percentile(sizing_db, 1.0), Percentile(sizing_wall, 1.0));
  }
  // Where the database time goes: the monitoring role's costliest statements.
  pqxx::connection c(admin_dsn);
  pqxx::nontransaction tx(c);
  const pqxx::result top = tx.exec(
      "SELECT round((total_exec_time / calls)::numeric, 2), calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 70)"
      " FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid"
      " WHERE r.rolname = " + tx.quote(role) + " ORDER BY total_exec_time DESC LIMIT 4");
  for (const pqxx::row& r : top) {
    std::printf("  %8s ms/call  %4s calls  %s\n", r[0].c_str(), r[1].c_str(), r[2].c_str());
  }
  return 0;
}
