// A generated two-ISO-week dataset with known answers for the report tests
// (and the report benchmark's shape): 3 hosts, 5 probes (one failing 2 % of
// the time, one slow, one third-party API, one TCP), a PostgreSQL target
// with a lock incident, a counter reset and slow statements, SceneScout
// ingestion series derived from a per-minute event model (one source goes
// silent for 3.5 h), process groups (one growing), and alert transitions.
//
// Every series is sampled once a minute on the minute (as the agent aligns
// its cycles). The per-minute model is exposed so the tests can compute
// the expected figures from first principles, not from the report code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "collector/alerting/alert.h"
#include "collector/alerting/alert_store.h"
#include "collector/storage/sqlite_storage.h"
#include "shared/metric.h"

namespace scout::testing {

inline constexpr int64_t kMinute = 60'000;

// Minute k stands for the events stamped in (k-1 min, k min]: a "last
// hour" gauge sampled at t = k min counts minutes k-59..k.
struct IngestionModel {
  static const std::vector<std::string>& Sources();  // ticketmaster, eventbrite, songkick
  static double Events(const std::string& source, int64_t minute);
  static double Requests(const std::string& source, int64_t minute);
  static double ResponseSeconds(const std::string& source, int64_t minute);  // mean of the minute
  static double Successes(const std::string& source, int64_t minute);
  // (source, error_type) pairs and their errors in a minute.
  static const std::vector<std::pair<std::string, std::string>>& ErrorKinds();
  static double Errors(const std::string& source, const std::string& type, int64_t minute);
};

struct Fixture {
  int64_t start_ms = 0, end_ms = 0;  // samples at every minute in [start, end)
  std::vector<SeriesPoints> series;
  std::vector<collector::alerting::AlertTransition> transitions;

  // The series with this metric and these labels (a subset), or null.
  const SeriesPoints* Find(const std::string& metric,
                           const std::vector<std::pair<std::string, std::string>>& labels) const;
  std::vector<const SeriesPoints*> All(const std::string& metric) const;
};

// `lock_day_start_ms`: local midnight of the day that gets the lock incident,
// the songkick silence, the pool usage spike and the extra alert.
Fixture GenerateFixture(int64_t start_ms, int64_t end_ms, int64_t lock_day_start_ms);

// Writes the fixture: one commit per day (a day of group commits), every
// day but the last moved to chunks and the last left in memory (the head),
// so reads combine both; then the alert transitions.
absl::Status WriteFixture(const Fixture& fixture, collector::SqliteStorage& storage,
                          collector::alerting::AlertStore& alerts);

}  // namespace scout::testing
