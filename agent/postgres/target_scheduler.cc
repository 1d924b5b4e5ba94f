#include "agent/postgres/target_scheduler.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/deadline_call.h"
#include "agent/postgres/buffer_sink.h"

namespace scout::agent {

struct TargetScheduler::Target {
  Target(std::shared_ptr<const PostgresTarget> s, Scrape f)
      : spec(std::move(s)), scrape(std::move(f)) {}

  const std::shared_ptr<const PostgresTarget> spec;
  const Scrape scrape;
  std::optional<int64_t> next_due_ms;           // interval gate of the built-in sets
  std::map<std::string, int64_t> query_due_ms;  // per custom query
  // The scrape, run as a DeadlineCall that holds this Target by shared_ptr
  // (a scrape stuck at shutdown outlives the scheduler). While `inflight`,
  // only the scrape touches `results` and `error`; Collect reads them once
  // it returned.
  DeadlineCall call{"scout-pg-scrape"};
  bool inflight = false;
  BufferSink results;
  std::string error;           // as returned by the running or last scrape
  std::string reported_error;  // `error` as of the last finished scrape
};

TargetScheduler::TargetScheduler(std::chrono::milliseconds collect_wait)
    : collect_wait_(collect_wait) {}

TargetScheduler::~TargetScheduler() = default;

void TargetScheduler::Add(std::shared_ptr<const PostgresTarget> spec, Scrape scrape) {
  targets_.push_back(std::make_shared<Target>(std::move(spec), std::move(scrape)));
}

absl::Status TargetScheduler::Collect(int64_t now_ms, SampleSink& sink) {
  for (const auto& t : targets_) {
    if (t->inflight) continue;  // still busy with an earlier cycle
    bool core_due = false;
    std::vector<const CustomQuery*> due = TakeDue(*t, now_ms, core_due);
    if (!core_due && due.empty()) continue;
    Start(t, now_ms, core_due, std::move(due));
  }
  const auto deadline = std::chrono::steady_clock::now() + collect_wait_;
  std::vector<std::string> errors;
  for (const auto& t : targets_) {
    if (t->inflight && t->call.WaitUntil(deadline)) {
      t->inflight = false;
      t->results.FlushTo(sink);
      t->reported_error = t->error;
    }
    if (!t->reported_error.empty()) {
      errors.push_back(absl::StrCat(t->spec->name, ": ", t->reported_error));
    }
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrJoin(errors, "; "));
}

std::vector<const CustomQuery*> TargetScheduler::TakeDue(Target& t, int64_t now_ms,
                                                         bool& core_due) {
  core_due = !t.next_due_ms || now_ms >= *t.next_due_ms;
  if (core_due) t.next_due_ms = now_ms + t.spec->interval.count();
  std::vector<const CustomQuery*> due;
  for (const CustomQuery& q : t.spec->queries) {
    auto [it, fresh] = t.query_due_ms.try_emplace(q.name, now_ms);
    if (now_ms < it->second) continue;
    const auto interval = q.interval.count() > 0 ? q.interval : t.spec->interval;
    it->second = now_ms + interval.count();
    due.push_back(&q);
  }
  return due;
}

void TargetScheduler::Start(const std::shared_ptr<Target>& t, int64_t now_ms, bool core_due,
                            std::vector<const CustomQuery*> due) {
  const absl::Status started = t->call.Start([t, now_ms, core_due, due] {
    t->error = t->scrape(now_ms, core_due, due, t->results);
  });
  if (started.ok()) {
    t->inflight = true;
  } else {  // no thread: this cycle's scrape failed, the next one retries
    t->reported_error = std::string(started.message());
  }
}

}  // namespace scout::agent
