#include "collector/ingest_service.h"

#include <pthread.h>

#include <algorithm>
#include <deque>
#include <functional>

#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/impl/serialization_traits.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/synchronization/mutex.h"
#include "collector/batch_validation.h"
#include "collector/grpc_status.h"
#include "shared/logging.h"
#include "shared/proto_convert.h"
#include "shared/version.h"

namespace scout::collector {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

grpc::ByteBuffer Encode(const v1::CollectorMessage& message) {
  grpc::ByteBuffer buffer;
  bool own = false;
  // Serializing a message we built cannot fail.
  (void)grpc::SerializationTraits<v1::CollectorMessage>::Serialize(message, &buffer, &own);
  return buffer;
}

PointLimits PointLimitsOf(const IngestOptions& options) {
  PointLimits limits = options.points;
  limits.max_future_ms = options.max_future_skew_ms;
  return limits;
}

}  // namespace

// Per-stream reactor. Its mutex is never held while calling a gRPC Start*
// or Finish method, because gRPC may run the matching reaction inline on
// the calling thread. Decisions are made under the lock (PlanLocked); the
// calls happen after it is released (Act).
class IngestStream final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  IngestStream(grpc::CallbackServerContext* context, IngestService& service,
               auth::Principal principal)
      : service_(service), options_(service.options_), limits_(PointLimitsOf(options_)),
        peer_(context->peer()), principal_(std::move(principal)),
        created_(std::chrono::steady_clock::now()) {}

  // Called by the service after construction; a `refusal` other than OK
  // finishes the stream at once, before anything is read.
  void Begin(const grpc::Status& refusal) {
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      if (!refusal.ok()) {
        final_status_ = refusal;
        reads_done_ = true;
      }
      actions = PlanLocked();
    }
    Act(actions);
  }

  // Keeps the reactor alive (it cannot finish) until Drain() is called.
  // Returns false, and pins nothing, when it has finished already (its
  // OnDone may be running: the caller must not touch it after unlocking).
  bool Pin() {
    absl::MutexLock lock(&mu_);
    if (finished_) return false;
    ++in_flight_;
    return true;
  }

  // Why the sweeper should close this stream now (kNone: it should not);
  // pins it (see Pin) when it returns another reason.
  enum class Expiry { kNone, kHelloTimeout, kIdle };
  Expiry PinIfExpired(SteadyTime now) {
    absl::MutexLock lock(&mu_);
    if (finished_ || draining_) return Expiry::kNone;
    Expiry e = Expiry::kNone;
    // Only while we wait to read: a stream parked by back-pressure is
    // waiting for us, not we for it.
    if (!read_in_flight_) return Expiry::kNone;
    if (agent_id_.empty() && now - created_ >= options_.hello_timeout) {
      e = Expiry::kHelloTimeout;
    } else if (now - read_started_ >= options_.idle_stream_timeout) {
      e = Expiry::kIdle;
    }
    if (e != Expiry::kNone) ++in_flight_;
    return e;
  }

  // REQUIRES: Pin() returned true. Stops reading; finishes once in-flight
  // batches are acked, with `status` (unless it already had an error).
  void Drain(const grpc::Status& status) {
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      --in_flight_;
      draining_ = true;
      if (final_status_.ok()) final_status_ = status;
      actions = PlanLocked();
    }
    Act(actions);
  }

  void OnReadDone(bool ok) override {
    // Parsed here, not by gRPC: its callback API reports a message that
    // does not deserialize as OnReadDone(false), like a half-close.
    v1::AgentMessage message;
    bool parsed = false;
    if (ok) {
      parsed = grpc::SerializationTraits<v1::AgentMessage>::Deserialize(&request_, &message).ok();
    }
    Actions actions;
    std::function<void()> submit;
    {
      absl::MutexLock lock(&mu_);
      read_in_flight_ = false;
      if (finished_) {
        // A read that completed after Finish (drain, expiry): ignored, so
        // nothing is submitted for a reactor that is about to go away.
      } else if (!ok) {
        reads_done_ = true;
      } else if (!parsed) {
        ++service_.counters_.frames_invalid;
        FailLocked(grpc::StatusCode::INVALID_ARGUMENT,
                   "unparseable message: not a scout.v1.AgentMessage (or a string field is not "
                   "valid UTF-8)");
      } else {
        HandleMessageLocked(message);
      }
      submit = std::move(submit_);
      submit_ = nullptr;
      actions = PlanLocked();
    }
    // Outside the lock: a stopping WriteQueue runs the callback inline.
    if (submit) submit();
    Act(actions);
  }

  void OnWriteDone(bool ok) override {
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      write_in_flight_ = false;
      outbox_.pop_front();  // the message just written (DropUnsentLocked keeps it)
      if (!ok) {
        outbox_.clear();  // the client is gone; nothing more can be delivered
        reads_done_ = true;
        broken_ = true;
      }
      actions = PlanLocked();
    }
    Act(actions);
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    broken_ = true;
  }

  void OnDone() override {
    if (!agent_id_.empty()) {
      service_.tracker_.Disconnected(agent_id_);
      spdlog::info("agent {} disconnected ({})", agent_id_, peer_);
    }
    service_.Unregister(this);
    delete this;
  }

 private:
  struct Actions {
    bool read = false;
    const grpc::ByteBuffer* write = nullptr;
    bool finish = false;
    grpc::Status status;
  };

  void HandleMessageLocked(v1::AgentMessage& message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    switch (message.kind_case()) {
      case v1::AgentMessage::kHello:
        return HandleHelloLocked(message.hello());
      case v1::AgentMessage::kBatch:
        return HandleBatchLocked(message.batch());
      default:
        return;  // a newer agent's message kind: ignore (forward compatibility)
    }
  }

  void HandleHelloLocked(const v1::Hello& hello) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!agent_id_.empty()) {
      return FailLocked(grpc::StatusCode::FAILED_PRECONDITION, "Hello sent twice on one stream");
    }
    absl::Status valid = ValidateHello(hello);
    if (!valid.ok()) {
      return FailLocked(grpc::StatusCode::INVALID_ARGUMENT, std::string(valid.message()));
    }
    absl::Status bound = service_.authorizer_.CheckAgentId(principal_, hello.agent_id(), peer_);
    if (!bound.ok()) {
      // The Authorizer logged it, once per peer state, not once per reconnect.
      return EndLocked(grpc::StatusCode::PERMISSION_DENIED, std::string(bound.message()));
    }
    agent_id_ = hello.agent_id();
    service_.tracker_.Connected(agent_id_, peer_);
    spdlog::info("agent {} connected from {} (version {}, incarnation {})", agent_id_, peer_,
                 hello.version(), hello.incarnation_id());

    AgentRecord record;
    record.agent_id = hello.agent_id();
    record.hostname = hello.hostname();
    record.version = hello.version();
    record.labels = LabelsFromProto(hello.labels());
    record.incarnation_id = hello.incarnation_id();
    record.interval_ms = hello.interval_ms();
    record.first_seen_ms = record.last_seen_ms = service_.clock_.NowMs();
    ++in_flight_;
    submit_ = [this, record = std::move(record)]() mutable {
      service_.writes_.SubmitAgent(std::move(record), [this](const absl::Status& status) {
        if (!status.ok()) {
          spdlog::error("agent {}: cannot store agent record: {}", agent_id_, status.message());
        }
        Completed();
      });
    };
    v1::CollectorMessage welcome;
    welcome.mutable_welcome()->set_collector_version(kVersion);
    welcome.mutable_welcome()->set_max_batch_bytes(options_.max_batch_bytes);
    outbox_.push_back(Encode(welcome));
  }

  void HandleBatchLocked(const v1::Batch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (agent_id_.empty()) {
      return FailLocked(grpc::StatusCode::FAILED_PRECONDITION, "the first message must be a Hello");
    }
    IngestCounters& counters = service_.counters_;
    ++counters.batches_received;
    const uint64_t seq = batch.seq();
    const int64_t now = service_.clock_.NowMs();
    if (batch.sent_at_ms() > 0) service_.tracker_.SetClockSkew(agent_id_, batch.sent_at_ms() - now);
    if (draining_) {
      return RejectLocked(seq, grpc::StatusCode::UNAVAILABLE, "collector is shutting down");
    }
    if (batch.ByteSizeLong() > options_.max_batch_bytes) {
      return RejectLocked(seq, grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("batch of ", batch.ByteSizeLong(), " bytes is over the ",
                                       options_.max_batch_bytes, "-byte limit"));
    }
    IngestPipeline::Prepared v = service_.pipeline_.Prepare(
        batch, agent_id_, now, limits_, /*bind_host=*/principal_.role == auth::Role::kAgent);
    const uint32_t rejected = v.rejections.total();
    if (rejected > 0) {
      counters.points_rejected += rejected;
      // Logged once per stream; the counts travel back in every Ack. Series
      // limits are logged by the SeriesLimiter, once per agent per episode.
      if (!logged_rejection_ && rejected > v.series_limited) {
        Rejections invalid = v.rejections;
        invalid.by_reason[v1::SERIES_LIMIT] = {};
        spdlog::warn("agent {}: dropping invalid points: {}", agent_id_, invalid.Summary());
        logged_rejection_ = true;
      }
      if (v.points == 0) {
        return RejectLocked(seq, grpc::StatusCode::INVALID_ARGUMENT, v.rejections.Summary());
      }
    }
    v1::CollectorMessage ack;
    ack.mutable_ack()->set_seq(seq);
    ack.mutable_ack()->set_points_stored(v.points);
    ack.mutable_ack()->set_points_rejected(rejected);
    for (int r = 0; r < v1::RejectReason_ARRAYSIZE; ++r) {
      const Rejections::Group& g = v.rejections.by_reason[static_cast<size_t>(r)];
      if (g.points == 0) continue;
      v1::RejectedPoints* rp = ack.mutable_ack()->add_rejected();
      rp->set_reason(static_cast<v1::RejectReason>(r));
      rp->set_points(g.points);
      rp->set_example(g.example);
    }
    ++in_flight_;
    const uint32_t points = v.points;
    submit_ = [this, points, ack = std::move(ack), v = std::move(v)]() mutable {
      service_.pipeline_.Submit(std::move(v), [this, points, ack = std::move(ack)](
                                                  const absl::Status& status) {
        {
          absl::MutexLock lock(&mu_);
          if (status.ok()) {
            service_.counters_.points_stored += points;
            ++service_.counters_.batches_acked;
            outbox_.push_back(Encode(ack));
          } else {
            // Storage trouble (disk full, read-only, shutting down): retryable.
            const auto code = status.code() == absl::StatusCode::kResourceExhausted
                                  ? grpc::StatusCode::RESOURCE_EXHAUSTED
                                  : grpc::StatusCode::UNAVAILABLE;
            RejectLocked(ack.ack().seq(), code, absl::StrCat("not stored: ", status.message()));
          }
        }
        Completed();
      });
    };
  }

  void RejectLocked(uint64_t seq, grpc::StatusCode code, const std::string& reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++service_.counters_.batches_rejected;
    if (broken_) return;
    v1::CollectorMessage msg;
    msg.mutable_rejection()->set_seq(seq);
    msg.mutable_rejection()->set_code(static_cast<int32_t>(code));
    msg.mutable_rejection()->set_reason(reason);
    outbox_.push_back(Encode(msg));
  }

  void FailLocked(grpc::StatusCode code, const std::string& message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    spdlog::warn("ingest stream from {}: {}", peer_, message);
    EndLocked(code, message);
  }

  // Stops reading; the stream finishes with this status.
  void EndLocked(grpc::StatusCode code, const std::string& message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    final_status_ = grpc::Status(code, message);
    reads_done_ = true;
  }

  // The client is gone: drop what was not sent yet, but never the message
  // being written — gRPC still reads it until OnWriteDone, which pops it.
  // (Clearing it too freed the buffer under the write and made OnWriteDone
  // pop an empty deque: a crash when a cancel raced a storage callback.)
  void DropUnsentLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto first_unsent = outbox_.begin();
    if (write_in_flight_ && first_unsent != outbox_.end()) ++first_unsent;
    outbox_.erase(first_unsent, outbox_.end());
  }

  // A WriteQueue callback finished (writer thread), or capacity returned.
  void Completed() {
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      --in_flight_;
      actions = PlanLocked();
    }
    Act(actions);
  }

  Actions PlanLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Actions a;
    if (finished_) return a;
    if (broken_) DropUnsentLocked();
    if (!write_in_flight_ && !outbox_.empty()) {
      write_in_flight_ = true;
      a.write = &outbox_.front();  // deque elements stay put until popped
    }
    const bool may_read = !reads_done_ && !draining_ && !read_in_flight_ &&
                          in_flight_ < options_.max_in_flight_batches;
    if (may_read) {
      // Global back-pressure: while the write queue is full, park this
      // stream; the queue calls Completed() when it has drained. The
      // parked callback counts as in flight so the reactor outlives it.
      ++in_flight_;
      if (service_.writes_.WaitForCapacity([this] { Completed(); })) {
        return a;
      }
      --in_flight_;
      read_in_flight_ = true;
      read_started_ = std::chrono::steady_clock::now();
      a.read = true;
    }
    // With a read still outstanding Finish is allowed (the read then ends,
    // and OnReadDone ignores it); with a write outstanding it is not.
    const bool done_reading = reads_done_ || draining_ || broken_;
    if (done_reading && (!read_in_flight_ || draining_ || broken_) && in_flight_ == 0 &&
        outbox_.empty() && !write_in_flight_) {
      finished_ = true;
      a.finish = true;
      a.status = final_status_;
    }
    return a;
  }

  void Act(const Actions& a) {
    if (a.write != nullptr) StartWrite(a.write);
    if (a.read) StartRead(&request_);
    if (a.finish) Finish(a.status);
  }

  IngestService& service_;
  const IngestOptions& options_;
  const PointLimits limits_;
  const std::string peer_;
  const auth::Principal principal_;  // who the stream authenticated as
  const SteadyTime created_;         // for hello_timeout

  absl::Mutex mu_;
  // The one read in flight: at most one received, undecoded message.
  grpc::ByteBuffer request_;
  std::string agent_id_;      // set once by the Hello (under mu_)
  std::function<void()> submit_ ABSL_GUARDED_BY(mu_);  // run after unlocking
  std::deque<grpc::ByteBuffer> outbox_ ABSL_GUARDED_BY(mu_);  // front is being written
  SteadyTime read_started_ ABSL_GUARDED_BY(mu_);  // of the read in flight: idle_stream_timeout
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;  // awaiting commit or capacity
  bool read_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool logged_rejection_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

