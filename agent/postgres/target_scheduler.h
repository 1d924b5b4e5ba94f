// TargetScheduler: decides which postgres targets are due each cycle and
// runs their scrapes without ever waiting on one for long.
//
//   TargetScheduler scheduler(options.collect_wait);
//   scheduler.Add(spec, [state](int64_t now_ms, bool core_due,
//                               const std::vector<const CustomQuery*>& due,
//                               SampleSink& sink) { return state->Scrape(...); });
//   absl::Status s = scheduler.Collect(now_ms, sink);  // every cycle
//
// Contract:
// - A target's built-in sets are due on its `interval`, each custom query
//   on its own (the target's when unset); the first Collect finds all due.
//   A target with anything due is scraped once, told what is due.
// - Each scrape runs as a DeadlineCall ("scout-pg-scrape", agent/deadline_call.h)
//   of its own. Collect waits at most `collect_wait` for this cycle's
//   scrapes; a slower one keeps running and its samples are published by
//   the first Collect after it returned. A target is never scraped twice
//   at once: while its scrape runs it is skipped, whatever is due.
// - The scrape function and the spec are kept alive by the running scrape
//   (shared_ptr), so a scrape stuck past the deadline, or at shutdown,
//   never touches freed state.
// - Collect's status names every target whose last finished scrape
//   reported an error, every cycle, due or not, so the agent sees a stable
//   state instead of flapping between error and OK.
//
// Thread safety: one thread calls Add and Collect (the plugin's runner).
// A scrape function runs on its target's scrape thread, one call at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "agent/plugin.h"
#include "agent/postgres/postgres_config.h"

namespace scout::agent {

class TargetScheduler {
 public:
  // Scrapes one target at `now_ms` into `sink`: the built-in sets if
  // `core_due`, and the custom queries in `due` (pointers into the spec's
  // `queries`). Returns the target's error, "" when it is healthy.
  using Scrape = std::function<std::string(int64_t now_ms, bool core_due,
                                           const std::vector<const CustomQuery*>& due,
                                           SampleSink& sink)>;

  explicit TargetScheduler(std::chrono::milliseconds collect_wait);
  ~TargetScheduler();
  TargetScheduler(const TargetScheduler&) = delete;
  TargetScheduler& operator=(const TargetScheduler&) = delete;

  // Schedules `spec` (name, interval, queries), scraped by `scrape`.
  void Add(std::shared_ptr<const PostgresTarget> spec, Scrape scrape);

  // Starts the scrapes due at `now_ms`, waits for the running ones up to
  // `collect_wait` and adds the samples of those that returned to `sink`.
  absl::Status Collect(int64_t now_ms, SampleSink& sink);

 private:
  struct Target;

  // Advances `t`'s due times; sets `core_due` and returns the due queries.
  static std::vector<const CustomQuery*> TakeDue(Target& t, int64_t now_ms, bool& core_due);
  static void Start(const std::shared_ptr<Target>& t, int64_t now_ms, bool core_due,
                    std::vector<const CustomQuery*> due);

  const std::chrono::milliseconds collect_wait_;
  std::vector<std::shared_ptr<Target>> targets_;
};

}  // namespace scout::agent
