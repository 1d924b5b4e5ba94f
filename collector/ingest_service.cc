#include "collector/ingest_service.h"

#include <deque>
#include <functional>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "collector/batch_validation.h"
#include "shared/proto_convert.h"
#include "shared/version.h"
#include "shared/logging.h"

namespace scout::collector {
namespace {

// Per-stream reactor. Its mutex is never held while calling a gRPC Start*
// or Finish method, because gRPC may run the matching reaction inline on
// the calling thread. Decisions are made under the lock; the calls happen
// after it is released (see Act()).
class IngestStream final
    : public grpc::ServerBidiReactor<v1::AgentMessage, v1::CollectorMessage> {
 public:
  IngestStream(grpc::CallbackServerContext* context, WriteQueue& writes,
               AgentTracker& tracker, const Clock& clock, const IngestOptions& options)
      : writes_(writes), tracker_(tracker), clock_(clock), options_(options),
        peer_(context->peer()) {
    read_in_flight_ = true;
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    Actions actions;
    std::function<void()> submit;
    {
      std::lock_guard<std::mutex> lock(mu_);
      read_in_flight_ = false;
      if (!ok) {
        reads_done_ = true;
      } else {
        HandleMessageLocked();
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
      std::lock_guard<std::mutex> lock(mu_);
      write_in_flight_ = false;
      outbox_.pop_front();
      if (!ok) {
        // The client is gone; nothing more can be delivered.
        outbox_.clear();
        reads_done_ = true;
        broken_ = true;
      }
      actions = PlanLocked();
    }
    Act(actions);
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    broken_ = true;
  }

  void OnDone() override {
    if (!agent_id_.empty()) {
      tracker_.Disconnected(agent_id_);
      spdlog::info("agent {} disconnected ({})", agent_id_, peer_);
    }
    delete this;
  }

 private:
  struct Actions {
    bool read = false;
    const v1::CollectorMessage* write = nullptr;
    bool finish = false;
    grpc::Status status;
  };

  void HandleMessageLocked() {
    switch (request_.kind_case()) {
      case v1::AgentMessage::kHello:
        HandleHelloLocked(request_.hello());
        break;
      case v1::AgentMessage::kBatch:
        HandleBatchLocked(request_.batch());
        break;
      default:
        break;  // a newer agent's message kind: ignore (forward compatibility)
    }
  }

  void HandleHelloLocked(const v1::Hello& hello) {
    if (!agent_id_.empty()) return FailLocked(grpc::StatusCode::FAILED_PRECONDITION,
                                              "Hello sent twice on one stream");
    absl::Status valid = ValidateHello(hello);
    if (!valid.ok()) return FailLocked(grpc::StatusCode::INVALID_ARGUMENT,
                                       std::string(valid.message()));
    agent_id_ = hello.agent_id();
    tracker_.Connected(agent_id_, peer_);
    spdlog::info("agent {} connected from {} (version {}, incarnation {})", agent_id_, peer_,
                 hello.version(), hello.incarnation_id());

    AgentRecord record;
    record.agent_id = hello.agent_id();
    record.hostname = hello.hostname();
    record.version = hello.version();
    record.labels = LabelsFromProto(hello.labels());
    record.incarnation_id = hello.incarnation_id();
    record.interval_ms = hello.interval_ms();
    record.first_seen_ms = record.last_seen_ms = clock_.NowMs();
    ++in_flight_;
    submit_ = [this, record = std::move(record)]() mutable {
      writes_.SubmitAgent(std::move(record), [this](const absl::Status& status) {
        if (!status.ok()) {
          spdlog::error("agent {}: cannot store agent record: {}", agent_id_, status.message());
        }
        Completed();
      });
    };

    v1::CollectorMessage welcome;
    welcome.mutable_welcome()->set_collector_version(kVersion);
    welcome.mutable_welcome()->set_max_batch_bytes(options_.max_batch_bytes);
    outbox_.push_back(std::move(welcome));
  }

  void HandleBatchLocked(const v1::Batch& batch) {
    if (agent_id_.empty()) return FailLocked(grpc::StatusCode::FAILED_PRECONDITION,
                                             "the first message must be a Hello");
    const uint64_t seq = batch.seq();
    if (batch.ByteSizeLong() > options_.max_batch_bytes) {
      return RejectLocked(seq, grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("batch of ", batch.ByteSizeLong(), " bytes is over the ",
                                       options_.max_batch_bytes, "-byte limit"));
    }
    auto validated = ValidateBatch(batch, agent_id_, clock_.NowMs());
    if (!validated.ok()) {
      spdlog::warn("agent {}: rejected batch {}: {}", agent_id_, seq, validated.status().message());
      return RejectLocked(seq, grpc::StatusCode::INVALID_ARGUMENT,
                          std::string(validated.status().message()));
    }
    uint32_t points = 0;
    for (const SeriesPoints& s : validated->series) points += static_cast<uint32_t>(s.points.size());
    ++in_flight_;
    submit_ = [this, seq, points, batch = *std::move(validated)]() mutable {
      writes_.Submit(std::move(batch), [this, seq, points](const absl::Status& status) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (status.ok()) {
          v1::CollectorMessage ack;
          ack.mutable_ack()->set_seq(seq);
          ack.mutable_ack()->set_points_stored(points);
          outbox_.push_back(std::move(ack));
        } else {
          // Storage trouble (disk full, read-only, shutting down): retryable.
          const auto code = status.code() == absl::StatusCode::kResourceExhausted
                                ? grpc::StatusCode::RESOURCE_EXHAUSTED
                                : grpc::StatusCode::UNAVAILABLE;
          RejectLocked(seq, code, absl::StrCat("not stored: ", status.message()));
        }
      }
      Completed();
      });
    };
  }

