#include "collector/remote_write/metadata_sender.h"

#include <pthread.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "collector/remote_write/remote_write_codec.h"
#include "shared/backoff.h"
#include "shared/logging.h"
#include "shared/metric_catalog.h"
#include "shared/url_redact.h"

namespace scout::collector::remote_write {
namespace {

using Steady = std::chrono::steady_clock;

std::atomic<int> next_thread_number{0};

}  // namespace

std::vector<prometheus::MetricMetadata> CatalogMetadata() {
  std::vector<prometheus::MetricMetadata> out;
  out.reserve(AllMetrics().size());
  for (const MetricInfo& m : AllMetrics()) {
    if (IsFamilyMember(m)) continue;  // X_bucket, X_sum, X_count: only X is named
    prometheus::MetricMetadata md;
    md.set_type(MetadataType(m.type));
    md.set_metric_family_name(std::string(m.name));
    md.set_help(std::string(m.help));
    md.set_unit(std::string(m.unit));
    out.push_back(std::move(md));
  }
  return out;
}

MetadataSender::MetadataSender(const RemoteWriteTarget& target, MetadataSource source)
    : target_(target), source_(source ? std::move(source) : MetadataSource(CatalogMetadata)),
      poster_(target) {}

MetadataSender::~MetadataSender() { Stop(); }

void MetadataSender::Start() {
  const int number = next_thread_number++;
  thread_ = std::thread([this, number] {
    const std::string name = absl::StrCat("scout-rwmeta-", number);
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    Run();
  });
}

void MetadataSender::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool MetadataSender::SleepUntil(Steady::time_point until) {
  absl::MutexLock lock(&mu_);
  const auto left = std::max(Steady::duration::zero(), until - Steady::now());
  return !mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(left));
}

void MetadataSender::Run() {
  for (Steady::time_point next = Steady::now();; ) {
    next += target_.metadata.send_interval;
    if (!SendRound(next)) return;
    if (!SleepUntil(next)) return;
  }
}

bool MetadataSender::SendRound(Steady::time_point round_end) {
  std::vector<prometheus::MetricMetadata> metadata;
  try {
    metadata = source_();
  } catch (const std::exception& e) {
    spdlog::error("remote_write {}: cannot list metric metadata: {}", target_.name, e.what());
    return true;
  }
  const size_t max = static_cast<size_t>(target_.metadata.max_samples_per_send);
  const std::vector<std::string> bodies = EncodeMetadataRequests(metadata, max);
  for (size_t i = 0; i < bodies.size(); ++i) {
    const uint64_t entries = std::min(max, metadata.size() - i * max);
    if (Steady::now() >= round_end) {  // out of time: the next round resends all
      dropped_ += entries;
      continue;
    }
    if (!SendBody(bodies[i], entries, round_end)) return false;
  }
  return true;
}

bool MetadataSender::SendBody(const std::string& body, uint64_t entries, Steady::time_point round_end) {
  Backoff backoff(target_.queue.min_backoff, target_.queue.max_backoff,
                  static_cast<uint64_t>(reinterpret_cast<uintptr_t>(this)));
  for (;;) {
    const PostResult r = poster_.Post(body);
    ++requests_;
    if (r.http_status >= 200 && r.http_status < 300) {
      sent_ += entries;
      if (failing_) spdlog::info("remote_write {}: metadata sent again", target_.name);
      failing_ = false;
      return true;
    }
    ++requests_failed_;
    const bool retry = r.http_status == 0 || r.http_status == 429 || r.http_status >= 500;
    if (!failing_ || !retry) {
      const std::string what =
          r.http_status == 0 ? r.error : absl::StrCat("HTTP ", r.http_status, " ", r.error);
      spdlog::warn("remote_write {} ({}): metadata {}: {}", target_.name,
                   UrlAuthorityOnly(target_.url),
                   retry ? "send failed, retrying" : "refused, dropped", what);
    }
    failing_ = retry;
    std::chrono::milliseconds delay = backoff.NextDelay();
    if (r.retry_after) delay = std::max<std::chrono::milliseconds>(delay, *r.retry_after);
    if (!retry || Steady::now() + delay >= round_end) {
      dropped_ += entries;
      return true;
    }
    ++requests_retried_;
    if (!SleepUntil(Steady::now() + delay)) return false;
  }
}

MetadataStats MetadataSender::Stats() const {
  MetadataStats s;
  s.sent = sent_;
  s.dropped = dropped_;
  s.requests = requests_;
  s.requests_failed = requests_failed_;
  s.requests_retried = requests_retried_;
  return s;
}

}  // namespace scout::collector::remote_write
