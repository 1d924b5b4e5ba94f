#include "collector/alerts_service.h"

#include <limits>
#include <random>

#include "absl/strings/str_cat.h"
#include "collector/grpc_status.h"
#include "shared/duration.h"
#include "shared/proto_convert.h"
#include "shared/selector.h"

namespace scout::collector {
namespace {

using alerting::AlertState;

grpc::Status NotConfigured() {
  return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                      "alerting is not configured on this collector (set alerting.rules_file "
                      "in its config, e.g. rules/default.yaml)");
}

v1::AlertState StateToProto(AlertState s) {
  switch (s) {
    case AlertState::kPending: return v1::ALERT_PENDING;
    case AlertState::kFiring: return v1::ALERT_FIRING;
    case AlertState::kResolved: return v1::ALERT_RESOLVED;
  }
  return v1::ALERT_STATE_UNSPECIFIED;
}

void SilenceToProto(const alerting::Silence& s, v1::Silence* out) {
  out->set_id(s.id);
  out->set_matchers(s.matchers);
  out->set_starts_ms(s.starts_ms);
  out->set_ends_ms(s.ends_ms);
  out->set_comment(s.comment);
  out->set_created_by(s.created_by);
  out->set_created_ms(s.created_ms);
}

// a + b for b > 0, clamped at the largest time instead of overflowing.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

std::string NewSilenceId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

grpc::Status AlertsService::ListAlerts(grpc::ServerContext* context, const v1::ListAlertsRequest* req,
                                       v1::ListAlertsResponse* resp) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kAlertsRead);
  if (!allowed.ok()) return ToGrpc(allowed);
  if (engine_ == nullptr) return NotConfigured();
  for (const alerting::AlertView& v : engine_->Alerts()) {
    const alerting::Alert& a = v.alert;
    if (a.state == AlertState::kResolved && !req->include_resolved()) continue;
    v1::Alert* out = resp->add_alerts();
    out->set_fingerprint(a.fingerprint);
    out->set_rule(a.rule);
    LabelsToProto(a.labels, out->mutable_labels());
    LabelsToProto(a.annotations, out->mutable_annotations());
    out->set_state(StateToProto(a.state));
    out->set_active_since_ms(a.active_since_ms);
    out->set_fired_ms(a.fired_ms);
    out->set_resolved_ms(a.resolved_ms);
    out->set_value(a.value);
    out->set_silenced(v.silenced);
    out->set_last_sent_ms(a.last_sent_ms);
  }
  return grpc::Status::OK;
}

grpc::Status AlertsService::History(grpc::ServerContext* context, const v1::AlertHistoryRequest* req,
                                    v1::AlertHistoryResponse* resp) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kAlertsRead);
  if (!allowed.ok()) return ToGrpc(allowed);
  if (store_ == nullptr) return NotConfigured();
  const size_t limit = req->limit() == 0 ? 1000 : req->limit();
  auto history = store_->History(req->since_ms(), limit + 1);
  if (!history.ok()) return ToGrpc(history.status());
  resp->set_truncated(history->size() > limit);
  if (history->size() > limit) history->resize(limit);
  for (const alerting::AlertTransition& t : *history) {
    v1::AlertTransition* out = resp->add_transitions();
    out->set_at_ms(t.at_ms);
    out->set_fingerprint(t.fingerprint);
    out->set_rule(t.rule);
    LabelsToProto(t.labels, out->mutable_labels());
    out->set_from_state(t.from);
    out->set_to_state(t.to);
    out->set_value(t.value);
  }
  return grpc::Status::OK;
}

