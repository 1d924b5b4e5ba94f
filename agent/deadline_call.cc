#include "agent/deadline_call.h"

#include <pthread.h>

#include <algorithm>
#include <system_error>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace scout::agent {

struct DeadlineCall::State {
  absl::Mutex mu;
  bool running ABSL_GUARDED_BY(mu) = false;
  bool Returned() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return !running; }
};

DeadlineCall::DeadlineCall(std::string thread_name)
    : thread_name_(std::move(thread_name)), state_(std::make_shared<State>()) {}

DeadlineCall::~DeadlineCall() {
  if (!thread_.joinable()) return;
  if (Running() || thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // stuck: it keeps `state_` alive and finishes on its own
  } else {
    thread_.join();
  }
}

bool DeadlineCall::Running() const {
  absl::MutexLock lock(&state_->mu);
  return state_->running;
}

void DeadlineCall::ReapIfReturned() {
  if (thread_.joinable() && !Running()) thread_.join();  // it only has to exit
}

absl::Status DeadlineCall::Start(std::function<void()> fn) {
  if (Running()) {
    return absl::FailedPreconditionError(
        absl::StrCat(thread_name_, ": the previous call has not returned yet"));
  }
  ReapIfReturned();
  {
    absl::MutexLock lock(&state_->mu);
    state_->running = true;
  }
  try {
    thread_ = std::thread([state = state_, name = thread_name_.substr(0, 15),
                           fn = std::move(fn)]() mutable {
      pthread_setname_np(pthread_self(), name.c_str());
      fn();
      // Drop what `fn` captured before saying "returned": if it held the
      // last reference to this DeadlineCall's owner, the owner is destroyed
      // here, while Running() still says so (its destructor detaches).
      fn = nullptr;
      absl::MutexLock lock(&state->mu);
      state->running = false;
    });
  } catch (const std::system_error& e) {
    // Out of threads (RLIMIT_NPROC, memory): fail this call, not the agent.
    absl::MutexLock lock(&state_->mu);
    state_->running = false;
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot start thread ", thread_name_, ": ", e.what()));
  }
  return absl::OkStatus();
}

bool DeadlineCall::WaitUntil(std::chrono::steady_clock::time_point deadline) {
  const auto left = deadline - std::chrono::steady_clock::now();
  bool returned;
  {
    State& s = *state_;
    absl::MutexLock lock(&s.mu);
    returned = s.mu.AwaitWithTimeout(
        absl::Condition(&s, &State::Returned),
        absl::FromChrono(std::max(left, std::chrono::steady_clock::duration::zero())));
  }
  if (returned) ReapIfReturned();
  return returned;
}

}  // namespace scout::agent
