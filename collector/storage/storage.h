// Storage: everything the collector keeps, behind one interface.
//
// SQLite (sqlite_storage.h) is the embedded default; a PostgreSQL
// implementation will follow, so nothing above this header may know which
// one it talks to. Every implementation must pass
// tests/collector/storage_conformance_test.cc.
//
// Contract:
//  * Write() is all-or-nothing and durable when it returns OK (what
//    "durable" means is the implementation's documented sync mode).
//  * Samples are keyed by (series, timestamp): writing the same key again
//    is idempotent, and a different value for an existing key replaces it
//    (last write wins, in Write() call order), so a replayed batch is
//    stored once and queries never show duplicates.
//  * Reads return points sorted by timestamp, one per timestamp.
//
// Thread safety: Write() and UpsertAgent() are called from one writer
// thread only; the read methods may be called concurrently from any
// number of threads, also while a Write() is in progress.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/metric.h"
#include "shared/selector.h"

namespace scout::collector {

struct AgentRecord {
  std::string agent_id;
  std::string hostname;
  std::string version;
  Labels labels;
  std::string incarnation_id;
  int64_t interval_ms = 0;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
};

// One agent's contribution to a write: its id (for last_seen) and series.
struct WriteBatch {
  std::string agent_id;
  int64_t received_ms = 0;
  std::vector<SeriesPoints> series;
};

template <typename T>
struct Limited {
  std::vector<T> items;
  bool truncated = false;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Commits all batches in one transaction (group commit).
  virtual absl::Status Write(const std::vector<const WriteBatch*>& batches) = 0;

  // Inserts or updates the agent's record; first_seen is kept from the
  // existing record.
  virtual absl::Status UpsertAgent(const AgentRecord& agent) = 0;

  // Work that must not delay a Write() for long (moving data into its
  // long-term layout, checkpoints). The writer thread calls it between
  // writes; each call does a bounded slice of work.
  virtual absl::Status Maintain() = 0;

  virtual absl::StatusOr<std::vector<AgentRecord>> ListAgents() const = 0;

  virtual absl::StatusOr<Limited<SeriesKey>> ListSeries(const CompiledSelector& selector,
                                                        size_t limit) const = 0;

  // Raw points with start_ms <= t < end_ms for every matching series.
  virtual absl::StatusOr<Limited<SeriesPoints>> ReadRange(const CompiledSelector& selector,
                                                          int64_t start_ms, int64_t end_ms,
                                                          size_t series_limit) const = 0;

  // The newest point of every matching series.
  virtual absl::StatusOr<Limited<SeriesPoints>> Latest(const CompiledSelector& selector,
                                                       size_t limit) const = 0;
};

}  // namespace scout::collector
