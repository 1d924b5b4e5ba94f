#include "collector/reports/deadline_source.h"

#include "shared/status_macros.h"

namespace scout::collector::reports {

// Owns the inner source's window and checks it like its parent.
class DeadlineReportSource::Window final : public ReportSource {
 public:
  Window(std::unique_ptr<ReportSource> window, const Check& expired)
      : window_(std::move(window)), checked_(*window_, expired) {}

  absl::StatusOr<std::vector<SeriesPoints>> Range(const std::string& s, int64_t a, int64_t b,
                                                  int64_t step, Aggregation agg) override {
    return checked_.Range(s, a, b, step, agg);
  }
  absl::StatusOr<std::vector<SeriesPoints>> Summarize(const std::string& s, int64_t a, int64_t b,
                                                      Aggregation agg) override {
    return checked_.Summarize(s, a, b, agg);
  }
  absl::StatusOr<std::vector<SeriesPoints>> SampleAt(const std::string& s,
                                                     const std::vector<int64_t>& at,
                                                     int64_t lookback) override {
    return checked_.SampleAt(s, at, lookback);
  }
  absl::StatusOr<std::vector<SeriesPoints>> Latest(const std::string& s, int64_t at,
                                                   int64_t lookback) override {
    return checked_.Latest(s, at, lookback);
  }
  absl::StatusOr<std::vector<alerting::AlertTransition>> AlertTransitions(int64_t a,
                                                                          int64_t b) override {
    return checked_.AlertTransitions(a, b);
  }

 private:
  std::unique_ptr<ReportSource> window_;
  DeadlineReportSource checked_;
};

absl::StatusOr<std::vector<SeriesPoints>> DeadlineReportSource::Range(
    const std::string& selector, int64_t start_ms, int64_t end_ms, int64_t step_ms,
    Aggregation agg) {
  SCOUT_RETURN_IF_ERROR(expired_());
  return inner_.Range(selector, start_ms, end_ms, step_ms, agg);
}

absl::StatusOr<std::vector<SeriesPoints>> DeadlineReportSource::Summarize(
    const std::string& selector, int64_t start_ms, int64_t end_ms, Aggregation agg) {
  SCOUT_RETURN_IF_ERROR(expired_());
  return inner_.Summarize(selector, start_ms, end_ms, agg);
}

absl::StatusOr<std::vector<SeriesPoints>> DeadlineReportSource::SampleAt(
    const std::string& selector, const std::vector<int64_t>& at_ms, int64_t lookback_ms) {
  SCOUT_RETURN_IF_ERROR(expired_());
  return inner_.SampleAt(selector, at_ms, lookback_ms);
}

absl::StatusOr<std::vector<SeriesPoints>> DeadlineReportSource::Latest(const std::string& selector,
                                                                       int64_t at_ms,
                                                                       int64_t lookback_ms) {
  SCOUT_RETURN_IF_ERROR(expired_());
  return inner_.Latest(selector, at_ms, lookback_ms);
}

std::unique_ptr<ReportSource> DeadlineReportSource::ForWindow(int64_t start_ms, int64_t end_ms) {
  std::unique_ptr<ReportSource> window = inner_.ForWindow(start_ms, end_ms);
  if (window == nullptr) return nullptr;  // the caller keeps using this (checked) source
  return std::make_unique<Window>(std::move(window), expired_);
}

absl::StatusOr<std::vector<alerting::AlertTransition>> DeadlineReportSource::AlertTransitions(
    int64_t start_ms, int64_t end_ms) {
  SCOUT_RETURN_IF_ERROR(expired_());
  return inner_.AlertTransitions(start_ms, end_ms);
}

}  // namespace scout::collector::reports
