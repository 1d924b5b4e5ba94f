// scout-bench's hostile modes: what a careless or malicious client does to
// a collector (issue 16, docs/limits.md). Each prints `key=value` lines a
// test can read and returns 0 when the client side ran as planned (it does
// not judge the collector; the calling test does).
//
//   bomb      one agent creating new series as fast as it is paced to, a
//             share of them with too many labels or names/values far over
//             the limits; counts stored and rejected points by reason.
//   bigbatch  S streams x W batches in flight of one-point batches of B
//             bytes each (one huge label value).
//   idle      C connections x S streams that never say Hello; reports how
//             and when the collector closed them.
//   backfill  N series x D days of history at an interval, for queries;
//             optionally written as OpenMetrics too, so promtool can load
//             the very same samples into a Prometheus (bench/prom_bench.sh).
//   querystorm P concurrent QueryRange calls; status codes and latencies.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "bench/bench_target.h"

namespace scout::bench {

struct BombOptions {
  std::string agent_id = "bomb";
  int64_t series = 500'000;        // new series to send in all
  int batch_series = 5'000;        // series (one point each) per batch
  std::chrono::milliseconds duration{60'000};  // paced to spread `series` over it
  int window = 8;
};
int RunBomb(const Target& target, const BombOptions& options);

struct BigBatchOptions {
  int streams = 8;
  int window = 8;
  int64_t batch_bytes = 16 * 1024 * 1024 - 4096;
  std::chrono::milliseconds duration{20'000};
};
int RunBigBatches(const Target& target, const BigBatchOptions& options);

struct IdleOptions {
  int connections = 700;
  int streams_per_connection = 16;
  std::chrono::milliseconds hold{60'000};  // streams still open then are counted and cancelled
};
int RunIdleFlood(const Target& target, const IdleOptions& options);

struct BackfillOptions {
  std::string agent_id = "backfill";
  std::string metric = "backfill_value";
  int series = 200;
  std::chrono::milliseconds span{14LL * 86'400'000};
  std::chrono::milliseconds interval{60'000};
  // Series are spread over this many `host` label values (host-0 ...);
  // 0 = every series has host=<agent_id>.
  int hosts = 0;
  // Counters (growing, reset to 0 every 100 points, a reset per series at
  // a different time) instead of gauges.
  bool counter = false;
  // Also write every sample to this OpenMetrics file ("" = none).
  std::string openmetrics_file;
};
int RunBackfill(const Target& target, const BackfillOptions& options);

struct QueryStormOptions {
  std::string metric = "backfill_value";
  std::string series_regex;  // matcher on the `series` label; "" = all
  std::chrono::milliseconds range{15LL * 86'400'000};
  int64_t step_ms = 3'600'001;
  uint32_t series_limit = 0xFFFFFFFFu;
  int parallel = 1;
  int rounds = 1;  // each thread issues this many queries, one after another
};
int RunQueryStorm(const Target& target, const QueryStormOptions& options);

}  // namespace scout::bench
