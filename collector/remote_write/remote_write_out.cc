#include "collector/remote_write/remote_write_out.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "collector/remote_write/http_poster.h"
#include "collector/remote_write/remote_write_codec.h"
#include "shared/backoff.h"
#include "shared/logging.h"
#include "shared/proto_convert.h"
#include "shared/spool.h"
#include "shared/url_redact.h"

namespace scout::collector::remote_write {
namespace {

using Steady = std::chrono::steady_clock;

// FNV-1a over the series key: stable across restarts, so a series keeps its
// shard (and its order) while its older samples still wait on disk.
uint64_t SeriesHash(const SeriesKey& key) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // separator
    h *= 1099511628211ull;
  };
  mix(key.metric);
  for (const auto& [name, value] : key.labels) {
    mix(name);
    mix(value);
  }
  return h;
}

std::atomic<int> next_thread_number{0};

// A queue record holds up to this many requests' worth of samples.
constexpr int kRecordSendsMultiple = 25;

}  // namespace

// One target: its shards (spool + sender thread + connection each).
class TargetQueue {
 public:
  TargetQueue(RemoteWriteTarget target, SeriesFilter filter, const Clock& clock)
      : target_(std::move(target)), filter_(std::move(filter)), clock_(clock) {}
  ~TargetQueue() { Stop(); }

  absl::Status Open(const RemoteWriteOutOptions& options, const MetadataSource& metadata) {
    const int n = target_.queue.shards;
    for (int i = 0; i < n; ++i) {
      SpoolOptions so;
      so.dir = absl::StrCat(options.dir, "/", target_.name, "/shard-", i);
      std::error_code ec;
      std::filesystem::create_directories(so.dir, ec);
      if (ec) return absl::InternalError(absl::StrCat("cannot create ", so.dir, ": ", ec.message()));
      so.max_bytes = target_.queue.max_bytes / static_cast<uint64_t>(n);
      so.max_age = std::chrono::hours(24 * 3650);  // bounded by bytes only
      so.fsync = options.fsync;
      auto spool = Spool::Open(so, clock_);
      if (!spool.ok()) return spool.status();
      auto shard = std::make_unique<Shard>();
      shard->spool = *std::move(spool);
      shard->poster = std::make_unique<HttpPoster>(target_);
      shards_.push_back(std::move(shard));
    }
    if (target_.metadata.send) {
      metadata_ = std::make_unique<MetadataSender>(target_, metadata);
      metadata_->Start();
    }
    for (auto& shard : shards_) {
      Shard* s = shard.get();
      const int number = next_thread_number++;
      s->thread = std::thread([this, s, number] {
        const std::string name = absl::StrCat("scout-rw-", number);
        pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
        Run(*s);
      });
    }
    return absl::OkStatus();
  }

  void Append(const std::vector<const WriteBatch*>& batches);
  void Stop();
  RemoteWriteStats Stats() const;

 private:
  struct Shard {
    std::unique_ptr<Spool> spool;
    std::unique_ptr<HttpPoster> poster;
    std::thread thread;
  };
  struct Body {
    std::string data;  // snappy-compressed WriteRequest
    uint64_t samples = 0;
  };
  struct Request {
    std::vector<uint64_t> seqs;
    std::vector<uint32_t> points;  // per seq
    uint64_t samples = 0;
    std::vector<Body> bodies;  // each at most max_samples_per_send samples, in order
  };
  void Run(Shard& shard);
  // Takes the oldest records (at most max_samples_per_send samples, or
  // what came within batch_send_deadline); false when stopping.
  bool Collect(Shard& shard, Request* request);
  // Sends until a 2xx or a drop; false when stopping.
  bool Send(Shard& shard, Request& request, Backoff& backoff);
  // Sleeps unless Stop() comes first; false when stopping.
  bool Sleep(std::chrono::milliseconds d);
  bool stopping() const {
    absl::MutexLock lock(&mu_);
    return stopping_;
  }
  void Finish(Spool& spool, const Request& request, uint64_t sent, uint64_t refused);
  void NoteFailure(const PostResult& r, bool retrying);
  void NoteSuccess();

  const RemoteWriteTarget target_;
  const SeriesFilter filter_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<MetadataSender> metadata_;  // null: metadata.send off

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool failing_ ABSL_GUARDED_BY(mu_) = false;  // for logging once per episode
  bool append_failing_ = false;                // writer thread only

  std::atomic<uint64_t> samples_queued_{0}, samples_sent_{0}, requests_sent_{0},
      requests_failed_{0}, requests_retried_{0}, dropped_http_4xx_{0}, dropped_append_{0};
};