  void RejectLocked(uint64_t seq, grpc::StatusCode code, const std::string& reason) {
    if (broken_) return;
    v1::CollectorMessage msg;
    msg.mutable_rejection()->set_seq(seq);
    msg.mutable_rejection()->set_code(static_cast<int32_t>(code));
    msg.mutable_rejection()->set_reason(reason);
    outbox_.push_back(std::move(msg));
  }

  void FailLocked(grpc::StatusCode code, const std::string& message) {
    spdlog::warn("ingest stream from {}: {}", peer_, message);
    final_status_ = grpc::Status(code, message);
    reads_done_ = true;
  }

  // A WriteQueue callback finished (writer thread).
  void Completed() {
    Actions actions;
    {
      std::lock_guard<std::mutex> lock(mu_);
      --in_flight_;
      actions = PlanLocked();
    }
    Act(actions);
  }

  // Decides the next gRPC calls from the current state.
  Actions PlanLocked() {
    Actions a;
    if (finished_) return a;
    if (broken_) outbox_.clear();
    if (!write_in_flight_ && !outbox_.empty()) {
      write_in_flight_ = true;
      a.write = &outbox_.front();  // deque elements stay put until popped
    }
    if (!reads_done_ && !read_in_flight_ && in_flight_ < options_.max_in_flight_batches) {
      read_in_flight_ = true;
      a.read = true;
    }
    if (reads_done_ && !read_in_flight_ && in_flight_ == 0 && outbox_.empty() &&
        !write_in_flight_) {
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

  WriteQueue& writes_;
  AgentTracker& tracker_;
  const Clock& clock_;
  const IngestOptions& options_;
  const std::string peer_;

  std::mutex mu_;
  v1::AgentMessage request_;                // owned by the read in flight
  std::string agent_id_;                    // set once by the Hello
  std::function<void()> submit_;            // GUARDED_BY(mu_): run after unlocking
  std::deque<v1::CollectorMessage> outbox_; // GUARDED_BY(mu_); front is being written
  int in_flight_ = 0;                       // GUARDED_BY(mu_): submitted, not yet committed
  bool read_in_flight_ = false;             // GUARDED_BY(mu_)
  bool write_in_flight_ = false;            // GUARDED_BY(mu_)
  bool reads_done_ = false;                 // GUARDED_BY(mu_)
  bool broken_ = false;                     // GUARDED_BY(mu_)
  bool finished_ = false;                   // GUARDED_BY(mu_)
  grpc::Status final_status_;               // GUARDED_BY(mu_)
};

}  // namespace

grpc::ServerBidiReactor<v1::AgentMessage, v1::CollectorMessage>* IngestService::Stream(
    grpc::CallbackServerContext* context) {
  return new IngestStream(context, writes_, tracker_, clock_, options_);
}

}  // namespace scout::collector
