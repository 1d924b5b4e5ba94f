#include "collector/query_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "collector/grpc_status.h"
#include "collector/aggregation.h"
#include "collector/range_query.h"
#include "shared/proto_convert.h"

namespace scout::collector {
namespace {

constexpr size_t kDefaultSeriesLimit = 10'000;
constexpr size_t kDefaultRangeSeriesLimit = 1'000;
constexpr int64_t kMaxBucketsPerSeries = 11'000;
constexpr int64_t kDefaultStaleAfterMs = 15 * 60 * 1000;

absl::StatusOr<CompiledSelector> Compile(const v1::Selector& proto) {
  auto selector = SelectorFromProto(proto);
  if (!selector.ok()) return selector.status();
  return CompiledSelector::Compile(*selector);
}

Aggregation FromProto(v1::Aggregation a) {
  switch (a) {
    case v1::MIN: return Aggregation::kMin;
    case v1::MAX: return Aggregation::kMax;
    case v1::SUM: return Aggregation::kSum;
    case v1::COUNT: return Aggregation::kCount;
    case v1::LAST: return Aggregation::kLast;
    case v1::RATE: return Aggregation::kRate;
    case v1::P50: return Aggregation::kP50;
    case v1::P95: return Aggregation::kP95;
    case v1::P99: return Aggregation::kP99;
    default: return Aggregation::kAvg;
  }
}

// A gate ticket under the client's deadline (none: query.timeout alone).
absl::StatusOr<QueryGate::Ticket> Enter(QueryGate& gate, const grpc::ServerContext& context) {
  const auto client = context.deadline();
  const absl::Time deadline = client == std::chrono::system_clock::time_point::max()
                                  ? absl::InfiniteFuture()
                                  : absl::FromChrono(client);
  return gate.TryEnter(deadline);
}

}  // namespace

bool AgentIsUp(bool connected, int64_t last_seen_ms, int64_t interval_ms, int64_t now_ms) {
  if (connected) return true;
  const int64_t grace = std::max<int64_t>(3 * interval_ms, 30'000);
  return now_ms - last_seen_ms <= grace;
}

grpc::Status QueryService::ListAgents(grpc::ServerContext* context, const v1::ListAgentsRequest*,
                                      v1::ListAgentsResponse* response) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kQuery);
  if (!allowed.ok()) return ToGrpc(allowed);
  auto agents = storage_.ListAgents();
  if (!agents.ok()) return ToGrpc(agents.status());
  const int64_t now = clock_.NowMs();
  for (const AgentRecord& a : *agents) {
    v1::AgentInfo* info = response->add_agents();
    info->set_agent_id(a.agent_id);
    info->set_hostname(a.hostname);
    info->set_version(a.version);
    LabelsToProto(a.labels, info->mutable_labels());
    info->set_incarnation_id(a.incarnation_id);
    info->set_first_seen_ms(a.first_seen_ms);
    info->set_last_seen_ms(a.last_seen_ms);
    const std::string peer = tracker_.Peer(a.agent_id);
    info->set_connected(!peer.empty());
    info->set_peer(peer);
    info->set_up(AgentIsUp(!peer.empty(), a.last_seen_ms, a.interval_ms, now));
    info->set_clock_skew_ms(tracker_.ClockSkew(a.agent_id));
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::ListSeries(grpc::ServerContext* context, const v1::ListSeriesRequest* request,
                                      v1::ListSeriesResponse* response) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kQuery);
  if (!allowed.ok()) return ToGrpc(allowed);
  auto selector = Compile(request->selector());
  if (!selector.ok()) return ToGrpc(selector.status());
  auto ticket = Enter(gate_, *context);
  if (!ticket.ok()) return ToGrpc(ticket.status());
  const size_t limit = ticket->SeriesLimit(request->limit(), kDefaultSeriesLimit);
  auto series = storage_.ListSeries(*selector, limit);
  if (!series.ok()) return ToGrpc(ticket->Done(series.status()));
  for (const SeriesKey& key : series->items) {
    v1::SeriesInfo* info = response->add_series();
    info->set_metric(key.metric);
    LabelsToProto(key.labels, info->mutable_labels());
  }
  response->set_truncated(series->truncated);
  return grpc::Status::OK;
}

