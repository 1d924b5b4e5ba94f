#include "agent/replay_pacer.h"

#include <algorithm>

namespace scout::agent {

ReplayPacer::ReplayPacer(const Clock& clock, double samples_per_second)
    : clock_(clock),
      rate_(samples_per_second),
      tokens_(samples_per_second),
      refilled_at_(clock.SteadyNow()) {}

void ReplayPacer::Refill() {
  const auto now = clock_.SteadyNow();
  tokens_ = std::min(rate_, tokens_ + rate_ * std::chrono::duration<double>(now - refilled_at_).count());
  refilled_at_ = now;
}

bool ReplayPacer::Ready() {
  Refill();
  return tokens_ > 0;
}

void ReplayPacer::Spend(uint64_t samples) { tokens_ -= static_cast<double>(samples); }

std::chrono::milliseconds ReplayPacer::UntilReady() {
  if (Ready()) return std::chrono::milliseconds(0);
  // Until one whole token is back (and 1 ms more, against rounding down).
  return std::chrono::milliseconds(static_cast<int64_t>(1000.0 * (1 - tokens_) / rate_) + 1);
}

StreamCursor::StreamCursor(Spool& spool, const Clock& clock, double replay_samples_per_second)
    : spool_(spool), last_live_(spool.last_seq()), pacer_(clock, replay_samples_per_second) {
  for (uint64_t seq : spool_.Pending()) backlog_.push_back(seq);
}

std::optional<StreamCursor::Next> StreamCursor::TakeBacklog() {
  while (!backlog_.empty() && pacer_.Ready()) {
    auto batch = spool_.Read(backlog_.front());
    backlog_.pop_front();
    if (!batch) continue;  // acked on an earlier stream, or dropped by the spool
    pacer_.Spend(CountPoints(*batch));
    return Next{*std::move(batch), true};
  }
  return std::nullopt;
}

std::optional<StreamCursor::Next> StreamCursor::Take() {
  if (auto live = spool_.FirstAfter(last_live_)) {
    last_live_ = *live;
    auto batch = spool_.Read(*live);
    if (!batch) return std::nullopt;
    return Next{*std::move(batch), false};
  }
  if (auto next = TakeBacklog()) return next;
  // Nothing sendable now: wait for new data, or for replay budget. The
  // wait is real time (it bounds a real sleep), not the Clock's.
  auto wait = std::chrono::milliseconds(200);
  if (!backlog_.empty()) wait = std::min(wait, pacer_.UntilReady());
  spool_.WaitForNewer(last_live_, std::chrono::steady_clock::now() + wait);
  return std::nullopt;
}

}  // namespace scout::agent