grpc::Status AlertsService::ListRules(grpc::ServerContext* context, const v1::ListRulesRequest*,
                                      v1::ListRulesResponse* resp) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kAlertsRead);
  if (!allowed.ok()) return ToGrpc(allowed);
  if (engine_ == nullptr) return NotConfigured();
  for (const alerting::RuleStatus& r : engine_->Rules()) {
    v1::RuleInfo* out = resp->add_rules();
    out->set_name(r.name);
    out->set_expr(r.expr);
    out->set_for_ms(r.for_duration.count());
    LabelsToProto(r.labels, out->mutable_labels());
    out->set_where(r.where);
    out->set_last_error(r.last_error);
    out->set_last_evaluation_ms(r.last_evaluation_ms);
    out->set_last_duration_seconds(r.last_duration_seconds);
    out->set_pending(static_cast<uint32_t>(r.pending));
    out->set_firing(static_cast<uint32_t>(r.firing));
  }
  const alerting::EngineStats stats = engine_->Stats();
  resp->set_rules_file(rules_file_);
  resp->set_rules_file_ok(stats.rules_file_ok);
  resp->set_rules_file_error(stats.rules_file_error);
  resp->set_loaded_ms(stats.rules_loaded_ms);
  return grpc::Status::OK;
}

grpc::Status AlertsService::AddSilence(grpc::ServerContext* context, const v1::AddSilenceRequest* req,
                                       v1::AddSilenceResponse* resp) {
  absl::StatusOr<auth::Principal> principal =
      authorizer_.Authorize(*context, auth::Permission::kSilencesWrite);
  if (!principal.ok()) return ToGrpc(principal.status());
  if (store_ == nullptr || engine_ == nullptr) return NotConfigured();
  absl::StatusOr<Selector> selector = ParseSelector(req->matchers());
  if (!selector.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("matchers: ", selector.status().message()));
  }
  if (!selector->metric.empty() || selector->matchers.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "matchers: give label matchers only, e.g. {host=\"db-1\"}");
  }
  absl::StatusOr<CompiledSelector> compiled = CompiledSelector::Compile(*selector);
  if (!compiled.ok()) return ToGrpc(compiled.status());
  if (compiled->Matches({"", {}})) {  // as Alertmanager: refuse a silence on everything
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "matchers: at least one must not match an empty label value "
                        "(this silence would mute every alert)");
  }
  if (req->duration_ms() <= 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "duration must be positive");
  }
  if (req->duration_ms() > max_silence_.count()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("duration is over the collector's max_silence_duration (",
                                     FormatDuration(max_silence_), ")"));
  }
  if (req->comment().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "a comment is required (why is this silenced?)");
  }
  alerting::Silence s;
  s.id = NewSilenceId();
  s.matchers = FormatSelector(*selector);
  s.created_ms = s.starts_ms = clock_.NowMs();
  s.ends_ms = SaturatingAdd(s.starts_ms, req->duration_ms());
  s.comment = req->comment();
  // Who did it is what authentication says, not what the client claims.
  s.created_by = authorizer_.enabled() ? principal->name : req->created_by();
  if (absl::Status st = store_->AddSilence(s, s.created_by); !st.ok()) return ToGrpc(st);
  uint32_t matching = 0;
  for (const alerting::AlertView& v : engine_->Alerts()) {
    if (v.alert.state != AlertState::kResolved && compiled->Matches({"", v.alert.labels})) ++matching;
  }
  SilenceToProto(s, resp->mutable_silence());
  resp->set_matching_alerts(matching);
  return grpc::Status::OK;
}

grpc::Status AlertsService::ListSilences(grpc::ServerContext* context, const v1::ListSilencesRequest* req,
                                         v1::ListSilencesResponse* resp) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kAlertsRead);
  if (!allowed.ok()) return ToGrpc(allowed);
  if (store_ == nullptr) return NotConfigured();
  const int64_t since = req->include_expired() ? 0 : clock_.NowMs();
  auto silences = store_->Silences(since);
  if (!silences.ok()) return ToGrpc(silences.status());
  for (const alerting::Silence& s : *silences) SilenceToProto(s, resp->add_silences());
  return grpc::Status::OK;
}

grpc::Status AlertsService::ExpireSilence(grpc::ServerContext* context, const v1::ExpireSilenceRequest* req,
                                          v1::ExpireSilenceResponse*) {
  absl::StatusOr<auth::Principal> principal =
      authorizer_.Authorize(*context, auth::Permission::kSilencesWrite);
  if (!principal.ok()) return ToGrpc(principal.status());
  if (store_ == nullptr) return NotConfigured();
  return ToGrpc(store_->ExpireSilence(req->id(), clock_.NowMs(), principal->name));
}

}  // namespace scout::collector
