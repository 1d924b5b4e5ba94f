// The one translation of an absl::Status into the grpc::Status a service
// handler returns. absl's codes are gRPC's codes (same numbers), so the
// code is kept and the message passed through unchanged; OK stays OK.
#pragma once

#include <string>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace scout::collector {

inline grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace scout::collector
