// Roles and what each may do: THE permission table of the collector
// (docs/security.md, "Identities and roles"). Every gRPC handler asks the
// Authorizer for one Permission; this file alone decides which roles hold it.
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace scout::collector::auth {

// Least privilege: agent < reader < operator < admin, except that only
// agent and admin may ingest.
enum class Role { kAgent, kReader, kOperator, kAdmin };

// One per group of gRPC methods with the same rule.
enum class Permission {
  kIngest,           // Ingest.Stream
  kQuery,            // Query.* (ListAgents, ListSeries, QueryRange, Latest, StorageStats)
  kAlertsRead,       // Alerts.ListAlerts, History, ListRules, ListSilences
  kSilencesWrite,    // Alerts.AddSilence, ExpireSilence
  kReportsRead,      // Reports.List, Get
  kReportsGenerate,  // Reports.Generate
};

bool RoleAllows(Role role, Permission permission);

// "agent", "reader", "operator", "admin".
absl::string_view RoleName(Role role);
absl::StatusOr<Role> ParseRole(absl::string_view name);
// For error messages: "ingest", "query", ...
absl::string_view PermissionName(Permission permission);

}  // namespace scout::collector::auth