IngestService::IngestService(WriteQueue& writes, AgentTracker& tracker,
                             auth::Authorizer& authorizer, const Storage& storage,
                             const Clock& clock, IngestOptions options)
    : writes_(writes), tracker_(tracker), authorizer_(authorizer), clock_(clock),
      options_(options), pipeline_(writes, storage, clock, options.series) {
  sweeper_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "scout-ingest-sw");  // 15 bytes at most
    Sweep();
  });
}

IngestService::~IngestService() {
  {
    absl::MutexLock lock(&mu_);
    stop_sweeper_ = true;
  }
  if (sweeper_.joinable()) sweeper_.join();
}

// The stream timeouts. Streams that expired are pinned under mu_ (so they
// cannot finish and be deleted) and drained after it is released: Drain
// may run Finish, and Finish may run OnDone (which takes mu_) inline.
void IngestService::Sweep() {
  const auto shortest = std::min(options_.hello_timeout, options_.idle_stream_timeout);
  const auto tick = std::clamp<std::chrono::milliseconds>(
      shortest / 10, std::chrono::milliseconds(10), std::chrono::seconds(1));
  while (true) {
    std::vector<std::pair<IngestStream*, IngestStream::Expiry>> expired;
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stop_sweeper_), absl::FromChrono(tick))) return;
      const SteadyTime now = std::chrono::steady_clock::now();
      for (const auto& [stream, peer] : live_) {
        IngestStream::Expiry e = stream->PinIfExpired(now);
        if (e != IngestStream::Expiry::kNone) expired.emplace_back(stream, e);
      }
    }
    for (const auto& [stream, e] : expired) {
      if (e == IngestStream::Expiry::kHelloTimeout) {
        ++counters_.closed_hello_timeout;
        stream->Drain(grpc::Status(
            grpc::StatusCode::DEADLINE_EXCEEDED,
            absl::StrCat("no Hello within ", absl::FormatDuration(absl::FromChrono(
                                                 options_.hello_timeout)))));
      } else {
        ++counters_.closed_idle;
        stream->Drain(grpc::Status(
            grpc::StatusCode::UNAVAILABLE,
            absl::StrCat("stream idle for ", absl::FormatDuration(absl::FromChrono(
                                                  options_.idle_stream_timeout)),
                         "; reconnect")));
      }
    }
  }
}

