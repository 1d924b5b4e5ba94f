#include "shared/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "shared/logging.h"
#include "shared/status_macros.h"
#include "shared/utf8.h"

namespace scout {
namespace {

constexpr size_t kHeaderSize = 28;  // len, crc, seq, appended_ms, points
constexpr uint32_t kMaxPayload = 64u << 20;

struct Header {
  uint32_t len;
  uint32_t crc;
  uint64_t seq;
  int64_t appended_ms;
  uint32_t points;
};

void EncodeHeader(const Header& h, char* out) {
  std::memcpy(out, &h.len, 4);
  std::memcpy(out + 4, &h.crc, 4);
  std::memcpy(out + 8, &h.seq, 8);
  std::memcpy(out + 16, &h.appended_ms, 8);
  std::memcpy(out + 24, &h.points, 4);
}

Header DecodeHeader(const char* in) {
  Header h;
  std::memcpy(&h.len, in, 4);
  std::memcpy(&h.crc, in + 4, 4);
  std::memcpy(&h.seq, in + 8, 8);
  std::memcpy(&h.appended_ms, in + 16, 8);
  std::memcpy(&h.points, in + 24, 4);
  return h;
}

// CRC over everything after the crc field, so a torn header is caught too.
uint32_t RecordCrc(const char* header, const std::string& payload) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(header + 8), kHeaderSize - 8);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(payload.data()),
              static_cast<uInt>(payload.size()));
  return static_cast<uint32_t>(crc);
}

