// How absl::Mutex checks lock order in this process.
//
// Debian's abseil is built without NDEBUG, so absl::Mutex runs its deadlock
// detector on every Lock(): it records the lock order in one process-wide
// graph under one global mutex. Measured with two nested locks on one
// thread: 92 ns against 23 ns per pair, and every thread in the process
// contends on the graph's mutex. The programs (and the benchmarks, which
// must measure what ships) switch it off first thing in main(); tests keep
// it on, so a lock-order cycle found at run time aborts the test that
// caused it. The static half of the check is clang's -Wthread-safety
// (scripts/check-thread-safety.sh).
#pragma once

namespace scout {

// Call once at the start of main(), before any thread starts.
void DisableMutexDeadlockDetection();

}  // namespace scout