grpc::Status QueryService::QueryRange(grpc::ServerContext* context, const v1::QueryRangeRequest* request,
                                      v1::QueryRangeResponse* response) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kQuery);
  if (!allowed.ok()) return ToGrpc(allowed);
  const int64_t start = request->start_ms();
  const int64_t end = request->end_ms();
  if (end <= start) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "end_ms must be after start_ms");
  }
  int64_t step = request->step_ms();
  if (step <= 0) step = std::max<int64_t>(1000, (end - start + 249) / 250);
  if ((end - start) / step > kMaxBucketsPerSeries) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("step too small: more than ", kMaxBucketsPerSeries,
                                     " buckets per series; use a larger step"));
  }
  auto selector = Compile(request->selector());
  if (!selector.ok()) return ToGrpc(selector.status());
  auto ticket = Enter(gate_, *context);
  if (!ticket.ok()) return ToGrpc(ticket.status());
  const size_t limit = ticket->SeriesLimit(request->series_limit(), kDefaultRangeSeriesLimit);
  // Raw or rollups, whichever tier fits the range and step (range_query.h).
  auto data = QueryAggregated(storage_, *selector, start, end, step,
                              FromProto(request->aggregation()), limit, ticket->budget());
  if (!data.ok()) return ToGrpc(ticket->Done(data.status()));
  for (const SeriesPoints& series : data->items) SeriesPointsToProto(series, response->add_series());
  response->set_truncated(data->truncated);
  return grpc::Status::OK;
}

grpc::Status QueryService::Latest(grpc::ServerContext* context, const v1::LatestRequest* request,
                                  v1::LatestResponse* response) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kQuery);
  if (!allowed.ok()) return ToGrpc(allowed);
  auto selector = Compile(request->selector());
  if (!selector.ok()) return ToGrpc(selector.status());
  auto ticket = Enter(gate_, *context);
  if (!ticket.ok()) return ToGrpc(ticket.status());
  const size_t limit = ticket->SeriesLimit(request->limit(), kDefaultSeriesLimit);
  auto latest = storage_.Latest(*selector, limit);
  if (!latest.ok()) return ToGrpc(ticket->Done(latest.status()));
  const int64_t max_age = request->max_age_ms() == 0 ? kDefaultStaleAfterMs : request->max_age_ms();
  const int64_t now = clock_.NowMs();
  for (const SeriesPoints& s : latest->items) {
    if (max_age > 0 && now - s.points.back().timestamp_ms > max_age) continue;
    SeriesPointsToProto(s, response->add_series());
  }
  response->set_truncated(latest->truncated);
  return grpc::Status::OK;
}

grpc::Status QueryService::StorageStats(grpc::ServerContext* context, const v1::StorageStatsRequest*,
                                        v1::StorageStatsResponse* response) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kQuery);
  if (!allowed.ok()) return ToGrpc(allowed);
  auto stats = storage_.Stats();
  if (!stats.ok()) return ToGrpc(stats.status());
  for (const TierStats& t : stats->tiers) {
    v1::StorageTier* tier = response->add_tiers();
    tier->set_tier(t.tier);
    tier->set_rows(t.rows);
    tier->set_points(t.points);
    tier->set_oldest_ms(t.oldest_ms);
    tier->set_newest_ms(t.newest_ms);
    tier->set_bytes(t.bytes);
    tier->set_retention_ms(t.retention_ms);
  }
  response->set_series(stats->series);
  response->set_file_bytes(stats->file_bytes);
  response->set_free_bytes(stats->free_bytes);
  return grpc::Status::OK;
}

}  // namespace scout::collector
