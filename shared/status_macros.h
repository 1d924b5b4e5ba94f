// Two small helpers for absl::Status / absl::StatusOr, which Debian's abseil
// (20220623) does not ship. Use them at module boundaries:
//
//   SCOUT_RETURN_IF_ERROR(storage.Append(batch));
//   SCOUT_ASSIGN_OR_RETURN(auto config, LoadAgentConfig(path));
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SCOUT_STATUS_CONCAT_INNER(a, b) a##b
#define SCOUT_STATUS_CONCAT(a, b) SCOUT_STATUS_CONCAT_INNER(a, b)

#define SCOUT_RETURN_IF_ERROR(expr) \
  SCOUT_RETURN_IF_ERROR_IMPL(SCOUT_STATUS_CONCAT(scout_status_, __LINE__), expr)
#define SCOUT_RETURN_IF_ERROR_IMPL(tmp, expr) \
  do {                                        \
    ::absl::Status tmp = (expr);              \
    if (!tmp.ok()) return tmp;                \
  } while (0)

#define SCOUT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(*tmp)

#define SCOUT_ASSIGN_OR_RETURN(lhs, expr) \
  SCOUT_ASSIGN_OR_RETURN_IMPL(            \
      SCOUT_STATUS_CONCAT(scout_statusor_, __LINE__), lhs, expr)
