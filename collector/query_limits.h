// Query limits (issue 16): what one read may cost the collector.
//
//  * QueryLimits: the `query:` config section (collector_config.h).
//  * ReadBudget: the deadline and sample cap of ONE query. Storage reads
//    (storage.h) and range_query.h charge every raw point and rollup row
//    they read to it *while reading* and stop at the first refusal, so a
//    hostile query costs at most `max_samples` reads and `timeout` time.
//  * QueryGate: at most `max_concurrent` queries at once; one more is
//    refused RESOURCE_EXHAUSTED at once (never queued: a queue would only
//    move the overload into memory). Query RPCs (QueryRange, Latest,
//    ListSeries) and Reports.Generate take a Ticket first.
//
// Thread safety: ReadBudget may be charged from several threads (atomic
// counter); QueryGate is safe to use from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace scout::collector {

struct QueryLimits {
  // Server deadline of one query or report generation; a client's shorter
  // deadline wins. → DEADLINE_EXCEEDED.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  // Raw points + rollup rows read by one query. → RESOURCE_EXHAUSTED.
  int64_t max_samples = 20'000'000;
  // Series per query whatever the client asks (larger limits are capped,
  // the answer marked truncated).
  size_t max_series = 10'000;
  // Queries running at once; more → RESOURCE_EXHAUSTED immediately.
  int max_concurrent = 4;
};

// Which limit stopped a query (for scout_collector_queries_refused_total).
enum class QueryRefusal { kNone, kConcurrency, kSamples, kDeadline };
// "concurrency" | "samples" | "deadline" ("" for kNone).
const char* QueryRefusalName(QueryRefusal refusal);

// The deadline and the sample counter of one query. Real time (absl::Now):
// the deadline bounds a real wait, like a gRPC deadline (docs: "Time").
class ReadBudget {
 public:
  ReadBudget(absl::Time deadline, int64_t max_samples)
      : deadline_(deadline), max_samples_(max_samples) {}
  // No deadline, no cap: internal reads that are bounded otherwise (the
  // alert engine's series limit, tests, benchmarks).
  static ReadBudget Unlimited() { return ReadBudget(absl::InfiniteFuture(), INT64_MAX); }
  ReadBudget(const ReadBudget&) = delete;
  ReadBudget& operator=(const ReadBudget&) = delete;

  // Counts `samples` more reads. RESOURCE_EXHAUSTED (naming query.max_samples)
  // once the total exceeds the cap, DEADLINE_EXCEEDED (naming query.timeout)
  // once the deadline has passed; OK otherwise. After a refusal every later
  // call refuses too.
  absl::Status Charge(int64_t samples);
  // The deadline alone (between steps that read nothing).
  absl::Status Check() { return Charge(0); }

  int64_t samples() const { return samples_.load(std::memory_order_relaxed); }
  int64_t max_samples() const { return max_samples_; }
  absl::Time deadline() const { return deadline_; }
  // The first limit that refused, kNone while none has.
  QueryRefusal refusal() const { return refusal_.load(std::memory_order_relaxed); }

 private:
  const absl::Time deadline_;
  const int64_t max_samples_;
  std::atomic<int64_t> samples_{0};
  std::atomic<QueryRefusal> refusal_{QueryRefusal::kNone};
};

class QueryGate {
 public:
  explicit QueryGate(QueryLimits limits) : limits_(limits) {}

  // One running query: holds a slot and its budget; the slot is released
  // when the ticket is destroyed. Move-only.
  class Ticket {
   public:
    Ticket(Ticket&&) = default;
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket();
    ReadBudget& budget() { return *budget_; }
    // Series the query may return: the client's limit (0 = `fallback`)
    // capped at query.max_series.
    size_t SeriesLimit(size_t requested, size_t fallback) const;
    // Counts `status` as a samples/deadline refusal when the budget (or a
    // DEADLINE_EXCEEDED) caused it; returns it unchanged.
    absl::Status Done(absl::Status status);

   private:
    friend class QueryGate;
    Ticket(QueryGate* gate, std::unique_ptr<ReadBudget> budget)
        : gate_(gate), budget_(std::move(budget)) {}
    struct Release {
      void operator()(QueryGate* gate) const;
    };
    std::unique_ptr<QueryGate, Release> gate_;
    std::unique_ptr<ReadBudget> budget_;
  };

  // A ticket whose deadline is the earlier of now + query.timeout and
  // `client_deadline`, or RESOURCE_EXHAUSTED at once (counted as
  // "concurrency") when max_concurrent queries are running.
  absl::StatusOr<Ticket> TryEnter(absl::Time client_deadline = absl::InfiniteFuture());

  const QueryLimits& limits() const { return limits_; }
  int running() const;
  // Refusals so far, per reason.
  int64_t refused(QueryRefusal reason) const;

  // Tests only: runs after a ticket was issued and before TryEnter returns
  // (outside the lock), so a test can hold queries open without sleeping.
  void SetEnterHookForTesting(std::function<void()> hook);

 private:
  void Count(QueryRefusal reason);

  const QueryLimits limits_;
  mutable absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refused_concurrency_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refused_samples_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refused_deadline_ ABSL_GUARDED_BY(mu_) = 0;
  std::function<void()> enter_hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scout::collector