std::string IngestService::PeerKey(const grpc::CallbackServerContext& context,
                                   const auth::Principal& principal) const {
  if (authorizer_.enabled() && !principal.name.empty()) return "principal:" + principal.name;
  // "ipv4:10.0.0.1:5432", "ipv6:[::1]:5432": the address without the port,
  // so every connection of one client counts together.
  std::string peer = context.peer();
  if (absl::StartsWith(peer, "ipv4:") || absl::StartsWith(peer, "ipv6:")) {
    peer = peer.substr(5);
    const size_t colon = peer.rfind(':');
    if (colon != std::string::npos) peer.resize(colon);
  }
  return peer;
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* IngestService::Stream(
    grpc::CallbackServerContext* context) {
  // Before anything else: an unauthorized stream reads nothing.
  absl::StatusOr<auth::Principal> principal =
      authorizer_.Authorize(*context, auth::Permission::kIngest);
  // A refused stream gets a principal that may do nothing.
  auto* stream = new IngestStream(context, *this,
                                  principal.ok() ? *principal
                                                 : auth::Principal{"", auth::Role::kAgent, {}});
  grpc::Status refusal = principal.ok() ? grpc::Status::OK : ToGrpc(principal.status());
  std::string peer_key;
  {
    absl::MutexLock lock(&mu_);
    if (!refusal.ok()) {
      // refused by the authorizer (counted there)
    } else if (shutting_down_) {
      refusal = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                             "collector is shutting down; reconnect later");
    } else if (static_cast<int>(live_.size()) >= options_.max_streams) {
      refusal = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                             absl::StrCat("too many agent streams (limit ", options_.max_streams, ")"));
      ++counters_.streams_refused;
    } else {
      peer_key = PeerKey(*context, *principal);
      int& streams = peer_streams_[peer_key];
      if (streams >= options_.max_streams_per_peer) {
        refusal = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               absl::StrCat("too many streams from ", peer_key,
                                            " (max_streams_per_peer ",
                                            options_.max_streams_per_peer, ")"));
        ++counters_.closed_peer_limit;
        peer_key.clear();  // not counted
      } else {
        ++streams;
      }
    }
    live_.emplace(stream, peer_key);
  }
  stream->Begin(refusal);
  return stream;
}

void IngestService::BeginShutdown() {
  std::vector<IngestStream*> streams;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    // Pinned streams cannot finish, so they stay valid after the unlock;
    // Drain() must run unlocked because Finish may run OnDone inline.
    for (const auto& [s, peer] : live_) {
      if (s->Pin()) streams.push_back(s);
    }
  }
  spdlog::info("draining {} ingest streams", streams.size());
  for (IngestStream* s : streams) {
    s->Drain(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "collector is shutting down; reconnect later"));
  }
}

void IngestService::Unregister(IngestStream* stream) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(stream);
  if (it == live_.end()) return;
  if (!it->second.empty()) {
    auto peer = peer_streams_.find(it->second);
    if (peer != peer_streams_.end() && --peer->second <= 0) peer_streams_.erase(peer);
  }
  live_.erase(it);
}

int IngestService::live_streams() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(live_.size());
}

}  // namespace scout::collector
