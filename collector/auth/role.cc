#include "collector/auth/role.h"

#include "absl/strings/str_cat.h"

namespace scout::collector::auth {

bool RoleAllows(Role role, Permission permission) {
  switch (permission) {
    case Permission::kIngest:
      return role == Role::kAgent || role == Role::kAdmin;
    case Permission::kQuery:
    case Permission::kAlertsRead:
    case Permission::kReportsRead:
      return role == Role::kReader || role == Role::kOperator || role == Role::kAdmin;
    case Permission::kSilencesWrite:
    case Permission::kReportsGenerate:
      return role == Role::kOperator || role == Role::kAdmin;
  }
  return false;
}

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAgent: return "agent";
    case Role::kReader: return "reader";
    case Role::kOperator: return "operator";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role r : {Role::kAgent, Role::kReader, Role::kOperator, Role::kAdmin}) {
    if (RoleName(r) == name) return r;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role \"", name, "\" (agent, reader, operator or admin)"));
}

absl::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kIngest: return "ingest";
    case Permission::kQuery: return "query";
    case Permission::kAlertsRead: return "read alerts";
    case Permission::kSilencesWrite: return "change silences";
    case Permission::kReportsRead: return "read reports";
    case Permission::kReportsGenerate: return "generate reports";
  }
  return "?";
}

}  // namespace scout::collector::auth
