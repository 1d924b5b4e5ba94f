// Checks an incoming Batch and converts it to the domain WriteBatch.
//
// A batch is all-or-nothing: the first invalid series or point rejects the
// whole batch with INVALID_ARGUMENT and a reason naming it, and nothing of
// it is stored. Rules: metric and label names follow Prometheus syntax,
// label names are unique within a series and do not start with "__",
// label values have no NUL byte, timestamps are after 2000-01-01, values
// are finite (NaN and +-Inf break every aggregate downstream).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "collector/storage/storage.h"
#include "scout/v1/ingest.pb.h"

namespace scout::collector {

absl::StatusOr<WriteBatch> ValidateBatch(const v1::Batch& batch, const std::string& agent_id,
                                         int64_t received_ms);

// Checks agent_id and hostname of a Hello.
absl::Status ValidateHello(const v1::Hello& hello);

}  // namespace scout::collector