void TargetQueue::Append(const std::vector<const WriteBatch*>& batches) {
  const size_t n = shards_.size();
  // Records much larger than a request: each append is fdatasync'ed on the
  // writer thread, so a big commit should cost about one sync per shard.
  const int max = kRecordSendsMultiple * target_.queue.max_samples_per_send;
  // Per shard: records of at most max samples, series in commit order.
  std::vector<std::vector<v1::Batch>> records(n);
  std::vector<int> filled(n, max);  // samples in each shard's last record
  for (const WriteBatch* batch : batches) {
    for (const SeriesPoints& s : batch->series) {
      if (!filter_.Sends(s.key)) continue;
      const size_t i = SeriesHash(s.key) % n;
      v1::Series* out = nullptr;
      for (const Point& p : s.points) {
        if (filled[i] == max) {
          records[i].emplace_back();
          filled[i] = 0;
          out = nullptr;
        }
        if (out == nullptr) {
          out = records[i].back().add_series();
          out->set_metric(s.key.metric);
          for (const auto& [name, value] : s.key.labels) {
            v1::Label* l = out->add_labels();
            l->set_name(name);
            l->set_value(value);
          }
        }
        v1::Point* q = out->add_points();
        q->set_timestamp_ms(p.timestamp_ms);
        q->set_value(p.value);
        ++filled[i];
      }
    }
  }
  bool failed = false;
  for (size_t i = 0; i < n; ++i) {
    for (v1::Batch& record : records[i]) {
      const uint32_t points = CountPoints(record);
      absl::StatusOr<uint64_t> seq = shards_[i]->spool->Append(std::move(record));
      if (seq.ok()) {
        samples_queued_ += points;
        continue;
      }
      dropped_append_ += points;
      if (!append_failing_) {
        spdlog::error("remote_write {}: cannot queue samples, dropping them: {}", target_.name,
                      seq.status().message());
      }
      failed = true;
    }
  }
  if (append_failing_ && !failed) spdlog::info("remote_write {}: queueing again", target_.name);
  append_failing_ = failed;
}

bool TargetQueue::Sleep(std::chrono::milliseconds d) {
  absl::MutexLock lock(&mu_);
  return !mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(d));
}

bool TargetQueue::Collect(Shard& shard, Request* request) {
  Spool& spool = *shard.spool;
  const uint64_t max = static_cast<uint64_t>(target_.queue.max_samples_per_send);
  std::optional<uint64_t> seq = spool.FirstAfter(0);
  while (!seq) {  // wait for the first record
    if (stopping()) return false;
    spool.WaitForNewer(spool.last_seq(), Steady::now() + std::chrono::milliseconds(200));
    seq = spool.FirstAfter(0);
  }
  const auto deadline = Steady::now() + target_.queue.batch_send_deadline;
  std::vector<SeriesPoints> series;
  while (true) {
    if (std::optional<v1::Batch> b = spool.Read(*seq)) {
      const uint32_t points = CountPoints(*b);
      if (request->samples > 0 && request->samples + points > max) break;
      for (const v1::Series& s : b->series()) {
        SeriesPoints sp;
        sp.key.metric = s.metric();
        sp.key.labels = LabelsFromProto(s.labels());
        sp.points.reserve(s.points_size());
        for (const v1::Point& p : s.points()) sp.points.push_back({p.timestamp_ms(), p.value()});
        series.push_back(std::move(sp));
      }
      request->seqs.push_back(*seq);
      request->points.push_back(points);
      request->samples += points;
    }
    if (request->samples >= max) break;
    std::optional<uint64_t> next = spool.FirstAfter(*seq);
    while (!next && Steady::now() < deadline && !stopping()) {
      spool.WaitForNewer(*seq, std::min(deadline, Steady::now() + std::chrono::milliseconds(200)));
      next = spool.FirstAfter(*seq);
    }
    if (!next) break;
    seq = next;
  }
  // Split into requests of at most max samples, series order kept.
  std::vector<SeriesPoints> chunk;
  uint64_t in_chunk = 0;
  auto flush = [&] {
    if (in_chunk == 0) return;
    std::vector<const SeriesPoints*> pointers;
    pointers.reserve(chunk.size());
    for (const SeriesPoints& sp : chunk) pointers.push_back(&sp);
    request->bodies.push_back({EncodeWriteRequest(ToWriteRequest(pointers)), in_chunk});
    chunk.clear();
    in_chunk = 0;
  };
  for (SeriesPoints& sp : series) {
    size_t first = 0;
    while (first < sp.points.size()) {
      const size_t take = std::min<size_t>(sp.points.size() - first, max - in_chunk);
      chunk.push_back({sp.key, {sp.points.begin() + first, sp.points.begin() + first + take}});
      in_chunk += take;
      first += take;
      if (in_chunk == max) flush();
    }
  }
  flush();
  return true;
}

void TargetQueue::NoteFailure(const PostResult& r, bool retrying) {
  absl::MutexLock lock(&mu_);
  if (failing_ && retrying) return;  // once per outage
  failing_ = retrying;
  const std::string what =
      r.http_status == 0 ? r.error : absl::StrCat("HTTP ", r.http_status, " ", r.error);
  spdlog::warn("remote_write {} ({}): {}: {}", target_.name, UrlAuthorityOnly(target_.url),
               retrying ? "send failed, retrying" : "refused, samples dropped", what);
}

void TargetQueue::NoteSuccess() {
  absl::MutexLock lock(&mu_);
  if (!failing_) return;
  failing_ = false;
  spdlog::info("remote_write {}: sending again", target_.name);
}

