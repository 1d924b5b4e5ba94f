#include "collector/auth/principal.h"

#include <fnmatch.h>

#include "shared/status_macros.h"

namespace scout::collector::auth {

Principal AnonymousAdmin() { return Principal{"anonymous", Role::kAdmin, {}}; }

bool GlobMatch(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

bool MayUseAgentId(const Principal& principal, const std::string& agent_id) {
  if (principal.role == Role::kAdmin) return true;
  if (principal.role != Role::kAgent) return false;
  for (const std::string& pattern : principal.agent_ids) {
    if (GlobMatch(pattern, agent_id)) return true;
  }
  return false;
}

absl::Status ReadPrincipal(ConfigMap& map, Principal* out) {
  SCOUT_RETURN_IF_ERROR(map.Read("principal", &out->name));
  if (out->name.empty()) return map.ErrorAt("principal", "missing (a name for logs and audit)");
  std::string role;
  SCOUT_RETURN_IF_ERROR(map.Read("role", &role));
  if (role.empty()) return map.ErrorAt("role", "missing (agent, reader, operator or admin)");
  absl::StatusOr<Role> parsed = ParseRole(role);
  if (!parsed.ok()) return map.ErrorAt("role", std::string(parsed.status().message()));
  out->role = *parsed;
  SCOUT_RETURN_IF_ERROR(map.Read("agent_ids", &out->agent_ids));
  if (out->role == Role::kAgent && out->agent_ids.empty()) {
    return map.ErrorAt("agent_ids",
                       "required for role agent: the Hello agent ids it may use, e.g. [\"node-*\"]");
  }
  if (out->role != Role::kAgent && !out->agent_ids.empty()) {
    return map.ErrorAt("agent_ids", "only for role agent");
  }
  for (const std::string& id : out->agent_ids) {
    if (id.empty()) return map.ErrorAt("agent_ids", "empty pattern");
  }
  return absl::OkStatus();
}

}  // namespace scout::collector::auth
