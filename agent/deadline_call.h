// DeadlineCall: the agent's one way to run a call that may hang (a plugin's
// Collect, a statvfs() on a dead NFS mount, a PostgreSQL scrape behind a
// black-holed link) with a deadline, without ever being stuck behind it.
//
//   DeadlineCall call("scout-statfs");
//   auto usage = std::make_shared<FsUsage>();
//   if (call.Start([usage, &host] { *usage = ...; }).ok() &&
//       call.WaitUntil(std::chrono::steady_clock::now() + timeout)) { use *usage }
//
// Contract:
// - Start() runs `fn` on a new thread named `thread_name`. It refuses
//   (FailedPrecondition) while the previous call has not returned, so a
//   call that hangs is never run twice concurrently and hung calls never
//   pile up; ResourceExhausted when no thread can be started.
// - WaitUntil() waits for the call at most until `deadline`. false: the
//   call is abandoned for this wait and keeps running; Running() tells when
//   it finally returns. true: it returned, and everything `fn` wrote is
//   visible to the caller.
// - The thread is joined as soon as its call is known to have returned (at
//   the next Start, WaitUntil or destruction). Destroyed while the call is
//   still running, the object detaches the thread so shutdown never hangs:
//   the call then finishes whenever it can, touching only what `fn`
//   captured (hold that by value or shared_ptr) and this object's shared
//   state, which it keeps alive.
//
// Thread safety: one owner thread calls Start/WaitUntil/Running.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace scout::agent {

class DeadlineCall {
 public:
  // `thread_name` is cut to the kernel's 15 characters.
  explicit DeadlineCall(std::string thread_name);
  ~DeadlineCall();
  DeadlineCall(const DeadlineCall&) = delete;
  DeadlineCall& operator=(const DeadlineCall&) = delete;

  absl::Status Start(std::function<void()> fn);
  bool WaitUntil(std::chrono::steady_clock::time_point deadline);
  // Whether the last call started has not returned yet.
  bool Running() const;

 private:
  struct State;

  // Joins the thread if its call has returned.
  void ReapIfReturned();

  const std::string thread_name_;
  std::shared_ptr<State> state_;  // shared with the running thread
  std::thread thread_;
};

}  // namespace scout::agent
