#include "collector/ingest_pipeline.h"

#include "absl/strings/ascii.h"

namespace scout::collector {

IngestPipeline::IngestPipeline(WriteQueue& writes, const Storage& storage, const Clock& clock,
                               SeriesLimits series)
    : writes_(writes), limiter_(storage, clock, series) {}

IngestPipeline::Prepared IngestPipeline::Prepare(const v1::Batch& batch,
                                                 const std::string& agent_id,
                                                 int64_t received_ms, const PointLimits& limits,
                                                 bool bind_host) {
  ValidatedBatch v = ValidateBatch(batch, agent_id, received_ms, limits, bind_host);
  // Series limits last: only series that are valid count against them.
  SeriesLimiter::Admission admitted = limiter_.Admit(agent_id, &v.batch);
  if (admitted.rejected_points > 0) {
    Rejections::Group& g = v.rejections.by_reason[v1::SERIES_LIMIT];
    if (g.points == 0) g.example = admitted.example;
    g.points += admitted.rejected_points;
    v.points -= admitted.rejected_points;
  }
  if (v.rejections.total() > 0) CountRejections(agent_id, v.rejections);
  Prepared p;
  p.points = v.points;
  p.rejections = std::move(v.rejections);
  p.series_limited = admitted.rejected_points;
  p.new_series = admitted.new_series;
  if (p.points == 0) {
    limiter_.Released(admitted.new_series);  // nothing will be written
    p.new_series = 0;
  } else {
    p.batch = std::move(v.batch);
  }
  return p;
}

void IngestPipeline::Submit(Prepared prepared, WriteQueue::Done done) {
  const int64_t new_series = prepared.new_series;
  writes_.Submit(
      std::move(prepared.batch),
      [this, new_series, done = std::move(done)](const absl::Status& status) {
        // Committed (now in storage's index) or failed: no longer pending.
        limiter_.Released(new_series);
        done(status);
      },
      static_cast<size_t>(new_series));
}

void IngestPipeline::CountRejections(const std::string& agent_id, const Rejections& rejections) {
  absl::MutexLock lock(&rejected_mu_);
  // Agent ids come from clients: name at most kMaxRejectedAgents of them.
  std::string agent = agent_id;
  if (!rejected_agents_.count(agent)) {
    if (rejected_agents_.size() < kMaxRejectedAgents) {
      rejected_agents_.insert(agent);
    } else {
      agent = "_other";
    }
  }
  for (int r = 0; r < v1::RejectReason_ARRAYSIZE; ++r) {
    const uint32_t points = rejections.by_reason[static_cast<size_t>(r)].points;
    if (points > 0) rejected_[{agent, r}] += points;
  }
}

std::vector<RejectedCount> IngestPipeline::RejectedByAgent() const {
  std::vector<RejectedCount> out;
  absl::MutexLock lock(&rejected_mu_);
  out.reserve(rejected_.size());
  for (const auto& [key, points] : rejected_) {
    out.push_back({key.first,
                   absl::AsciiStrToLower(
                       v1::RejectReason_Name(static_cast<v1::RejectReason>(key.second))),
                   points});
  }
  return out;
}

}  // namespace scout::collector
