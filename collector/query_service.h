// QueryService: the read-side gRPC API (sync handlers on gRPC's pool).
// Converts requests to domain types, asks Storage, aggregates with
// aggregation.h, converts back. Holds no state of its own.
//
// Limits (query_limits.h, docs/limits.md): QueryRange, Latest and
// ListSeries each take a QueryGate ticket first (RESOURCE_EXHAUSTED at
// once beyond query.max_concurrent), run under the shorter of the client's
// deadline and query.timeout, read at most query.max_samples samples and
// return at most query.max_series series (`truncated` when capped).
#pragma once

#include "collector/agent_tracker.h"
#include "collector/auth/authorizer.h"
#include "collector/query_limits.h"
#include "collector/storage/storage.h"
#include "scout/v1/query.grpc.pb.h"
#include "shared/clock.h"

namespace scout::collector {

class QueryService final : public v1::Query::Service {
 public:
  // Every handler first asks `authorizer` for Permission::kQuery.
  QueryService(const Storage& storage, const AgentTracker& tracker, auth::Authorizer& authorizer,
               QueryGate& gate, const Clock& clock)
      : storage_(storage), tracker_(tracker), authorizer_(authorizer), gate_(gate), clock_(clock) {}

  grpc::Status ListAgents(grpc::ServerContext*, const v1::ListAgentsRequest*,
                          v1::ListAgentsResponse*) override;
  grpc::Status ListSeries(grpc::ServerContext*, const v1::ListSeriesRequest*,
                          v1::ListSeriesResponse*) override;
  grpc::Status QueryRange(grpc::ServerContext*, const v1::QueryRangeRequest*,
                          v1::QueryRangeResponse*) override;
  grpc::Status Latest(grpc::ServerContext*, const v1::LatestRequest*,
                      v1::LatestResponse*) override;
  grpc::Status StorageStats(grpc::ServerContext*, const v1::StorageStatsRequest*,
                            v1::StorageStatsResponse*) override;

 private:
  const Storage& storage_;
  const AgentTracker& tracker_;
  auth::Authorizer& authorizer_;
  QueryGate& gate_;
  const Clock& clock_;
};

// An agent is up while connected, or for three intervals (at least 30 s)
// after its last sample.
bool AgentIsUp(bool connected, int64_t last_seen_ms, int64_t interval_ms, int64_t now_ms);

}  // namespace scout::collector
