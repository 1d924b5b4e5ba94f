#include "agent/postgres/postgres_config.h"

#include "shared/status_macros.h"

namespace scout::agent {
namespace {

// The bounds of one target's numeric settings.
absl::Status ReadTargetLimits(ConfigMap& t, PostgresTarget* target) {
  int64_t max_tables = target->max_tables, top = target->top_statements;
  SCOUT_RETURN_IF_ERROR(t.Read("max_tables", &max_tables));
  if (max_tables < 1 || max_tables > 100000) return t.ErrorAt("max_tables", "must be 1..100000");
  SCOUT_RETURN_IF_ERROR(t.Read("top_statements", &top));
  if (top < 0 || top > 1000) return t.ErrorAt("top_statements", "must be 0..1000");
  target->max_tables = static_cast<int>(max_tables);
  target->top_statements = static_cast<int>(top);
  SCOUT_RETURN_IF_ERROR(t.Read("query_text_length", &target->query_text_length));
  if (target->query_text_length < 16 || target->query_text_length > 4000) {
    return t.ErrorAt("query_text_length", "must be 16..4000 bytes");
  }
  return absl::OkStatus();
}

// The durations of one target; interval and statement_timeout were read
// by the caller and are checked here, after the others, as they always were.
absl::Status ReadTargetDurations(ConfigMap& t, PostgresTarget* target) {
  SCOUT_RETURN_IF_ERROR(t.ReadDuration("long_query_threshold", &target->long_query_threshold));
  if (target->long_query_threshold.count() <= 0) {
    return t.ErrorAt("long_query_threshold", "must be positive");
  }
  SCOUT_RETURN_IF_ERROR(t.ReadDuration("size_interval", &target->size_interval));
  if (target->size_interval.count() < 0) return t.ErrorAt("size_interval", "must not be negative");
  if (target->interval.count() <= 0) return t.ErrorAt("interval", "must be positive");
  if (target->statement_timeout.count() <= 0) {
    return t.ErrorAt("statement_timeout", "must be positive");
  }
  return absl::OkStatus();
}

absl::Status ReadTarget(ConfigMap& t, const std::string& config_dir,
                        const std::vector<PostgresTarget>& earlier, PostgresTarget* target) {
  SCOUT_RETURN_IF_ERROR(t.Read("name", &target->name));
  SCOUT_RETURN_IF_ERROR(t.Read("dsn", &target->dsn));
  SCOUT_RETURN_IF_ERROR(t.ReadDuration("interval", &target->interval));
  SCOUT_RETURN_IF_ERROR(t.ReadDuration("statement_timeout", &target->statement_timeout));
  SCOUT_RETURN_IF_ERROR(t.Read("databases", &target->databases));
  SCOUT_RETURN_IF_ERROR(t.Read("allow_superuser", &target->allow_superuser));
  SCOUT_RETURN_IF_ERROR(ReadTargetLimits(t, target));
  SCOUT_RETURN_IF_ERROR(ReadTargetDurations(t, target));
  SCOUT_RETURN_IF_ERROR(ReadCustomQueries(t, config_dir, &target->queries));
  SCOUT_RETURN_IF_ERROR(t.CheckNoUnknownKeys());
  if (target->name.empty()) return t.ErrorAt("name", "every target needs a name");
  // The DSN is never echoed: it may hold a password.
  if (target->dsn.empty()) return t.ErrorAt("dsn", "missing (use ${ENV_VAR} or @file:PATH)");
  for (const PostgresTarget& e : earlier) {
    if (e.name == target->name) return t.ErrorAt("name", "duplicate target name");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadPostgresTargets(ConfigMap& section, const std::string& config_dir,
                                 std::vector<PostgresTarget>* out) {
  SCOUT_ASSIGN_OR_RETURN(auto targets, section.ChildList("targets"));
  for (ConfigMap& t : targets) {
    PostgresTarget target;
    SCOUT_RETURN_IF_ERROR(ReadTarget(t, config_dir, *out, &target));
    out->push_back(std::move(target));
  }
  return section.CheckNoUnknownKeys();
}

}  // namespace scout::agent
