// Checks an incoming Batch point by point and converts what is valid into
// the domain WriteBatch (partial success).
//
// Rules: metric and label names follow Prometheus syntax, label names are
// unique within a series and do not start with "__", label values have no
// NUL byte and are at most 4 KiB (a bad name or label rejects the whole
// series); timestamps are after 2000-01-01 and at most `max_future_ms`
// ahead of the collector's clock; values are finite (NaN and +-Inf break
// every aggregate downstream). Each invalid point is counted under its
// reason and never stored; valid points of the same batch are stored.
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

struct Rejections {
  struct Group {
    uint32_t points = 0;
    std::string example;  // first offender: series and detail
  };
  // Indexed by v1::RejectReason.
  std::array<Group, v1::RejectReason_ARRAYSIZE> by_reason;
  uint32_t total() const;
  // "3 points with NON_FINITE_VALUE (e.g. ...); 1 point with ..."
  std::string Summary() const;
};

struct ValidatedBatch {
  WriteBatch batch;  // only valid series and points
  uint32_t points = 0;
  Rejections rejections;
};

ValidatedBatch ValidateBatch(const v1::Batch& batch, const std::string& agent_id,
                             int64_t received_ms, int64_t max_future_ms, bool bind_host = false);

// Checks agent_id of a Hello.
absl::Status ValidateHello(const v1::Hello& hello);

}  // namespace scout::collector
