// ReplayPacer and StreamCursor: which batch an ingest stream sends next.
//
// Live data first (batches spooled after the stream opened, oldest of them
// first), then the backlog (batches already in the spool when it opened,
// oldest first) at no more than `replay_samples_per_second`, so a
// recovering collector is not flattened by a fleet's backlog.
//
// Time comes from the Clock (SteadyNow), so tests drive the pacing with a
// ManualClock. Thread safety: one stream's sender thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

#include "shared/spool.h"
#include "scout/v1/types.pb.h"
#include "shared/clock.h"

namespace scout::agent {

// A token bucket of samples: starts full, refills at `samples_per_second`
// with at most one second's worth banked. A batch is never split, so one
// batch may take the budget below zero; the next waits until it is back.
class ReplayPacer {
 public:
  // REQUIRES: samples_per_second > 0.
  ReplayPacer(const Clock& clock, double samples_per_second);

  // Whether a backlog batch may be sent now.
  bool Ready();
  // Charges a sent batch of `samples`.
  void Spend(uint64_t samples);
  // How long until Ready() can be true again; zero if it is now.
  std::chrono::milliseconds UntilReady();

 private:
  void Refill();

  const Clock& clock_;
  const double rate_;
  double tokens_;
  std::chrono::steady_clock::time_point refilled_at_;
};

// One stream's position in the spool. Built when the stream opens: what is
// spooled then is the backlog, everything after is live.
class StreamCursor {
 public:
  StreamCursor(Spool& spool, const Clock& clock, double replay_samples_per_second);

  struct Next {
    v1::Batch batch;
    bool is_replay;  // from the backlog
  };
  // The next batch to send, or nullopt after waiting (at most 200 ms) for
  // new data or replay budget, or when a live batch could not be read.
  std::optional<Next> Take();

 private:
  std::optional<Next> TakeBacklog();

  Spool& spool_;
  uint64_t last_live_;  // the newest live batch taken, or the stream start
  std::deque<uint64_t> backlog_;
  ReplayPacer pacer_;
};

}  // namespace scout::agent
