#include "agent/ingest_client.h"

#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include "absl/strings/str_cat.h"
#include "shared/backoff.h"
#include "shared/logging.h"
#include "shared/proto_convert.h"
#include "shared/version.h"

namespace scout::agent {
namespace {

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments args;
  // A private subchannel pool: a fresh channel really reconnects now
  // instead of inheriting a shared subchannel's reconnect backoff.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(4 * 1024 * 1024);
  args.SetMaxSendMessageSize(64 * 1024 * 1024);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

}  // namespace

IngestClient::IngestClient(IngestClientOptions options, Outbox& outbox, const Clock& clock)
    : options_(std::move(options)), outbox_(outbox), clock_(clock) {}

IngestClient::~IngestClient() { Stop(std::chrono::milliseconds(0)); }

void IngestClient::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "scout-send");
    Loop();
  });
}

void IngestClient::Stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + grace;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

IngestClientStats IngestClient::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void IngestClient::SetConnected(bool connected, const absl::Status& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connected && !stats_.connected) {
    spdlog::info("connected to collector {}", options_.address);
    ever_failed_logged_ = false;
  } else if (!connected && stats_.connected) {
    spdlog::warn("lost connection to collector {}: {}; reconnecting with backoff",
                 options_.address, why.message());
    ever_failed_logged_ = true;
  } else if (!connected && !ever_failed_logged_) {
    spdlog::warn("cannot reach collector {}: {}; retrying with backoff (logged once)",
                 options_.address, why.message());
    ever_failed_logged_ = true;
  }
  stats_.connected = connected;
}

void IngestClient::Loop() {
  Backoff backoff(options_.initial_backoff, options_.max_backoff,
                  std::hash<std::string>{}(options_.incarnation_id));
  while (true) {
    absl::Status ended = RunStream();
    bool was_connected;
    {
      std::lock_guard<std::mutex> lock(mu_);
      was_connected = stats_.connected;
      if (stopping_) return;
    }
    if (was_connected) backoff.Reset();
    SetConnected(false, ended);
    const auto delay = backoff.NextDelay();
    spdlog::debug("reconnecting in {} ms", delay.count());
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, delay, [this] { return stopping_; })) return;
  }
}

absl::Status IngestClient::RunStream() {
  auto stub = v1::Ingest::NewStub(NewChannel(options_.address));
  grpc::ClientContext context;
  context.set_wait_for_ready(false);
  auto stream = stub->Stream(&context);
  {
    std::lock_guard<std::mutex> lock(mu_);
    awaiting_ack_.clear();
    context_ = &context;
    ++stats_.streams_opened;
  }

  v1::AgentMessage hello_msg;
  v1::Hello* hello = hello_msg.mutable_hello();
  hello->set_agent_id(options_.agent_id);
  hello->set_hostname(options_.hostname);
  hello->set_version(kVersion);
  LabelsToProto(options_.labels, hello->mutable_labels());
  hello->set_incarnation_id(options_.incarnation_id);
  hello->set_started_at_ms(clock_.NowMs());
  hello->set_protocol_version(1);
  hello->set_interval_ms(options_.interval_ms);

  std::thread reader;
  if (stream->Write(hello_msg)) {
    reader = std::thread([this, s = stream.get(), &context] {
      pthread_setname_np(pthread_self(), "scout-recv");
      ReadAcks(s, &context);
    });
    uint64_t last_sent = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] {
          return stopping_ || context_ == nullptr ||
                 static_cast<int>(awaiting_ack_.size()) < options_.window;
        });
        if (stopping_ || context_ == nullptr) break;
      }
      auto batch = outbox_.NextAfter(
          last_sent, std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
      if (!batch) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        awaiting_ack_.insert(batch->seq());
      }
      v1::AgentMessage msg;
      *msg.mutable_batch() = std::move(*batch);
      if (!stream->Write(msg)) break;
      last_sent = msg.batch().seq();
    }
    stream->WritesDone();
    // On a clean stop, give outstanding acks until the deadline.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, stopping_ ? stop_deadline_ : std::chrono::steady_clock::now(),
                   [this] { return awaiting_ack_.empty() || context_ == nullptr; });
    if (context_ != nullptr) context.TryCancel();
  }
  if (reader.joinable()) reader.join();
  grpc::Status status = stream->Finish();
  {
    std::lock_guard<std::mutex> lock(mu_);
    context_ = nullptr;
  }
  return status.ok() ? absl::UnavailableError("stream closed by the collector")
                     : FromGrpc(status);
}

void IngestClient::ReadAcks(
    grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>* stream,
    grpc::ClientContext* context) {
  v1::CollectorMessage msg;
  while (stream->Read(&msg)) {
    switch (msg.kind_case()) {
      case v1::CollectorMessage::kWelcome:
        SetConnected(true, absl::OkStatus());
        break;
      case v1::CollectorMessage::kAck: {
        outbox_.Remove(msg.ack().seq());
        std::lock_guard<std::mutex> lock(mu_);
        awaiting_ack_.erase(msg.ack().seq());
        ++stats_.acked_batches;
        break;
      }
      case v1::CollectorMessage::kRejection: {
        const v1::Rejection& r = msg.rejection();
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.rejected_batches;
        if (r.code() == static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT)) {
          spdlog::error("collector rejected batch {} as invalid, dropping it: {}", r.seq(),
                        r.reason());
          outbox_.Remove(r.seq());
          awaiting_ack_.erase(r.seq());
        } else {
          // Retryable: end this stream; the batch is resent after backoff.
          spdlog::warn("collector could not store batch {} ({}); will resend", r.seq(),
                       r.reason());
          context->TryCancel();
        }
        break;
      }
      default:
        break;  // newer collector message kinds: ignore
    }
    cv_.notify_all();
  }
  std::lock_guard<std::mutex> lock(mu_);
  context_ = nullptr;
  cv_.notify_all();
}

}  // namespace scout::agent
