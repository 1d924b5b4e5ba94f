// DeadlineReportSource: a ReportSource that refuses every read once a
// deadline has passed or the caller gave up, so a report generation stops
// at the next read instead of running to the end for nobody.
//
// Why a decorator: the report builders read only through ReportSource, so
// bounding the source bounds every section without touching them. A read
// already running is not interrupted (Storage reads have no cancellation
// yet); the bound is "deadline + one read".
//
// `expired` is asked before each read (and by windows made with
// ForWindow); when it returns a non-OK status, that status is returned
// (DEADLINE_EXCEEDED, CANCELLED).
#pragma once

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

class DeadlineReportSource final : public ReportSource {
 public:
  using Check = std::function<absl::Status()>;

  // `inner` and `expired` must outlive this source.
  DeadlineReportSource(ReportSource& inner, const Check& expired)
      : inner_(inner), expired_(expired) {}

  absl::StatusOr<std::vector<SeriesPoints>> Range(const std::string& selector, int64_t start_ms,
                                                  int64_t end_ms, int64_t step_ms,
                                                  Aggregation agg) override;
  absl::StatusOr<std::vector<SeriesPoints>> Summarize(const std::string& selector,
                                                      int64_t start_ms, int64_t end_ms,
                                                      Aggregation agg) override;
  absl::StatusOr<std::vector<SeriesPoints>> SampleAt(const std::string& selector,
                                                     const std::vector<int64_t>& at_ms,
                                                     int64_t lookback_ms) override;
  absl::StatusOr<std::vector<SeriesPoints>> Latest(const std::string& selector, int64_t at_ms,
                                                   int64_t lookback_ms) override;
  std::unique_ptr<ReportSource> ForWindow(int64_t start_ms, int64_t end_ms) override;
  absl::StatusOr<std::vector<alerting::AlertTransition>> AlertTransitions(
      int64_t start_ms, int64_t end_ms) override;

 private:
  // A window of the inner source, checked the same way.
  class Window;

  ReportSource& inner_;
  const Check& expired_;
};

}  // namespace scout::collector::reports
