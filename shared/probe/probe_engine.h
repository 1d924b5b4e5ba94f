// ProbeEngine: runs HTTP and TCP probes on their intervals from ONE thread
// ("scout-probe") driving a libcurl multi handle, so hundreds of probes cost
// one thread and a few sockets, not a thread each. TCP probes are curl
// CONNECT_ONLY transfers in the same loop (asynchronous DNS and connect,
// same timing and error mapping as HTTP).
//
// Scheduling: probe i first runs at start + offset_i, offset_i derived
// from a hash of its name and spread over [0, interval) so probes with
// the same interval do not fire together; then every interval. A run still
// in flight when the next one is due makes that next run skip (no overlap).
//
// Thread safety: Start/Stop from one owning thread; Drain() may be called
// from any thread at any time. The destructor stops the thread.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/status/statusor.h"
#include "shared/probe/probe_result.h"
#include "shared/probe/probe_spec.h"

namespace scout::probe {

class ProbeTransfer;

class ProbeEngine {
 public:
  struct Options {
    bool jitter = true;  // false: every probe runs right at Start() (tests, CLI)
    // Results not drained beyond this are dropped oldest-first, so an
    // agent whose scheduler stalls does not grow without bound.
    size_t max_queued_results = 4096;
  };

  // Probe indexes in results: HTTP probes 0..n-1, then TCP probes.
  ProbeEngine(std::vector<HttpProbeSpec> http, std::vector<TcpProbeSpec> tcp, Options options);
  ProbeEngine(std::vector<HttpProbeSpec> http, std::vector<TcpProbeSpec> tcp)
      : ProbeEngine(std::move(http), std::move(tcp), Options()) {}
  ~ProbeEngine();
  ProbeEngine(const ProbeEngine&) = delete;
  ProbeEngine& operator=(const ProbeEngine&) = delete;

  void Start();  // starts the thread; at most once
  void Stop();   // aborts transfers in flight and joins; idempotent

  // Results finished since the previous call, oldest first.
  std::vector<ProbeResult> Drain() ABSL_LOCKS_EXCLUDED(mu_);

  size_t probe_count() const { return probes_.size(); }

  // The jitter: a stable offset in [0, interval) from the probe's name, so
  // a restart keeps each probe's phase and equal intervals still spread.
  static std::chrono::milliseconds StartOffset(const std::string& name,
                                               std::chrono::milliseconds interval);
  uint64_t dropped_results() const { return dropped_.load(); }

 private:
  struct Probe {
    const HttpProbeSpec* http = nullptr;
    const TcpProbeSpec* tcp = nullptr;
    std::chrono::milliseconds interval{0};
    std::chrono::steady_clock::time_point next_due;
    std::unique_ptr<ProbeTransfer> running;
  };

  void Run();
  void StartDue(std::chrono::steady_clock::time_point now);
  void CollectFinished();
  void Push(ProbeResult result) ABSL_LOCKS_EXCLUDED(mu_);

  const std::vector<HttpProbeSpec> http_;
  const std::vector<TcpProbeSpec> tcp_;
  const Options options_;
  std::vector<Probe> probes_;  // only touched by the probe thread once started
  CURLM* multi_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> dropped_{0};
  absl::Mutex mu_;
  std::vector<ProbeResult> results_ ABSL_GUARDED_BY(mu_);
};

// Runs one HTTP probe now and blocks until it finished (at most the spec's
// timeout), using the same transfer code as the engine. A non-OK status
// means the probe could not be set up (invalid spec, unresolvable secret);
// network and HTTP failures are a result with success == false.
// Thread-safe (each call has its own curl handles).
absl::StatusOr<ProbeResult> RunHttpProbeOnce(const HttpProbeSpec& spec);

}  // namespace scout::probe
