// Spool: an on-disk queue of batches not yet acknowledged: the agent's
// spool, and the collector's remote-write queue (one per target shard).
//
// Every batch is appended (and fdatasync'ed) before it is sent, so nothing
// collected is lost when the collector is down, slow, or the agent itself
// is killed. A batch leaves the spool when the collector acks it, or
// rejects it for good.
//
// Layout in `dir`:
//   segment-<first seq, 20 digits>.spool  records: [len u32][crc32 u32]
//       [seq u64][appended_ms i64][points u32][payload: serialized Batch]
//   acked.log                             u64 seqs removed since open
//   LOCK                                  flock()ed for the Spool's lifetime;
//                                         holds the holder's pid (a hint)
// A segment is deleted once every batch in it is removed. On open, a torn
// or corrupt record ends its segment (counted, logged, not fatal), and
// acked.log is compacted.
//
// Bounds: when the segments exceed max_bytes, or the oldest segment's
// newest batch is older than max_age, whole oldest segments are dropped;
// their unacked batches and samples are counted. Append never blocks on
// the collector.
//
// One Spool per directory: Open takes an exclusive flock on LOCK and fails
// (FailedPrecondition, naming the directory) while another process or
// Spool holds it. Two agents appending to and deleting each other's
// segments would lose and duplicate data, e.g. the old and the new pod of
// a DaemonSet rollout sharing one hostPath spool. The kernel drops the
// lock when its holder exits, however it exits, so a killed agent never
// leaves a stale lock behind.
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "scout/v1/ingest.pb.h"
#include "shared/clock.h"

namespace scout {

struct SpoolOptions {
  std::string dir = "/var/lib/scout/spool";
  uint64_t max_bytes = 256ull << 20;
  std::chrono::milliseconds max_age = std::chrono::hours(24);
  // Drop granularity; at most max_bytes / 8.
  uint64_t segment_bytes = 8ull << 20;
  bool fsync = true;
};

// The number of points (samples) in `batch`, as the spool and the ingest
// client count them.
uint32_t CountPoints(const v1::Batch& batch);

struct SpoolStats {
  uint64_t batches = 0;              // unacked, in the spool now
  uint64_t samples = 0;              // in those batches
  uint64_t bytes = 0;                // segment files on disk
  uint64_t appended_batches = 0;     // since open
  uint64_t dropped_batches = 0;      // since open, over size or age, or undecodable
  uint64_t dropped_samples = 0;
  uint64_t corrupt_records = 0;      // found at open
  uint64_t recovered_batches = 0;    // unacked batches found at open
  uint64_t recovered_samples = 0;
};

class Spool {
 public:
  static absl::StatusOr<std::unique_ptr<Spool>> Open(const SpoolOptions& options,
                                                     const Clock& clock);
  ~Spool();

  // Gives the batch the next sequence number, writes it durably, then
  // enforces the bounds. Returns the sequence number. InvalidArgument (and
  // nothing written) for a batch that could never be read back: a string
  // that is not valid UTF-8 (proto3 does not parse it) or a record over
  // 64 MiB.
  absl::StatusOr<uint64_t> Append(v1::Batch batch);

  // The batch with this seq, read from disk; nullopt if it was removed. A
  // record that is intact but does not parse is removed and counted in
  // dropped_batches/dropped_samples: it would never become sendable.
  std::optional<v1::Batch> Read(uint64_t seq);

  // Sequence numbers of every batch still in the spool, oldest first.
  std::vector<uint64_t> Pending() const;
  // The oldest batch still in the spool with a seq greater than `seq`.
  std::optional<uint64_t> FirstAfter(uint64_t seq) const;
  uint64_t last_seq() const;
  // Whether the batch is still in the spool (not removed, not dropped).
  bool Contains(uint64_t seq) const;
  // When the oldest batch still in the spool was appended (the spool's
  // clock, ms); nullopt when empty. For "lag" metrics.
  std::optional<int64_t> OldestAppendedMs() const;

  // Acked, or rejected for good.
  void Remove(uint64_t seq);

  // Blocks until a batch with seq > after_seq exists or `deadline`.
  bool WaitForNewer(uint64_t after_seq, std::chrono::steady_clock::time_point deadline);

  SpoolStats stats() const;

 private:
  struct Entry {
    uint64_t segment;  // first seq of its segment (the file name)
    uint64_t offset;
    uint32_t size;     // whole record
    uint32_t points;
    int64_t appended_ms;
  };
  struct Segment {
    int fd = -1;
    uint64_t bytes = 0;
    uint64_t live = 0;          // entries not yet removed
    int64_t newest_ms = 0;
  };

  Spool(SpoolOptions options, const Clock& clock) : options_(std::move(options)), clock_(clock) {}
  absl::Status Lock();
  absl::Status Load() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadSegment(uint64_t first_seq, const std::string& path, bool is_last)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StartSegment(uint64_t first_seq) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EnforceBoundsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveLocked(uint64_t seq) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropSegmentLocked(uint64_t first_seq, const char* why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasNewerLocked(uint64_t after_seq) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string SegmentPath(uint64_t first_seq) const;

  const SpoolOptions options_;
  const Clock& clock_;

  mutable absl::Mutex mu_;
  absl::CondVar appended_;  // signalled on every Append
  std::map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, Segment> segments_ ABSL_GUARDED_BY(mu_);  // by first seq
  uint64_t active_ ABSL_GUARDED_BY(mu_) = 0;  // first seq of the active segment
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  int ack_fd_ ABSL_GUARDED_BY(mu_) = -1;
  int lock_fd_ = -1;  // LOCK, flock()ed until destruction
  SpoolStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scout
