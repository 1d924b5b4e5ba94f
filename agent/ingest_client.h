// IngestClient: keeps one Ingest.Stream open to the collector and moves
// batches from the Outbox onto it.
//
// Per stream: send Hello, then every unacked batch in sequence order with
// at most `window` batches awaiting an Ack; a reader thread removes acked
// batches from the Outbox. A batch rejected as INVALID_ARGUMENT is dropped
// (resending cannot help); any other rejection, or a broken stream, ends
// the stream and everything unacked is sent again on the next one.
//
// Reconnects use capped, jittered exponential backoff (shared/backoff.h)
// on a fresh channel each time, so gRPC's own reconnect backoff does not
// stack on ours. Connection state changes are logged once each.
//
// Threads: Start() runs the sender ("scout-send"); each stream adds a
// reader ("scout-recv") that lives as long as the stream.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "agent/outbox.h"
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
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
};

struct IngestClientStats {
  uint64_t acked_batches = 0;
  uint64_t rejected_batches = 0;
  uint64_t streams_opened = 0;
  bool connected = false;
};

class IngestClient {
 public:
  IngestClient(IngestClientOptions options, Outbox& outbox, const Clock& clock);
  ~IngestClient();

  void Start();
  // Stops sending new batches, half-closes the stream and waits up to
  // `grace` for outstanding acks, then cancels.
  void Stop(std::chrono::milliseconds grace);

  IngestClientStats stats() const;

 private:
  void Loop();
  // Runs one stream until it ends; returns why it ended.
  absl::Status RunStream();
  void ReadAcks(grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>* stream,
                grpc::ClientContext* context);
  void SetConnected(bool connected, const absl::Status& why);

  const IngestClientOptions options_;
  Outbox& outbox_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;              // GUARDED_BY(mu_)
  std::set<uint64_t> awaiting_ack_;    // GUARDED_BY(mu_): sent on this stream
  grpc::ClientContext* context_ = nullptr;  // GUARDED_BY(mu_): the live stream's
  IngestClientStats stats_;            // GUARDED_BY(mu_)
  bool ever_failed_logged_ = false;    // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point stop_deadline_;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace scout::agent
