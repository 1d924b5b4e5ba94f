// ReportsService: the Reports gRPC API (sync handlers on gRPC's pool).
// Generate builds a report on demand through the same code as the
// scheduler; List/Get serve the reports directory.
//
// Generate is bounded (issue 16): the time zone is checked before anything
// is loaded (reports/time_zone_names.h); at most `max_concurrent`
// generations run at once, the next is refused RESOURCE_EXHAUSTED at once
// (a report reads a day or a week of raw points: queueing them would only
// pile up memory); each runs under a deadline, the client's, capped at
// kMaxGenerateTime, checked before every read (reports/deadline_source.h)
// → DEADLINE_EXCEEDED.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/auth/authorizer.h"
#include "collector/report_archive.h"
#include "collector/reports/report_source.h"
#include "scout/v1/reports.grpc.pb.h"
#include "shared/clock.h"
#include "shared/metric.h"

namespace scout::collector {

// At most `limit` holders at once; TryEnter never waits. A stand-in for
// the collector-wide query gate (query.max_concurrent, QueryGate in
// collector/query_limits.h, which counts Reports.Generate with the
// queries): switching is replacing this member and its two calls.
class GenerationGate {
 public:
  explicit GenerationGate(int limit) : limit_(limit) {}
  // True: a slot was taken; the caller must Leave().
  bool TryEnter();
  void Leave();
  int limit() const { return limit_; }

 private:
  const int limit_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

struct ReportsServiceStats {
  uint64_t generated_total = 0;
  uint64_t refused_concurrency_total = 0;  // RESOURCE_EXHAUSTED: all slots taken
  uint64_t refused_deadline_total = 0;     // DEADLINE_EXCEEDED / CANCELLED mid-way
  uint64_t refused_timezone_total = 0;     // INVALID_ARGUMENT: not an IANA zone
};

class ReportsService final : public v1::Reports::Service {
 public:
  // The longest a generation may run, whatever the client's deadline.
  static constexpr std::chrono::seconds kMaxGenerateTime{60};
  // Generations at once: one, as the scheduler's writes are one at a time
  // too; a report is a batch job, not an interactive query.
  static constexpr int kMaxConcurrentGenerations = 1;

  ReportsService(reports::ReportSource& source, std::string reports_dir, std::string zone,
                 auth::Authorizer& authorizer, const Clock& clock,
                 int max_concurrent = kMaxConcurrentGenerations,
                 std::chrono::milliseconds max_time = kMaxGenerateTime)
      : source_(source), archive_(std::move(reports_dir)), timezone_(std::move(zone)),
        authorizer_(authorizer), clock_(clock), gate_(max_concurrent), max_time_(max_time) {}

  ReportsServiceStats Stats() const;
  // scout_collector_reports_refused_total{reason="concurrency|deadline|timezone"}
  // and scout_collector_reports_generated_total, for SelfMetrics.
  std::vector<SeriesPoints> MetricSeries(const std::string& host, int64_t now_ms) const;

  grpc::Status Generate(grpc::ServerContext*, const v1::GenerateReportRequest*,
                        v1::GenerateReportResponse*) override;
  grpc::Status List(grpc::ServerContext*, const v1::ListReportsRequest*,
                    v1::ListReportsResponse*) override;
  grpc::Status Get(grpc::ServerContext*, const v1::GetReportRequest*,
                   v1::GetReportResponse*) override;

 private:
  reports::ReportSource& source_;
  const ReportArchive archive_;
  const std::string timezone_;
  auth::Authorizer& authorizer_;
  const Clock& clock_;
  GenerationGate gate_;
  const std::chrono::milliseconds max_time_;
  std::atomic<uint64_t> generated_{0}, refused_concurrency_{0}, refused_deadline_{0},
      refused_timezone_{0};
};

}  // namespace scout::collector
