// Checks an incoming Batch point by point and converts what is valid into
// the domain WriteBatch (partial success).
//
// Rules (limits from PointLimits, the `ingest:` config section): a metric
// name is at most max_metric_name_length bytes (NAME_TOO_LONG) and follows
// Prometheus syntax; a series has at most max_labels_per_series labels
// (TOO_MANY_LABELS); label names are at most max_label_name_length bytes
// (NAME_TOO_LONG), follow Prometheus syntax, are unique within a series and
// do not start with "__"; label values have no NUL byte and are at most
// max_label_value_length bytes (INVALID_LABELS). A bad name or label
// rejects every point of the series. Timestamps are after 2000-01-01 and
// not older than max_sample_age_ms (TIMESTAMP_TOO_OLD), at most
// max_future_ms ahead of the collector's clock; values are finite (NaN and
// +-Inf break every aggregate downstream). Each invalid point is counted
// under its reason and never stored; valid points of the same batch are
// stored. Lengths are checked before syntax, so a 10 KiB name is counted
// as too long, not as invalid.
//
// With `bind_host` (the stream's principal is bound to agent ids, see
// collector/auth/principal.h) every series' `host` label is set to the
// Hello agent id, whatever the agent sent: one node cannot write as another.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "collector/storage/storage.h"
#include "scout/v1/ingest.pb.h"

namespace scout::collector {

// Per-point limits. Defaults are the `ingest:` section's.
struct PointLimits {
  int64_t max_future_ms = 10 * 60 * 1000;
  int64_t max_sample_age_ms = 0;  // 0 = no age limit (only the year-2000 floor)
  size_t max_labels_per_series = 40;
  size_t max_label_name_length = 256;
  size_t max_metric_name_length = 256;
  size_t max_label_value_length = 4096;
  // Remote write in: Prometheus's staleness marker (the NaN with bits
  // 0x7ff0000000000002) is stored bit-exact instead of rejected, so a
  // series that ended stays ended for PromQL. Other NaNs and +-Inf are
  // still NON_FINITE_VALUE.
  bool allow_stale_nan = false;
};

struct Rejections {
  struct Group {
    uint32_t points = 0;
    std::string example;  // first offender: series and detail
  };
  // Indexed by v1::RejectReason.
  std::array<Group, v1::RejectReason_ARRAYSIZE> by_reason;
  uint32_t total() const;
  // Counts `points` under `reason`; the first offender becomes the example.
  void Add(v1::RejectReason reason, uint32_t points, const std::string& series,
           const std::string& detail);
  // "3 points with NON_FINITE_VALUE (e.g. ...); 1 point with ..."
  std::string Summary() const;
};

struct ValidatedBatch {
  WriteBatch batch;  // only valid series and points
  uint32_t points = 0;
  Rejections rejections;
};

ValidatedBatch ValidateBatch(const v1::Batch& batch, const std::string& agent_id,
                             int64_t received_ms, const PointLimits& limits,
                             bool bind_host = false);
// The defaults of PointLimits with this max_future_ms.
ValidatedBatch ValidateBatch(const v1::Batch& batch, const std::string& agent_id,
                             int64_t received_ms, int64_t max_future_ms, bool bind_host = false);

// Checks agent_id of a Hello.
absl::Status ValidateHello(const v1::Hello& hello);

}  // namespace scout::collector
