// AlertStore on the collector's SQLite file (tables of schema migration 2),
// through its own connection. Label sets are stored in their canonical
// text form {a="x",...}.
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/alerting/alert_store.h"

namespace scout::collector {

class SqliteDb;

class SqliteAlertStore final : public alerting::AlertStore {
 public:
  // `path` must already be migrated (SqliteStorage::Open does that).
  static absl::StatusOr<std::unique_ptr<SqliteAlertStore>> Open(const std::string& path);
  ~SqliteAlertStore() override;

  absl::StatusOr<std::vector<alerting::Alert>> LoadAlerts() override;
  absl::Status Save(const std::vector<alerting::Alert>& changed,
                    const std::vector<std::string>& removed,
                    const std::vector<alerting::AlertTransition>& transitions) override;
  absl::StatusOr<std::vector<alerting::AlertTransition>> History(int64_t since_ms,
                                                                 size_t limit) override;
  absl::Status AddSilence(const alerting::Silence& silence, const std::string& principal) override;
  absl::StatusOr<std::vector<alerting::Silence>> Silences(int64_t since_ms) override;
  absl::Status ExpireSilence(const std::string& id, int64_t now_ms,
                             const std::string& principal) override;

 private:
  explicit SqliteAlertStore(std::unique_ptr<SqliteDb> db);
  absl::Mutex mu_;  // one connection, used by the engine and the service threads
  std::unique_ptr<SqliteDb> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scout::collector
