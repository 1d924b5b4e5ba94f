#include "collector/query_limits.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace scout::collector {

const char* QueryRefusalName(QueryRefusal refusal) {
  switch (refusal) {
    case QueryRefusal::kConcurrency: return "concurrency";
    case QueryRefusal::kSamples: return "samples";
    case QueryRefusal::kDeadline: return "deadline";
    case QueryRefusal::kNone: break;
  }
  return "";
}

absl::Status ReadBudget::Charge(int64_t samples) {
  const int64_t total = samples_.fetch_add(samples, std::memory_order_relaxed) + samples;
  QueryRefusal refusal = refusal_.load(std::memory_order_relaxed);
  if (refusal == QueryRefusal::kNone) {
    if (total > max_samples_) {
      refusal = QueryRefusal::kSamples;
    } else if (deadline_ != absl::InfiniteFuture() && absl::Now() >= deadline_) {
      refusal = QueryRefusal::kDeadline;
    } else {
      return absl::OkStatus();
    }
    QueryRefusal none = QueryRefusal::kNone;
    // The first refusal sticks (two threads may race to set one).
    if (!refusal_.compare_exchange_strong(none, refusal)) refusal = none;
  }
  if (refusal == QueryRefusal::kSamples) {
    return absl::ResourceExhaustedError(
        absl::StrCat("query reads more than query.max_samples (", max_samples_,
                     ") raw points and rollup rows; narrow the selector or the range, or use a "
                     "step of whole hours"));
  }
  return absl::DeadlineExceededError(
      "query ran past its deadline (query.timeout or the client's, whichever is shorter)");
}

QueryGate::Ticket::~Ticket() = default;

void QueryGate::Ticket::Release::operator()(QueryGate* gate) const {
  absl::MutexLock lock(&gate->mu_);
  --gate->running_;
}

size_t QueryGate::Ticket::SeriesLimit(size_t requested, size_t fallback) const {
  const size_t wanted = requested == 0 ? fallback : requested;
  return std::min(wanted, gate_->limits_.max_series);
}

absl::Status QueryGate::Ticket::Done(absl::Status status) {
  if (status.ok()) return status;
  QueryRefusal reason = budget_->refusal();
  if (reason == QueryRefusal::kNone && status.code() == absl::StatusCode::kDeadlineExceeded) {
    reason = QueryRefusal::kDeadline;
  }
  if (reason != QueryRefusal::kNone) gate_->Count(reason);
  return status;
}

absl::StatusOr<QueryGate::Ticket> QueryGate::TryEnter(absl::Time client_deadline) {
  std::function<void()> hook;
  {
    absl::MutexLock lock(&mu_);
    if (running_ >= limits_.max_concurrent) {
      ++refused_concurrency_;
      return absl::ResourceExhaustedError(absl::StrCat(
          "collector busy: query.max_concurrent (", limits_.max_concurrent,
          ") queries are running; retry later"));
    }
    ++running_;
    hook = enter_hook_;
  }
  const absl::Time deadline =
      std::min(client_deadline, absl::Now() + absl::FromChrono(limits_.timeout));
  Ticket ticket(this, std::make_unique<ReadBudget>(deadline, limits_.max_samples));
  if (hook) hook();
  return ticket;
}

int QueryGate::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

int64_t QueryGate::refused(QueryRefusal reason) const {
  absl::MutexLock lock(&mu_);
  switch (reason) {
    case QueryRefusal::kConcurrency: return refused_concurrency_;
    case QueryRefusal::kSamples: return refused_samples_;
    case QueryRefusal::kDeadline: return refused_deadline_;
    case QueryRefusal::kNone: break;
  }
  return 0;
}

void QueryGate::Count(QueryRefusal reason) {
  absl::MutexLock lock(&mu_);
  if (reason == QueryRefusal::kSamples) ++refused_samples_;
  if (reason == QueryRefusal::kDeadline) ++refused_deadline_;
}

void QueryGate::SetEnterHookForTesting(std::function<void()> hook) {
  absl::MutexLock lock(&mu_);
  enter_hook_ = std::move(hook);
}

}  // namespace scout::collector
