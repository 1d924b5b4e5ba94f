// IngestClient: keeps one Ingest.Stream open to the collector and moves
// batches from the Spool onto it.
//
// Per stream: send Hello, then batches with at most `window` awaiting an
// Ack. Which batch next: live data first (batches spooled after the stream
// opened, oldest of them first), then the backlog (batches that were
// already in the spool when it opened, oldest first) at no more than
// `replay_samples_per_second`, so a recovering collector is not flattened
// by a fleet's backlog. A reader thread removes acked batches from the
// spool. A batch rejected as INVALID_ARGUMENT is removed (resending cannot
// help); any other rejection, or a broken stream, ends the stream and
// everything unacked is sent again on the next one.
//
// Transport: HTTP/2 keepalive pings every 10 s, 10 s timeout, agreeing with
// the collector's settings, so a black-holed link is noticed in ~20 s.
// Reconnects use capped, jittered exponential backoff on a fresh channel
// each time. Connection state changes are logged once each.
//
// Threads: Start() runs the sender ("scout-send"); each stream adds a
// reader ("scout-recv") that lives as long as the stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <optional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "agent/agent_counters.h"
#include "agent/spool.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "shared/clock.h"
#include "shared/metric.h"

namespace grpc {
class ClientContext;
}

namespace scout::agent {

struct IngestClientOptions {
  std::string address;
  std::string agent_id;
  std::string hostname;
  Labels labels;
  std::string incarnation_id;
  int64_t interval_ms = 10'000;
  int window = 8;
  double replay_samples_per_second = 5'000;
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
};

class IngestClient {
 public:
  IngestClient(IngestClientOptions options, Spool& spool, AgentCounters& counters,
               const Clock& clock);
  ~IngestClient();

  void Start();
  // Stops sending new batches, half-closes the stream and waits up to
  // `grace` for outstanding acks, then cancels.
  void Stop(std::chrono::milliseconds grace);

 private:
  using Stream = grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>;
  void Loop();
  absl::Status RunStream();
  // The next batch to send on this stream, or nullopt after waiting a bit.
  std::optional<v1::Batch> NextBatch(uint64_t* last_live, uint64_t stream_start,
                                     std::deque<uint64_t>* backlog, double* tokens,
                                     std::chrono::steady_clock::time_point* refill_at,
                                     bool* is_replay);
  void ReadAcks(Stream* stream, grpc::ClientContext* context);
  void SetConnected(bool connected, const absl::Status& why);

  const IngestClientOptions options_;
  Spool& spool_;
  AgentCounters& counters_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                   // GUARDED_BY(mu_)
  std::set<uint64_t> awaiting_ack_;         // GUARDED_BY(mu_): sent on this stream
  bool stream_live_ = false;                // GUARDED_BY(mu_): reader still running
  bool connected_ = false;                  // GUARDED_BY(mu_)
  bool failure_logged_ = false;             // GUARDED_BY(mu_)
  uint32_t max_batch_bytes_ = 4u << 20;     // GUARDED_BY(mu_): from the Welcome
  std::chrono::steady_clock::time_point stop_deadline_;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace scout::agent
