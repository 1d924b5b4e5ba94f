// Who is calling: a principal named in the tokens file or by a certificate
// mapping, with its role and (agent role only) the agent ids it may use.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "collector/auth/role.h"
#include "shared/yaml_config.h"

namespace scout::collector::auth {

struct Principal {
  std::string name;
  Role role = Role::kAdmin;
  // Globs ('*' wildcard, fnmatch) on the Hello agent id; agent role only.
  std::vector<std::string> agent_ids;
};

// The principal of every call while authentication is off.
Principal AnonymousAdmin();

// Whether a Hello for `agent_id` is allowed: any id for admin, a matching
// agent_ids glob for the agent role. (Other roles may not ingest at all.)
bool MayUseAgentId(const Principal& principal, const std::string& agent_id);

// fnmatch(pattern, text) without flags: '*' also matches '/' and '.'.
bool GlobMatch(const std::string& pattern, const std::string& text);

// Reads `principal`, `role` and `agent_ids` of a tokens-file entry or a
// certificate mapping, and checks them: agent_ids required for the agent
// role and refused for the others. Errors name file:line:key.
absl::Status ReadPrincipal(ConfigMap& map, Principal* out);

}  // namespace scout::collector::auth