absl::Status ErrnoError(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

bool PreadAll(int fd, char* buf, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = pread(fd, buf, size, static_cast<off_t>(offset));
    if (n <= 0) return false;
    buf += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

bool WriteAll(int fd, const char* buf, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, buf, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

uint32_t CountPoints(const v1::Batch& batch) {
  uint32_t points = 0;
  for (const auto& s : batch.series()) points += static_cast<uint32_t>(s.points_size());
  return points;
}

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(const SpoolOptions& options,
                                                   const Clock& clock) {
  std::unique_ptr<Spool> spool(new Spool(options, clock));
  // Uncontended (no one else has the spool yet); held so that the lock
  // analysis checks Load like every other access.
  absl::MutexLock lock(&spool->mu_);
  SCOUT_RETURN_IF_ERROR(spool->Load());
  return spool;
}

Spool::~Spool() {
  for (auto& [first, seg] : segments_) {
    if (seg.fd >= 0) close(seg.fd);
  }
  if (ack_fd_ >= 0) close(ack_fd_);
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

std::string Spool::SegmentPath(uint64_t first_seq) const {
  return absl::StrFormat("%s/segment-%020d.spool", options_.dir, first_seq);
}

absl::Status Spool::Lock() {
  const std::string path = options_.dir + "/LOCK";
  lock_fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return ErrnoError(path);
  if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return ErrnoError(absl::StrCat("flock ", path));
    // The holder's pid is only a hint for the operator (it may be in
    // another pid namespace); the flock is what excludes.
    char pid[32] = {};
    const ssize_t n = pread(lock_fd_, pid, sizeof(pid) - 1, 0);
    const std::string holder(pid, n > 0 ? static_cast<size_t>(n) : 0);
    return absl::FailedPreconditionError(absl::StrCat(
        "spool directory ", options_.dir, " is in use by another scout-agent",
        holder.empty() ? "" : absl::StrCat(" (pid ", holder, ")"),
        "; each agent needs its own spool directory"));
  }
  const std::string pid = std::to_string(getpid());
  if (ftruncate(lock_fd_, 0) != 0 ||
      pwrite(lock_fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // Only the hint is lost; the lock is held.
    spdlog::debug("spool: cannot write the pid into {}: {}", path, std::strerror(errno));
  }
  return absl::OkStatus();
}

absl::Status Spool::Load() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("spool directory ", options_.dir, ": ", ec.message()));
  }
  // Before reading anything: another agent's Load compacts acked.log and
  // deletes segments under our feet.
  SCOUT_RETURN_IF_ERROR(Lock());
  std::set<uint64_t> acked;
  const std::string ack_path = options_.dir + "/acked.log";
  {
    int fd = open(ack_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      uint64_t seq;
      while (read(fd, &seq, sizeof(seq)) == static_cast<ssize_t>(sizeof(seq))) acked.insert(seq);
      close(fd);  // a torn last entry only means one batch is resent
    }
  }
  std::vector<uint64_t> firsts;
  for (const auto& file : std::filesystem::directory_iterator(options_.dir, ec)) {
    const std::string name = file.path().filename().string();
    uint64_t first = 0;
    if (std::sscanf(name.c_str(), "segment-%20" SCNu64 ".spool", &first) == 1) firsts.push_back(first);
  }
  std::sort(firsts.begin(), firsts.end());
  for (size_t i = 0; i < firsts.size(); ++i) {
    SCOUT_RETURN_IF_ERROR(LoadSegment(firsts[i], SegmentPath(firsts[i]), i + 1 == firsts.size()));
  }
  // Apply the removals recorded before the restart, then compact the journal.
  for (uint64_t seq : acked) {
    auto it = entries_.find(seq);
    if (it == entries_.end()) continue;
    --segments_[it->second.segment].live;
    entries_.erase(it);
  }
  for (auto it = segments_.begin(); it != segments_.end();) {
    auto next = std::next(it);
    if (it->second.live == 0 && next != segments_.end()) {
      close(it->second.fd);
      std::filesystem::remove(SegmentPath(it->first), ec);
      segments_.erase(it);
    }
    it = next;
  }
  ack_fd_ = open(ack_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (ack_fd_ < 0) return ErrnoError(ack_path);
  stats_.recovered_batches = entries_.size();
  for (const auto& [seq, e] : entries_) stats_.recovered_samples += e.points;
  if (!entries_.empty()) {
    spdlog::info("spool: {} unacked batches recovered from {}", entries_.size(), options_.dir);
  }
  if (segments_.empty()) return StartSegment(next_seq_);
  active_ = segments_.rbegin()->first;
  return absl::OkStatus();
}

absl::Status Spool::LoadSegment(uint64_t first_seq, const std::string& path, bool is_last) {
  int fd = open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd < 0) return ErrnoError(path);
  struct stat st {};
  fstat(fd, &st);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  Segment seg;
  seg.fd = fd;
  uint64_t offset = 0;
  char header[kHeaderSize];
  std::string payload;
  while (offset + kHeaderSize <= size) {
    if (!PreadAll(fd, header, kHeaderSize, offset)) break;
    const Header h = DecodeHeader(header);
    if (h.len > kMaxPayload || offset + kHeaderSize + h.len > size) break;
    payload.resize(h.len);
    if (!PreadAll(fd, payload.data(), h.len, offset + kHeaderSize)) break;
    if (RecordCrc(header, payload) != h.crc) break;
    entries_[h.seq] = Entry{first_seq, offset, static_cast<uint32_t>(kHeaderSize + h.len),
                            h.points, h.appended_ms};
    ++seg.live;
    seg.newest_ms = std::max(seg.newest_ms, h.appended_ms);
    next_seq_ = std::max(next_seq_, h.seq + 1);
    offset += kHeaderSize + h.len;
  }
  if (offset < size) {
    // A torn or corrupt tail: everything before it is good.
    ++stats_.corrupt_records;
    spdlog::warn("spool: {} is damaged at byte {} of {}; keeping the {} records before it",
                 path, offset, size, seg.live);
    if (is_last && ftruncate(fd, static_cast<off_t>(offset)) != 0) return ErrnoError(path);
  }
  seg.bytes = is_last ? offset : size;
  next_seq_ = std::max(next_seq_, first_seq);
  segments_[first_seq] = seg;
  return absl::OkStatus();
}

absl::Status Spool::StartSegment(uint64_t first_seq) {
  const std::string path = SegmentPath(first_seq);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError(path);
  Segment seg;
  seg.fd = fd;
  segments_[first_seq] = seg;
  active_ = first_seq;
  return absl::OkStatus();
}

namespace {

// Whether every `string` field of the batch is valid UTF-8: proto3 writes
// such a field (logging an error) but refuses to parse it back, so the
// record could never be read, sent or stored.
absl::Status CheckEncodable(const v1::Batch& batch) {
  for (const v1::Series& series : batch.series()) {
    bool ok = IsValidUtf8(series.metric());
    for (const v1::Label& label : series.labels()) {
      ok = ok && IsValidUtf8(label.name()) && IsValidUtf8(label.value());
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "series ", SanitizeUtf8(series.metric()), " has a name or label that is not UTF-8"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<uint64_t> Spool::Append(v1::Batch batch) {
  SCOUT_RETURN_IF_ERROR(CheckEncodable(batch));
  absl::MutexLock lock(&mu_);
  const uint64_t seq = next_seq_;
  batch.set_seq(seq);
  std::string payload;
  if (!batch.SerializeToString(&payload) || payload.size() > kMaxPayload) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "batch of %d bytes cannot be encoded as a spool record (at most %d bytes)",
        batch.ByteSizeLong(), kMaxPayload));
  }
  const uint32_t points = CountPoints(batch);
  const uint64_t segment_limit = std::max<uint64_t>(4096, std::min(options_.segment_bytes,
                                                                   options_.max_bytes / 8));
  if (segments_[active_].bytes > 0 &&
      segments_[active_].bytes + kHeaderSize + payload.size() > segment_limit) {
    const uint64_t previous = active_;
    SCOUT_RETURN_IF_ERROR(StartSegment(seq));
    if (segments_[previous].live == 0) {  // everything in it was already acked
      close(segments_[previous].fd);
      std::error_code ec;
      std::filesystem::remove(SegmentPath(previous), ec);
      segments_.erase(previous);
    }
  }
  Segment& seg = segments_[active_];
  char header[kHeaderSize];
  Header h{static_cast<uint32_t>(payload.size()), 0, seq, clock_.NowMs(), points};
  EncodeHeader(h, header);
  h.crc = RecordCrc(header, payload);
  EncodeHeader(h, header);
  std::string record(header, kHeaderSize);
  record += payload;
  // O_APPEND: the record lands at the end even after a torn-tail truncate.
  if (!WriteAll(seg.fd, record.data(), record.size()) ||
      (options_.fsync && fdatasync(seg.fd) != 0)) {
    // Put the file back to its last good size so later records stay readable.
    if (ftruncate(seg.fd, static_cast<off_t>(seg.bytes)) != 0) {
      spdlog::error("spool: cannot repair {} after a failed write", SegmentPath(active_));
    }
    return ErrnoError(absl::StrCat("spool write to ", SegmentPath(active_)));
  }
  entries_[seq] = Entry{active_, seg.bytes, static_cast<uint32_t>(record.size()), points, h.appended_ms};
  seg.bytes += record.size();
  ++seg.live;
  seg.newest_ms = h.appended_ms;
  ++next_seq_;
  ++stats_.appended_batches;
  EnforceBoundsLocked();
  appended_.SignalAll();
  return seq;
}

void Spool::EnforceBoundsLocked() {
  const int64_t oldest_allowed = clock_.NowMs() - options_.max_age.count();
  while (segments_.size() > 1) {
    uint64_t total = 0;
    for (const auto& [first, seg] : segments_) total += seg.bytes;
    const auto& [oldest_first, oldest] = *segments_.begin();
    if (total > options_.max_bytes) {
      DropSegmentLocked(oldest_first, "the spool is full");
    } else if (oldest.newest_ms < oldest_allowed) {
      DropSegmentLocked(oldest_first, "its data is older than the spool's max_age");
    } else {
      break;
    }
  }
}

void Spool::DropSegmentLocked(uint64_t first_seq, const char* why) {
  uint64_t batches = 0, samples = 0;
  for (auto it = entries_.begin(); it != entries_.end() && it->second.segment == first_seq;) {
    ++batches;
    samples += it->second.points;
    it = entries_.erase(it);
  }
  stats_.dropped_batches += batches;
  stats_.dropped_samples += samples;
  if (batches > 0) {
    spdlog::warn("spool: dropped {} unsent batches ({} samples) because {} ({} dropped in total)",
                 batches, samples, why, stats_.dropped_batches);
  }
  close(segments_[first_seq].fd);
  std::error_code ec;
  std::filesystem::remove(SegmentPath(first_seq), ec);
  segments_.erase(first_seq);
}

std::optional<v1::Batch> Spool::Read(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(seq);
  if (it == entries_.end()) return std::nullopt;
  const Entry& e = it->second;
  std::string record(e.size, '\0');
  if (!PreadAll(segments_[e.segment].fd, record.data(), e.size, e.offset)) {
    spdlog::error("spool: cannot read batch {}: {}", seq, std::strerror(errno));
    return std::nullopt;
  }
  v1::Batch batch;
  if (!batch.ParseFromArray(record.data() + kHeaderSize, static_cast<int>(e.size - kHeaderSize))) {
    // Intact on disk (the CRC matched) but not a Batch protobuf parses, e.g.
    // invalid UTF-8 written by an agent before it sanitised labels. It
    // would be skipped on every stream and kept until max_age: drop it now.
    ++stats_.dropped_batches;
    stats_.dropped_samples += e.points;
    spdlog::warn("spool: dropped batch {} ({} samples): its record cannot be decoded "
                 "({} dropped in total)", seq, e.points, stats_.dropped_batches);
    RemoveLocked(seq);
    return std::nullopt;
  }
  return batch;
}

std::optional<uint64_t> Spool::FirstAfter(uint64_t seq) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.upper_bound(seq);
  if (it == entries_.end()) return std::nullopt;
  return it->first;
}

std::vector<uint64_t> Spool::Pending() const {
  absl::MutexLock lock(&mu_);
  std::vector<uint64_t> seqs;
  seqs.reserve(entries_.size());
  for (const auto& [seq, e] : entries_) seqs.push_back(seq);
  return seqs;
}

uint64_t Spool::last_seq() const {
  absl::MutexLock lock(&mu_);
  return next_seq_ - 1;
}

bool Spool::Contains(uint64_t seq) const {
  absl::MutexLock lock(&mu_);
  return entries_.count(seq) > 0;
}

std::optional<int64_t> Spool::OldestAppendedMs() const {
  absl::MutexLock lock(&mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.begin()->second.appended_ms;
}

void Spool::Remove(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  RemoveLocked(seq);
}

void Spool::RemoveLocked(uint64_t seq) {
  auto it = entries_.find(seq);
  if (it == entries_.end()) return;
  const uint64_t first = it->second.segment;
  entries_.erase(it);
  // Not synced: losing a removal only means one batch is sent again, and
  // the collector stores a resent sample once.
  if (!WriteAll(ack_fd_, reinterpret_cast<const char*>(&seq), sizeof(seq))) {
    spdlog::warn("spool: cannot record ack of batch {}: {}", seq, std::strerror(errno));
  }
  Segment& seg = segments_[first];
  if (--seg.live == 0 && first != active_) {
    close(seg.fd);
    std::error_code ec;
    std::filesystem::remove(SegmentPath(first), ec);
    segments_.erase(first);
  }
}

bool Spool::HasNewerLocked(uint64_t after_seq) const {
  return !entries_.empty() && entries_.rbegin()->first > after_seq;
}

bool Spool::WaitForNewer(uint64_t after_seq, std::chrono::steady_clock::time_point deadline) {
  const absl::Time until =
      absl::Now() + absl::FromChrono(deadline - std::chrono::steady_clock::now());
  absl::MutexLock lock(&mu_);
  while (!HasNewerLocked(after_seq)) {
    if (appended_.WaitWithDeadline(&mu_, until)) return HasNewerLocked(after_seq);
  }
  return true;
}

SpoolStats Spool::stats() const {
  absl::MutexLock lock(&mu_);
  SpoolStats s = stats_;
  s.batches = entries_.size();
  for (const auto& [seq, e] : entries_) s.samples += e.points;
  for (const auto& [first, seg] : segments_) s.bytes += seg.bytes;
  return s;
}

}  // namespace scout
