#include "shared/probe/probe_engine.h"

#include <pthread.h>

#include <algorithm>

#include "shared/probe/probe_transfer.h"
#include "shared/logging.h"

namespace scout::probe {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Upper bound on one curl_multi_poll so Stop() is never delayed by much
// even if a wakeup were lost.
constexpr std::chrono::milliseconds kMaxPollWait{1000};

// Drives `multi` until the transfer `easy` is done; returns its code.
CURLcode RunToCompletion(CURLM* multi, CURL* easy) {
  curl_multi_add_handle(multi, easy);
  for (;;) {
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
        const CURLcode code = msg->data.result;
        curl_multi_remove_handle(multi, easy);
        return code;
      }
    }
    curl_multi_poll(multi, nullptr, 0, static_cast<int>(kMaxPollWait.count()), nullptr);
  }
}

}  // namespace

ProbeEngine::ProbeEngine(std::vector<HttpProbeSpec> http, std::vector<TcpProbeSpec> tcp,
                         Options options)
    : http_(std::move(http)), tcp_(std::move(tcp)), options_(options) {
  EnsureCurlGlobalInit();
  multi_ = curl_multi_init();
  for (const HttpProbeSpec& spec : http_) {
    probes_.push_back(Probe{&spec, nullptr, spec.interval, {}, nullptr});
  }
  for (const TcpProbeSpec& spec : tcp_) {
    probes_.push_back(Probe{nullptr, &spec, spec.interval, {}, nullptr});
  }
}

ProbeEngine::~ProbeEngine() {
  Stop();
  curl_multi_cleanup(multi_);
}

void ProbeEngine::Start() {
  if (thread_.joinable() || stop_) return;
  const auto now = SteadyClock::now();
  for (Probe& p : probes_) {
    const std::string& name = p.http != nullptr ? p.http->name : p.tcp->name;
    p.next_due = now + (options_.jitter ? StartOffset(name, p.interval) : std::chrono::milliseconds(0));
  }
  thread_ = std::thread([this] { Run(); });
}

std::chrono::milliseconds ProbeEngine::StartOffset(const std::string& name,
                                                   std::chrono::milliseconds interval) {
  if (interval.count() <= 0) return std::chrono::milliseconds(0);
  // FNV-1a rather than std::hash: stable across builds and standard libraries.
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return std::chrono::milliseconds(static_cast<int64_t>(h % static_cast<uint64_t>(interval.count())));
}

void ProbeEngine::Stop() {
  stop_ = true;
  curl_multi_wakeup(multi_);
  if (thread_.joinable()) thread_.join();
}

std::vector<ProbeResult> ProbeEngine::Drain() {
  absl::MutexLock lock(&mu_);
  std::vector<ProbeResult> out;
  out.swap(results_);
  return out;
}

void ProbeEngine::Push(ProbeResult result) {
  absl::MutexLock lock(&mu_);
  if (results_.size() >= options_.max_queued_results && !results_.empty()) {
    results_.erase(results_.begin());
    ++dropped_;
  }
  results_.push_back(std::move(result));
}

void ProbeEngine::StartDue(SteadyClock::time_point now) {
  for (size_t i = 0; i < probes_.size(); ++i) {
    Probe& p = probes_[i];
    if (now < p.next_due) continue;
    // Catch up without bursts: a run missed (still in flight, or the loop
    // was late) is skipped, the schedule keeps its phase.
    while (p.next_due <= now) p.next_due += p.interval;
    if (p.running) continue;
    auto transfer = p.http != nullptr ? std::make_unique<ProbeTransfer>(*p.http, i)
                                      : std::make_unique<ProbeTransfer>(*p.tcp, i);
    if (const absl::Status s = transfer->Prepare(); !s.ok()) {
      Push(transfer->SetupFailure(s));
      continue;
    }
    if (curl_multi_add_handle(multi_, transfer->easy()) != CURLM_OK) {
      Push(transfer->SetupFailure(absl::InternalError("curl_multi_add_handle failed")));
      continue;
    }
    p.running = std::move(transfer);
  }
}

void ProbeEngine::CollectFinished() {
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    // Copy out before remove_handle: msg is invalid afterwards.
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;
    ProbeTransfer* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    curl_multi_remove_handle(multi_, easy);
    for (Probe& p : probes_) {
      if (p.running.get() != transfer) continue;
      if (transfer->NextHop(code)) {  // a redirect: the same transfer goes on
        if (curl_multi_add_handle(multi_, easy) == CURLM_OK) break;
        Push(transfer->SetupFailure(absl::InternalError("curl_multi_add_handle failed")));
      } else {
        Push(transfer->Complete(code));
      }
      p.running.reset();
      break;
    }
  }
}

void ProbeEngine::Run() {
  pthread_setname_np(pthread_self(), "scout-probe");
  SPDLOG_DEBUG("probe engine started with {} probes", probes_.size());
  while (!stop_) {
    StartDue(SteadyClock::now());
    int running = 0;
    curl_multi_perform(multi_, &running);
    CollectFinished();
    // Sleep until the next due probe; curl_multi_poll shortens this on its
    // own when a transfer has a timeout or socket activity, and Stop()
    // interrupts it with curl_multi_wakeup.
    const auto now = SteadyClock::now();
    auto wait = kMaxPollWait;
    for (const Probe& p : probes_) {
      if (p.running) continue;
      wait = std::min(wait, std::max(std::chrono::milliseconds(0),
                                     std::chrono::duration_cast<std::chrono::milliseconds>(
                                         p.next_due - now + std::chrono::microseconds(999))));
    }
    curl_multi_poll(multi_, nullptr, 0, static_cast<int>(wait.count()), nullptr);
  }
  for (Probe& p : probes_) {
    if (p.running) curl_multi_remove_handle(multi_, p.running->easy());
    p.running.reset();
  }
}

absl::StatusOr<ProbeResult> RunHttpProbeOnce(const HttpProbeSpec& spec) {
  if (absl::Status s = ValidateHttpProbeSpec(spec); !s.ok()) return s;
  EnsureCurlGlobalInit();
  ProbeTransfer transfer(spec, 0);
  if (absl::Status s = transfer.Prepare(); !s.ok()) return s;
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return absl::ResourceExhaustedError("curl_multi_init failed");
  CURLcode code = RunToCompletion(multi, transfer.easy());
  while (transfer.NextHop(code)) code = RunToCompletion(multi, transfer.easy());
  ProbeResult result = transfer.Complete(code);
  curl_multi_cleanup(multi);
  return result;
}

}  // namespace scout::probe
