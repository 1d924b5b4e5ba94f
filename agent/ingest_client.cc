#include "agent/ingest_client.h"

#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include <deque>

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
  // Keepalive agreeing with the collector (collector/collector_server.cc),
  // which accepts pings every 5 s or more.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetMaxReceiveMessageSize(4 * 1024 * 1024);
  args.SetMaxSendMessageSize(64 * 1024 * 1024);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

uint64_t Points(const v1::Batch& b) {
  uint64_t n = 0;
  for (const auto& s : b.series()) n += static_cast<uint64_t>(s.points_size());
  return n;
}

}  // namespace

IngestClient::IngestClient(IngestClientOptions options, Spool& spool, AgentCounters& counters,
                           const Clock& clock)
    : options_(std::move(options)), spool_(spool), counters_(counters), clock_(clock) {}

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

void IngestClient::SetConnected(bool connected, const absl::Status& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connected && !connected_) {
    spdlog::info("connected to collector {}", options_.address);
    failure_logged_ = false;
    ++counters_.connects;
  } else if (!connected && connected_) {
    spdlog::warn("lost connection to collector {}: {}; spooling and reconnecting with backoff",
                 options_.address, why.message());
    failure_logged_ = true;
  } else if (!connected && !failure_logged_) {
    spdlog::warn("cannot reach collector {}: {}; spooling and retrying with backoff (logged once)",
                 options_.address, why.message());
    failure_logged_ = true;
  }
  connected_ = connected;
  counters_.connected = connected;
}

void IngestClient::Loop() {
  Backoff backoff(options_.initial_backoff, options_.max_backoff,
                  std::hash<std::string>{}(options_.incarnation_id + options_.agent_id));
  while (true) {
    absl::Status ended = RunStream();
    bool was_connected;
    {
      std::lock_guard<std::mutex> lock(mu_);
      was_connected = connected_;
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

std::optional<v1::Batch> IngestClient::NextBatch(uint64_t* last_live, uint64_t stream_start,
                                                 std::deque<uint64_t>* backlog, double* tokens,
                                                 std::chrono::steady_clock::time_point* refill_at,
                                                 bool* is_replay) {
  const auto now = std::chrono::steady_clock::now();
  // Refill the replay budget: at most one second's worth banked.
  const double rate = options_.replay_samples_per_second;
  *tokens = std::min(rate, *tokens + rate * std::chrono::duration<double>(now - *refill_at).count());
  *refill_at = now;

  if (auto live = spool_.FirstAfter(std::max(*last_live, stream_start))) {
    *last_live = *live;
    *is_replay = false;
    return spool_.Read(*live);
  }
  while (!backlog->empty() && *tokens > 0) {
    auto batch = spool_.Read(backlog->front());
    if (!batch) {  // acked on an earlier stream, or dropped by the spool
      backlog->pop_front();
      continue;
    }
    backlog->pop_front();
    *tokens -= static_cast<double>(Points(*batch));
    *is_replay = true;
    return batch;
  }
  // Nothing sendable now: wait for new data, or for replay budget.
  auto wake = now + std::chrono::milliseconds(200);
  if (!backlog->empty() && *tokens <= 0) {
    wake = std::min(wake, now + std::chrono::milliseconds(
                                    static_cast<int64_t>(1000.0 * (1 - *tokens) / rate) + 1));
  }
  spool_.WaitForNewer(std::max(*last_live, stream_start), wake);
  return std::nullopt;
}

absl::Status IngestClient::RunStream() {
  auto stub = v1::Ingest::NewStub(NewChannel(options_.address));
  grpc::ClientContext context;
  context.set_wait_for_ready(false);
  auto stream = stub->Stream(&context);
  {
    std::lock_guard<std::mutex> lock(mu_);
    awaiting_ack_.clear();
    stream_live_ = true;
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
    // Everything already spooled is backlog for this stream.
    const uint64_t stream_start = spool_.last_seq();
    std::deque<uint64_t> backlog;
    for (uint64_t seq : spool_.Pending()) backlog.push_back(seq);
    uint64_t last_live = stream_start;
    double tokens = options_.replay_samples_per_second;
    auto refill_at = std::chrono::steady_clock::now();
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] {
          return stopping_ || !stream_live_ ||
                 static_cast<int>(awaiting_ack_.size()) < options_.window;
        });
        if (stopping_ || !stream_live_) break;
      }
      bool is_replay = false;
      auto batch = NextBatch(&last_live, stream_start, &backlog, &tokens, &refill_at, &is_replay);
      if (!batch) continue;
      batch->set_sent_at_ms(clock_.NowMs());
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (batch->ByteSizeLong() > max_batch_bytes_) {
          spdlog::error("batch {} is {} bytes, over the collector's {}-byte limit; dropping it",
                        batch->seq(), batch->ByteSizeLong(), max_batch_bytes_);
          spool_.Remove(batch->seq());
          ++counters_.batches_rejected;
          counters_.samples_rejected += Points(*batch);
          continue;
        }
        awaiting_ack_.insert(batch->seq());
      }
      v1::AgentMessage msg;
      *msg.mutable_batch() = std::move(*batch);
      if (!stream->Write(msg)) break;
      ++counters_.batches_sent;
      if (is_replay) ++counters_.batches_replayed;
    }
    stream->WritesDone();
    // On a clean stop, give outstanding acks until the deadline.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, stopping_ ? stop_deadline_ : std::chrono::steady_clock::now(),
                   [this] { return awaiting_ack_.empty() || !stream_live_; });
    if (stream_live_) context.TryCancel();
  }
  if (reader.joinable()) reader.join();
  grpc::Status status = stream->Finish();
  return status.ok() ? absl::UnavailableError("stream closed by the collector")
                     : FromGrpc(status);
}

void IngestClient::ReadAcks(Stream* stream, grpc::ClientContext* context) {
  v1::CollectorMessage msg;
  while (stream->Read(&msg)) {
    switch (msg.kind_case()) {
      case v1::CollectorMessage::kWelcome: {
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (msg.welcome().max_batch_bytes() > 0) max_batch_bytes_ = msg.welcome().max_batch_bytes();
        }
        SetConnected(true, absl::OkStatus());
        break;
      }
      case v1::CollectorMessage::kAck: {
        const v1::Ack& ack = msg.ack();
        spool_.Remove(ack.seq());
        ++counters_.batches_acked;
        counters_.samples_acked += ack.points_stored();
        if (ack.points_rejected() > 0) {
          counters_.samples_rejected += ack.points_rejected();
          spdlog::debug("batch {}: {} invalid points dropped by the collector", ack.seq(),
                        ack.points_rejected());
        }
        std::lock_guard<std::mutex> lock(mu_);
        awaiting_ack_.erase(ack.seq());
        break;
      }
      case v1::CollectorMessage::kRejection: {
        const v1::Rejection& r = msg.rejection();
        if (r.code() == static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT)) {
          // Never retried: it would be rejected again.
          spdlog::error("collector rejected batch {} as invalid, dropping it: {}", r.seq(),
                        r.reason());
          if (auto batch = spool_.Read(r.seq())) counters_.samples_rejected += Points(*batch);
          spool_.Remove(r.seq());
          ++counters_.batches_rejected;
          std::lock_guard<std::mutex> lock(mu_);
          awaiting_ack_.erase(r.seq());
        } else {
          // Retryable: end this stream; the batch is resent after backoff.
          ++counters_.batches_retry;
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
  stream_live_ = false;
  cv_.notify_all();
}

}  // namespace scout::agent
