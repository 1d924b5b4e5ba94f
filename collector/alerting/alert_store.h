// Where alert states, their history and silences are kept, so a collector
// restart neither re-pages nor forgets a `for` timer. SQLite implementation:
// collector/storage/sqlite_alert_store.h (same database file as the
// samples, tables from schema migration 2).
//
// Thread safety: one engine thread writes; the Alerts gRPC service reads
// (and writes silences) from its own threads. Implementations serialise
// internally.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "collector/alerting/alert.h"

namespace scout::collector::alerting {

class AlertStore {
 public:
  virtual ~AlertStore() = default;

  virtual absl::StatusOr<std::vector<Alert>> LoadAlerts() = 0;
  // One transaction: upserts `changed`, deletes `removed` (fingerprints),
  // appends `transitions`.
  virtual absl::Status Save(const std::vector<Alert>& changed,
                            const std::vector<std::string>& removed,
                            const std::vector<AlertTransition>& transitions) = 0;
  // Transitions with since_ms <= at_ms: the newest `limit` of them, oldest first.
  virtual absl::StatusOr<std::vector<AlertTransition>> History(int64_t since_ms,
                                                               size_t limit) = 0;

  // Adds the silence and, in the same transaction, its history entry
  // (SilenceTransition) naming `principal`.
  virtual absl::Status AddSilence(const Silence& silence, const std::string& principal) = 0;
  // Every silence that has not ended before `since_ms`.
  virtual absl::StatusOr<std::vector<Silence>> Silences(int64_t since_ms) = 0;
  // Sets ends_ms = now_ms and records it in the history with `principal`;
  // NotFound for an unknown id; nothing changes for one already over.
  virtual absl::Status ExpireSilence(const std::string& id, int64_t now_ms,
                                     const std::string& principal) = 0;
};

}  // namespace scout::collector::alerting
