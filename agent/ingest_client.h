// IngestClient: keeps one Ingest.Stream open to the collector and moves
// batches from the Spool onto it.
//
// Per stream: send Hello, then batches with at most `window` awaiting an
// Ack. Which batch next: a StreamCursor (agent/replay_pacer.h) — live data
// first, then the backlog at no more than `replay_samples_per_second`, so
// a recovering collector is not flattened by a fleet's backlog. A reader thread removes acked batches from the
// spool. A batch rejected as INVALID_ARGUMENT is removed (resending cannot
// help); any other rejection, or a broken stream, ends the stream and
// everything unacked is sent again on the next one.
//
// Transport: HTTP/2 keepalive pings every 10 s, 10 s timeout, agreeing with
// the collector's settings, so a black-holed link is noticed in ~20 s.
// Reconnects use capped, jittered exponential backoff on a fresh channel
// each time. Connection state changes are logged once each.
//
// Security (shared/grpc_client_security.h): every stream gets a fresh
// channel built from `security` (so rotated CA bundles and client
// certificates are read again) and the token read again, sent as
// "authorization: Bearer" metadata. A stream the collector ends with
// UNAUTHENTICATED or PERMISSION_DENIED will not succeed on a quick retry:
// the next attempt waits a full backoff step (Backoff::FullDelay, at least
// max_backoff), and the refusal is logged once, then once more when the
// credentials are accepted again — never per attempt, never the token.
//
// Threads: Start() runs the sender ("scout-send"); each stream adds a
// reader ("scout-recv") that lives as long as the stream.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/agent_counters.h"
#include "shared/spool.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "shared/clock.h"
#include "shared/grpc_client_security.h"
#include "shared/metric.h"

namespace grpc {
class ClientContext;
}

namespace scout::agent {

struct IngestClientOptions {
  std::string address;
  ClientSecurity security;
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
  void Stop(std::chrono::milliseconds grace) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Stream = grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>;
  // The link as logged: each change is one line.
  enum class Link { kStarting, kConnected, kUnreachable, kRefused };
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status RunStream() ABSL_LOCKS_EXCLUDED(mu_);
  v1::AgentMessage Hello() const;
  // Sends until the stream breaks or Stop(); batches from a StreamCursor,
  // at most `window` awaiting an ack.
  void SendBatches(Stream& stream) ABSL_LOCKS_EXCLUDED(mu_);
  // false (and the batch dropped) when it is over the collector's limit;
  // otherwise it now awaits an ack.
  bool AdmitLocked(const v1::Batch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CanSendLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool AllAckedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReadAcks(Stream* stream, grpc::ClientContext* context) ABSL_LOCKS_EXCLUDED(mu_);
  void SetLink(Link link, const absl::Status& why) ABSL_LOCKS_EXCLUDED(mu_);
  void LogLinkChangeLocked(Link link, const absl::Status& why) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const IngestClientOptions options_;
  Spool& spool_;
  AgentCounters& counters_;
  const Clock& clock_;  // timestamps (Hello, sent_at)
  // Replay pacing bounds the real load on the collector, so it runs on
  // real time even when clock_ is a ManualClock (tests stamp batches with
  // fixed times and measure the pace on the wall); the pacing itself is
  // tested with a ManualClock in replay_pacer_test.
  const SystemClock pacing_clock_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::set<uint64_t> awaiting_ack_ ABSL_GUARDED_BY(mu_);  // sent on this stream
  bool stream_live_ ABSL_GUARDED_BY(mu_) = false;         // reader still running
  Link link_ ABSL_GUARDED_BY(mu_) = Link::kStarting;
  uint32_t max_batch_bytes_ ABSL_GUARDED_BY(mu_) = 4u << 20;  // from the Welcome
  absl::Time stop_deadline_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace scout::agent
