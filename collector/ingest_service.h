// IngestService: the server side of Ingest.Stream (callback API).
//
// Each stream is an IngestStream reactor that owns its per-call state.
// Reactions never block: a batch is validated point by point, handed to
// the WriteQueue, and the Ack is written from the WriteQueue's callback
// after the commit. Back-pressure, so memory stays bounded when storage is
// slower than ingest:
//  * per stream, at most `max_in_flight_batches` batches wait for their
//    commit; beyond that the reactor stops reading;
//  * globally, while the WriteQueue holds more than its max_pending_bytes
//    (estimated bytes of accepted, uncommitted batches), every stream
//    stops reading until it drains;
//  * a stream has at most one read outstanding, so at most one received
//    message per stream is decoded and not yet validated.
// Not reading means gRPC flow control pushes back on the agents.
//
// Limits (docs/limits.md, `ingest:` section): per-point limits
// (batch_validation.h) and series limits (ingest_limits.h) reject points
// with a reason, counted per agent and reason; the stream stays open.
// Those steps and the submission live in IngestPipeline (ingest_pipeline.h),
// shared with remote write in; this class keeps the stream mechanics.
// Streams: a stream without a Hello after hello_timeout is finished
// DEADLINE_EXCEEDED; a stream that sends nothing for idle_stream_timeout
// while the collector waits to read is finished UNAVAILABLE (the agent
// reconnects); a peer (the authenticated principal, or without
// authentication the client IP) may hold max_streams_per_peer streams,
// more are refused RESOURCE_EXHAUSTED at creation. The timeouts are
// enforced by one thread, "scout-ingest-sweep", owned by the service
// (started by the constructor, joined by the destructor), on the real
// steady clock: they bound real sockets, not sample time.
//
// Frames: the stream is read as raw bytes and parsed here, because gRPC's
// callback API reports a message that does not deserialize exactly like a
// half-close (OnReadDone(false)). A frame that is not a valid AgentMessage
// (including a string field with invalid UTF-8, which protobuf refuses)
// ends the stream with INVALID_ARGUMENT and is counted.
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
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/agent_tracker.h"
#include "collector/auth/authorizer.h"
#include "collector/batch_validation.h"
#include "collector/ingest_limits.h"
#include "collector/ingest_pipeline.h"
#include "collector/storage/storage.h"
#include "collector/write_queue.h"
#include <grpcpp/support/byte_buffer.h>
#include "scout/v1/ingest.grpc.pb.h"
#include "shared/clock.h"

namespace scout::collector {

struct IngestOptions {
  int max_in_flight_batches = 8;
  uint32_t max_batch_bytes = 16 * 1024 * 1024;
  int max_streams = 10'000;
  int64_t max_future_skew_ms = 10 * 60 * 1000;  // used as points.max_future_ms
  PointLimits points;
  SeriesLimits series;
  std::chrono::milliseconds hello_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds idle_stream_timeout = std::chrono::minutes(10);
  int max_streams_per_peer = 64;
};

struct IngestCounters {
  std::atomic<uint64_t> batches_received{0};
  std::atomic<uint64_t> batches_acked{0};
  std::atomic<uint64_t> batches_rejected{0};  // whole batch: invalid or not stored
  std::atomic<uint64_t> points_stored{0};
  std::atomic<uint64_t> points_rejected{0};   // individually invalid
  std::atomic<uint64_t> streams_refused{0};
  std::atomic<uint64_t> frames_invalid{0};  // unparseable: INVALID_ARGUMENT
  // scout_collector_streams_closed_total{reason}
  std::atomic<uint64_t> closed_hello_timeout{0};
  std::atomic<uint64_t> closed_idle{0};
  std::atomic<uint64_t> closed_peer_limit{0};
};

class IngestStream;

// Raw (ByteBuffer) handler: the service parses AgentMessages itself.
class IngestService final : public v1::Ingest::WithRawCallbackMethod_Stream<v1::Ingest::Service> {
 public:
  // `storage` answers the series limits' questions (HasSeries, Gauges).
  IngestService(WriteQueue& writes, AgentTracker& tracker, auth::Authorizer& authorizer,
                const Storage& storage, const Clock& clock, IngestOptions options);
  ~IngestService() override;  // joins the sweeper

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Stream(
      grpc::CallbackServerContext* context) override;

  // Asks every live stream to finish once its in-flight batches are acked;
  // new streams are refused. Call before grpc::Server::Shutdown().
  void BeginShutdown();

  const IngestCounters& counters() const { return counters_; }
  int live_streams() const;
  // Points rejected per agent and reason since start, by every way in
  // that shares the pipeline (see IngestPipeline::RejectedByAgent).
  std::vector<RejectedCount> RejectedByAgent() const { return pipeline_.RejectedByAgent(); }
  static constexpr size_t kMaxRejectedAgents = IngestPipeline::kMaxRejectedAgents;
  const SeriesLimiter& limiter() const { return pipeline_.limiter(); }
  // validate -> series limits -> count -> WriteQueue, shared with remote
  // write in (collector/remote_write/remote_write_in.h).
  IngestPipeline& pipeline() { return pipeline_; }

 private:
  friend class IngestStream;
  void Unregister(IngestStream* stream);
  // "principal:<name>" when authenticated, else the client IP.
  std::string PeerKey(const grpc::CallbackServerContext& context,
                      const auth::Principal& principal) const;
  void Sweep();

  WriteQueue& writes_;
  AgentTracker& tracker_;
  auth::Authorizer& authorizer_;
  const Clock& clock_;
  const IngestOptions options_;
  IngestCounters counters_;
  IngestPipeline pipeline_;

  mutable absl::Mutex mu_;
  // Live streams and the peer key each counts against ("" = not counted).
  std::map<IngestStream*, std::string> live_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> peer_streams_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_sweeper_ ABSL_GUARDED_BY(mu_) = false;

  std::thread sweeper_;  // last: started after everything it reads
};

}  // namespace scout::collector
