#include "agent/ingest_client.h"

#include "agent/replay_pacer.h"

#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include <deque>

#include "absl/strings/str_cat.h"
#include "shared/backoff.h"
#include "shared/duration.h"
#include "shared/logging.h"
#include "shared/proto_convert.h"
#include "shared/version.h"

namespace scout::agent {
namespace {

absl::StatusOr<std::shared_ptr<grpc::Channel>> NewChannel(const std::string& address,
                                                          const ClientSecurity& security) {
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
  return MakeClientChannel(address, security, args);
}

// The collector refused who we are (or what we may do): retrying at once
// cannot help.
bool IsRefusal(const absl::Status& status) {
  return absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status);
}

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
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
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    stop_deadline_ = absl::Now() + absl::FromChrono(grace);
  }
  if (thread_.joinable()) thread_.join();
}

void IngestClient::SetLink(Link link, const absl::Status& why) {
  absl::MutexLock lock(&mu_);
  if (link != link_) LogLinkChangeLocked(link, why);
  if (link == Link::kConnected && link_ != Link::kConnected) ++counters_.connects;
  link_ = link;
  counters_.connected = link == Link::kConnected;
}

void IngestClient::LogLinkChangeLocked(Link link, const absl::Status& why) const {
  const std::string& address = options_.address;
  switch (link) {
    case Link::kConnected:
      if (link_ == Link::kRefused) {
        spdlog::info("collector {} accepted the credentials again; connected", address);
      } else {
        spdlog::info("connected to collector {}", address);
      }
      break;
    case Link::kUnreachable:
      if (link_ == Link::kConnected) {
        spdlog::warn("lost connection to collector {}: {}; spooling and reconnecting with backoff",
                     address, why.message());
      } else {
        spdlog::warn("cannot reach collector {}: {}; spooling and retrying with backoff "
                     "(logged once)", address, why.message());
      }
      break;
    case Link::kRefused:
      // The collector's message names the principal at most; the token
      // never leaves this process except on the wire.
      spdlog::error("collector {} refused credentials: {}: {}; spooling and retrying every {} "
                    "(logged once, until accepted)", address,
                    absl::StatusCodeToString(why.code()), why.message(),
                    FormatDuration(options_.max_backoff));
      break;
    case Link::kStarting:
      break;
  }
}

void IngestClient::Loop() {
  Backoff backoff(options_.initial_backoff, options_.max_backoff,
                  std::hash<std::string>{}(options_.incarnation_id + options_.agent_id));
  while (true) {
    absl::Status ended = RunStream();
    bool was_connected;
    {
      absl::MutexLock lock(&mu_);
      was_connected = link_ == Link::kConnected;
      if (stopping_) return;
    }
    if (was_connected) backoff.Reset();
    const bool refused = IsRefusal(ended);
    SetLink(refused ? Link::kRefused : Link::kUnreachable, ended);
    const auto delay = refused ? backoff.FullDelay() : backoff.NextDelay();
    spdlog::debug("reconnecting in {} ms", delay.count());
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(delay))) return;
  }
}

bool IngestClient::CanSendLocked() const {
  return stopping_ || !stream_live_ || static_cast<int>(awaiting_ack_.size()) < options_.window;
}

bool IngestClient::AllAckedLocked() const { return awaiting_ack_.empty() || !stream_live_; }

v1::AgentMessage IngestClient::Hello() const {
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
  return hello_msg;
}

bool IngestClient::AdmitLocked(const v1::Batch& batch) {
  if (batch.ByteSizeLong() > max_batch_bytes_) {
    spdlog::error("batch {} is {} bytes, over the collector's {}-byte limit; dropping it",
                  batch.seq(), batch.ByteSizeLong(), max_batch_bytes_);
    spool_.Remove(batch.seq());
    ++counters_.batches_rejected;
    counters_.samples_rejected += CountPoints(batch);
    return false;
  }
  awaiting_ack_.insert(batch.seq());
  return true;
}

void IngestClient::SendBatches(Stream& stream) {
  // Everything already spooled is backlog for this stream.
  StreamCursor cursor(spool_, pacing_clock_, options_.replay_samples_per_second);
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &IngestClient::CanSendLocked));
      if (stopping_ || !stream_live_) break;
    }
    auto next = cursor.Take();
    if (!next) continue;
    next->batch.set_sent_at_ms(clock_.NowMs());
    {
      absl::MutexLock lock(&mu_);
      if (!AdmitLocked(next->batch)) continue;
    }
    v1::AgentMessage msg;
    *msg.mutable_batch() = std::move(next->batch);
    if (!stream.Write(msg)) break;
    ++counters_.batches_sent;
    if (next->is_replay) ++counters_.batches_replayed;
  }
}

absl::Status IngestClient::RunStream() {
  // Read again for every stream: rotated files and tokens apply from the
  // next connection on.
  auto channel = NewChannel(options_.address, options_.security);
  if (!channel.ok()) return channel.status();
  auto token = ReadClientToken(options_.security);
  if (!token.ok()) return token.status();
  auto stub = v1::Ingest::NewStub(*channel);
  grpc::ClientContext context;
  context.set_wait_for_ready(false);
  AttachToken(*token, context);
  auto stream = stub->Stream(&context);
  {
    absl::MutexLock lock(&mu_);
    awaiting_ack_.clear();
    stream_live_ = true;
  }
  std::thread reader;
  if (stream->Write(Hello())) {
    reader = std::thread([this, s = stream.get(), &context] {
      pthread_setname_np(pthread_self(), "scout-recv");
      ReadAcks(s, &context);
    });
    SendBatches(*stream);
    stream->WritesDone();
    // On a clean stop, give outstanding acks until the deadline.
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithDeadline(absl::Condition(this, &IngestClient::AllAckedLocked),
                          stopping_ ? stop_deadline_ : absl::Now());
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
          absl::MutexLock lock(&mu_);
          if (msg.welcome().max_batch_bytes() > 0) max_batch_bytes_ = msg.welcome().max_batch_bytes();
        }
        SetLink(Link::kConnected, absl::OkStatus());
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
        absl::MutexLock lock(&mu_);
        awaiting_ack_.erase(ack.seq());
        break;
      }
      case v1::CollectorMessage::kRejection: {
        const v1::Rejection& r = msg.rejection();
        if (r.code() == static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT)) {
          // Never retried: it would be rejected again.
          spdlog::error("collector rejected batch {} as invalid, dropping it: {}", r.seq(),
                        r.reason());
          if (auto batch = spool_.Read(r.seq())) counters_.samples_rejected += CountPoints(*batch);
          spool_.Remove(r.seq());
          ++counters_.batches_rejected;
          absl::MutexLock lock(&mu_);
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
  }
  absl::MutexLock lock(&mu_);
  stream_live_ = false;
}

}  // namespace scout::agent
