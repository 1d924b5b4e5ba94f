// AlertsService: the Alerts gRPC API (sync handlers on gRPC's pool) over
// the alert engine (live states, rules) and the alert store (history,
// silences). Without alerting configured every call answers
// FAILED_PRECONDITION with how to enable it.
//
// Silences (docs/security.md, "Silences and audit"): created_by is the
// authenticated principal (the client's value only with auth off), the
// duration is capped by max_silence_duration, and each add and expire is
// written to the alert history with its principal.
#pragma once

#include "collector/alerting/alert_engine.h"
#include "collector/alerting/alert_store.h"
#include "collector/auth/authorizer.h"
#include "scout/v1/alerts.grpc.pb.h"
#include "shared/clock.h"

namespace scout::collector {

class AlertsService final : public v1::Alerts::Service {
 public:
  // `engine` and `store` may be null (alerting off).
  AlertsService(alerting::AlertEngine* engine, alerting::AlertStore* store, std::string rules_file,
                auth::Authorizer& authorizer, std::chrono::milliseconds max_silence,
                const Clock& clock)
      : engine_(engine), store_(store), rules_file_(std::move(rules_file)),
        authorizer_(authorizer), max_silence_(max_silence), clock_(clock) {}

  grpc::Status ListAlerts(grpc::ServerContext*, const v1::ListAlertsRequest*,
                          v1::ListAlertsResponse*) override;
  grpc::Status History(grpc::ServerContext*, const v1::AlertHistoryRequest*,
                       v1::AlertHistoryResponse*) override;
  grpc::Status ListRules(grpc::ServerContext*, const v1::ListRulesRequest*,
                         v1::ListRulesResponse*) override;
  grpc::Status AddSilence(grpc::ServerContext*, const v1::AddSilenceRequest*,
                          v1::AddSilenceResponse*) override;
  grpc::Status ListSilences(grpc::ServerContext*, const v1::ListSilencesRequest*,
                            v1::ListSilencesResponse*) override;
  grpc::Status ExpireSilence(grpc::ServerContext*, const v1::ExpireSilenceRequest*,
                             v1::ExpireSilenceResponse*) override;

 private:
  alerting::AlertEngine* engine_;
  alerting::AlertStore* store_;
  const std::string rules_file_;
  auth::Authorizer& authorizer_;
  const std::chrono::milliseconds max_silence_;
  const Clock& clock_;
};

}  // namespace scout::collector
