// IngestService: the server side of Ingest.Stream (callback API).
//
// Each stream is an IngestStream reactor that owns its per-call state.
// Reactions never block: a batch is validated point by point, handed to
// the WriteQueue, and the Ack is written from the WriteQueue's callback
// after the commit. Back-pressure, so memory stays bounded when storage is
// slower than ingest:
//  * per stream, at most `max_in_flight_batches` batches wait for their
//    commit; beyond that the reactor stops reading;
//  * globally, while the WriteQueue holds more than its
//    max_pending_points, every stream stops reading until it drains.
// Not reading means gRPC flow control pushes back on the agents.
//
// Authorization (docs/security.md): a stream whose caller may not ingest
// is finished at once with UNAUTHENTICATED or PERMISSION_DENIED; a Hello
// for an agent id its principal is not bound to ends the stream with
// PERMISSION_DENIED before anything (not even the agent record) is stored.
//
// Shutdown(): streams stop reading, their in-flight batches are committed
// and acked, then each stream finishes with UNAVAILABLE ("shutting down").
#pragma once

#include <atomic>
#include <cstdint>
#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/agent_tracker.h"
#include "collector/auth/authorizer.h"
#include "collector/write_queue.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "shared/clock.h"

namespace scout::collector {

struct IngestOptions {
  int max_in_flight_batches = 8;
  uint32_t max_batch_bytes = 16 * 1024 * 1024;
  int max_streams = 10'000;
  int64_t max_future_skew_ms = 10 * 60 * 1000;
};

struct IngestCounters {
  std::atomic<uint64_t> batches_received{0};
  std::atomic<uint64_t> batches_acked{0};
  std::atomic<uint64_t> batches_rejected{0};  // whole batch: invalid or not stored
  std::atomic<uint64_t> points_stored{0};
  std::atomic<uint64_t> points_rejected{0};   // individually invalid
  std::atomic<uint64_t> streams_refused{0};
};

class IngestStream;

class IngestService final : public v1::Ingest::CallbackService {
 public:
  IngestService(WriteQueue& writes, AgentTracker& tracker, auth::Authorizer& authorizer,
                const Clock& clock, IngestOptions options)
      : writes_(writes), tracker_(tracker), authorizer_(authorizer), clock_(clock),
        options_(options) {}

  grpc::ServerBidiReactor<v1::AgentMessage, v1::CollectorMessage>* Stream(
      grpc::CallbackServerContext* context) override;

  // Asks every live stream to finish once its in-flight batches are acked;
  // new streams are refused. Call before grpc::Server::Shutdown().
  void BeginShutdown();

  const IngestCounters& counters() const { return counters_; }
  int live_streams() const;

 private:
  friend class IngestStream;
  void Register(IngestStream* stream);
  void Unregister(IngestStream* stream);

  WriteQueue& writes_;
  AgentTracker& tracker_;
  auth::Authorizer& authorizer_;
  const Clock& clock_;
  const IngestOptions options_;
  IngestCounters counters_;

  mutable absl::Mutex mu_;
  std::set<IngestStream*> live_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace scout::collector