bool TargetQueue::Send(Shard& shard, Request& request, Backoff& backoff) {
  uint64_t sent = 0, refused = 0;
  for (size_t next = 0; next < request.bodies.size();) {
    const Body& body = request.bodies[next];
    PostResult r = shard.poster->Post(body.data);
    ++requests_sent_;
    if (r.http_status >= 200 && r.http_status < 300) {
      sent += body.samples;
      ++next;
      backoff.Reset();
      NoteSuccess();
      continue;
    }
    ++requests_failed_;
    const bool retry = r.http_status == 0 || r.http_status == 429 || r.http_status >= 500;
    NoteFailure(r, retry);
    if (!retry) {  // the receiver will never take these: drop, count
      refused += body.samples;
      ++next;
      continue;
    }
    ++requests_retried_;
    std::chrono::milliseconds delay = backoff.NextDelay();
    if (r.retry_after) delay = std::max<std::chrono::milliseconds>(delay, *r.retry_after);
    // Stopping: the records stay queued; bodies already delivered are sent
    // again after the restart (the receiver keeps one copy).
    if (!Sleep(delay)) return false;
  }
  Finish(*shard.spool, request, sent, refused);
  return true;
}

// Every queued sample ends in exactly one of sent, dropped{queue_full},
// dropped{http_4xx} or pending. Records the disk bound dropped while they
// were in flight were counted queue_full by the spool; only the samples of
// records still present are counted here, sent ones first.
void TargetQueue::Finish(Spool& spool, const Request& request, uint64_t sent, uint64_t refused) {
  uint64_t present = 0;
  for (size_t i = 0; i < request.seqs.size(); ++i) {
    if (!spool.Contains(request.seqs[i])) continue;
    present += request.points[i];
    spool.Remove(request.seqs[i]);
  }
  if (present == request.samples) {
    samples_sent_ += sent;
    dropped_http_4xx_ += refused;
    return;
  }
  const uint64_t counted_sent = std::min(sent, present);
  samples_sent_ += counted_sent;
  dropped_http_4xx_ += present - counted_sent;
}

void TargetQueue::Run(Shard& shard) {
  Backoff backoff(target_.queue.min_backoff, target_.queue.max_backoff,
                  static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&shard)));
  while (true) {
    Request request;
    if (!Collect(shard, &request)) return;
    if (request.seqs.empty()) continue;  // unreadable records (counted by the spool)
    if (!Send(shard, request, backoff)) return;
  }
}

void TargetQueue::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& shard : shards_) {
    if (shard->thread.joinable()) shard->thread.join();
  }
  if (metadata_) metadata_->Stop();
}

RemoteWriteStats TargetQueue::Stats() const {
  RemoteWriteStats s;
  s.target = target_.name;
  std::optional<int64_t> oldest;
  for (const auto& shard : shards_) {
    const SpoolStats ss = shard->spool->stats();
    s.pending_samples += ss.samples;
    s.pending_bytes += ss.bytes;
    s.dropped_queue_full += ss.dropped_samples;
    std::optional<int64_t> o = shard->spool->OldestAppendedMs();
    if (o && (!oldest || *o < *oldest)) oldest = o;
  }
  if (oldest) s.lag_seconds = std::max<double>(0, (clock_.NowMs() - *oldest) / 1000.0);
  s.samples_queued = samples_queued_;
  s.samples_sent = samples_sent_;
  s.requests_sent = requests_sent_;
  s.requests_failed = requests_failed_;
  s.requests_retried = requests_retried_;
  s.dropped_http_4xx = dropped_http_4xx_;
  s.dropped_append_error = dropped_append_;
  if (metadata_) {
    s.metadata_enabled = true;
    s.metadata = metadata_->Stats();
  }
  return s;
}

absl::StatusOr<std::unique_ptr<RemoteWriteOut>> RemoteWriteOut::Start(
    std::vector<RemoteWriteTarget> targets, RemoteWriteOutOptions options, const Clock& clock,
    MetadataSource metadata) {
  std::unique_ptr<RemoteWriteOut> out(new RemoteWriteOut());
  for (RemoteWriteTarget& t : targets) {
    absl::StatusOr<SeriesFilter> filter = SeriesFilter::Compile(t);
    if (!filter.ok()) return filter.status();
    auto q = std::make_unique<TargetQueue>(std::move(t), *std::move(filter), clock);
    if (absl::Status s = q->Open(options, metadata); !s.ok()) return s;
    out->targets_.push_back(std::move(q));
  }
  return out;
}

RemoteWriteOut::~RemoteWriteOut() { Stop(); }

void RemoteWriteOut::Observe(const std::vector<const WriteBatch*>& batches) {
  for (auto& t : targets_) t->Append(batches);
}

void RemoteWriteOut::Stop() {
  for (auto& t : targets_) t->Stop();
}

std::vector<RemoteWriteStats> RemoteWriteOut::Stats() const {
  std::vector<RemoteWriteStats> out;
  for (const auto& t : targets_) out.push_back(t->Stats());
  return out;
}

}  // namespace scout::collector::remote_write
