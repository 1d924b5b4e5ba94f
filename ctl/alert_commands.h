// `sctl alerts [--all]`, `sctl alerts history`, `sctl rules`,
// `sctl silence add|list|expire`: clients of the collector's Alerts service
// (proto/scout/v1/alerts.proto, served by collector/alerts_service.cc).
//
// Error contract as in ctl/commands.h: Plan*/Parse* report usage errors
// (InvalidArgument) before anything is sent; Run* only fail because of the
// RPC. A collector without alerting answers FAILED_PRECONDITION with how to
// enable it; that message is passed through unchanged.
//
// Each Run* is one RPC followed by a pure Render* of the answer, so the
// rendering is tested on fixed data and the RPC against a real collector.
// Notes for humans (nothing to show, truncated history, a failed rules
// reload) go to Output::err; Output::out stays machine-readable with -o
// json/csv.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ctl/commands.h"
#include "scout/v1/alerts.grpc.pb.h"
#include "shared/metric.h"
#include "shared/selector.h"

namespace scout::ctl {

// ---- Silence matchers (usage errors) ----

// One --match item: NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX.
// NAME is a label name ([A-Za-z_][A-Za-z0-9_]*). The value is taken
// literally (quotes and backslashes are escaped when the selector text is
// built), except that one pair of surrounding double quotes is dropped, so
// host="db-1" copied from a selector works too. "=~" always means a regex.
absl::StatusOr<LabelMatcher> ParseMatchArg(const std::string& text);

// The selector text the collector expects, {k="v",k2=~"re"}, from the
// --match items in order. At least one item; regexes are compiled here so
// a bad one is a usage error.
absl::StatusOr<std::string> BuildSilenceMatchers(const std::vector<std::string>& items);

struct SilenceAddArgs {
  std::vector<std::string> match;  // --match, repeatable
  std::string duration;            // --for, e.g. "2h"
  std::string comment;             // --comment, required, not blank
  std::string author;              // --author; empty: $USER
};

// `env_user` is $USER (may be null), used when no --author is given.
absl::StatusOr<v1::AddSilenceRequest> PlanSilenceAdd(const SilenceAddArgs& args,
                                                     const char* env_user);

struct HistoryArgs {
  std::string since = "24h";  // duration before now
  int64_t limit = 0;          // 0: the collector's default (1000)
};

absl::StatusOr<v1::AlertHistoryRequest> PlanAlertHistory(const HistoryArgs& args,
                                                         int64_t now_ms);

// ---- Pure helpers (exposed for tests) ----

// "FIRING", "PENDING", "RESOLVED" ("UNKNOWN" otherwise).
const char* AlertStateText(v1::AlertState state);
// The time an alert's SINCE column counts from: active_since for pending,
// fired for firing, resolved for resolved.
int64_t AlertSinceMs(const v1::Alert& alert);
// Firing before pending before resolved; within a state critical, then
// warning, then other severities; then the longest-standing first (oldest
// since); then alertname and fingerprint, so the order is total.
void SortAlerts(std::vector<v1::Alert>* alerts);
// "host=db-1,mount=/" without alertname and severity; "-" when empty.
std::string CompactLabels(const Labels& labels);

// ---- Rendering (pure) ----

void RenderAlerts(const v1::ListAlertsResponse& response, int64_t now_ms, bool include_resolved,
                  const Output& out);
void RenderAlertHistory(const v1::AlertHistoryResponse& response,
                        const v1::AlertHistoryRequest& request, const Output& out);
void RenderRules(const v1::ListRulesResponse& response, int64_t now_ms, const Output& out);
void RenderSilenceAdded(const v1::AddSilenceResponse& response, int64_t now_ms,
                        const Output& out);
void RenderSilences(const v1::ListSilencesResponse& response, int64_t now_ms, bool all,
                    const Output& out);

// ---- Commands (RPC errors only) ----

absl::Status RunAlerts(v1::Alerts::StubInterface& stub, const Context& ctx, bool include_resolved,
                       const Output& out);
absl::Status RunAlertHistory(v1::Alerts::StubInterface& stub, const Context& ctx,
                             const v1::AlertHistoryRequest& request, const Output& out);
absl::Status RunRules(v1::Alerts::StubInterface& stub, const Context& ctx, const Output& out);
absl::Status RunSilenceAdd(v1::Alerts::StubInterface& stub, const Context& ctx,
                           const v1::AddSilenceRequest& request, const Output& out);
absl::Status RunSilenceList(v1::Alerts::StubInterface& stub, const Context& ctx, bool all,
                            const Output& out);
// NotFound becomes "no silence with id X (see sctl silence list --all)".
absl::Status RunSilenceExpire(v1::Alerts::StubInterface& stub, const Context& ctx,
                              const std::string& id, const Output& out);

}  // namespace scout::ctl
