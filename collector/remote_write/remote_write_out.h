// Remote write out: every sample the collector commits is forwarded to the
// `remote_write:` targets (remote_write_config.h) with Prometheus remote
// write 1.0.
//
// Path of a sample: WriteQueue commit -> the commit observer (Observe(),
// on the writer thread, BEFORE the agents' acks) -> per target, the series
// passing keep/drop -> shard = hash(series) % shards -> appended, fsync'ed,
// to that shard's Spool (shared/spool.h) under <dir>/<target>/shard-<i>, in
// records of up to 25 x max_samples_per_send samples (each append is one
// fdatasync on the writer thread: about one per shard per commit) -> the
// shard's sender thread "scout-rw-<n>" -> POSTs of at most
// max_samples_per_send samples -> removed from the spool once every
// request of the record was answered.
//
// Durability: a sample acked to an agent is on disk in every target's
// queue (the observer runs before the acks); a crash between the storage
// commit and the append loses nothing acked (the agent resends). The queues
// survive restarts. Bound: each shard's spool holds at most
// max_bytes / shards; beyond it the oldest segments are dropped and their
// samples counted exactly (dropped{reason="queue_full"}). A sample in a
// request in flight when its segment is dropped is counted dropped even if
// that request then succeeds.
//
// Sending: a shard sends its records in order, one request at a time, so a
// series' samples arrive in timestamp order (a series always maps to the
// same shard). A request is sent when it has max_samples_per_send samples
// or its oldest record waited batch_send_deadline. 5xx, 429 and transport
// errors are retried with the same body after a backoff (min_backoff
// doubling to max_backoff, with jitter; a Retry-After in seconds is
// honoured, capped at one hour); other 4xx drop the request's samples and
// count them (reason="http_4xx"), since resending cannot succeed.
//
// Metadata: with `metadata.send` (the default) each target also gets a
// MetadataSender (metadata_sender.h): its own thread and connection, so
// metadata never delays samples.
//
// Accounting: every queued sample is counted in exactly one of sent,
// dropped{queue_full}, dropped{http_4xx} or pending.
//
// Delivery: at-least-once. A request whose 2xx was lost (timeout, crash
// before the spool removal) is sent again; receivers store a sample with
// the same series, timestamp and value once (Prometheus's TSDB does; Mimir,
// Thanos and VictoriaMetrics deduplicate likewise), so under normal retries
// the receiver holds every sample exactly once.
//
// Thread safety: Observe and Stats may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/remote_write/metadata_sender.h"
#include "collector/remote_write/remote_write_config.h"
#include "collector/storage/storage.h"
#include "shared/clock.h"

namespace scout::collector::remote_write {

// Per target: scout_remote_write_* (docs/metrics.md).
struct RemoteWriteStats {
  std::string target;
  uint64_t pending_samples = 0;  // in the on-disk queue
  uint64_t pending_bytes = 0;
  uint64_t samples_queued = 0;   // appended since start
  uint64_t samples_sent = 0;     // 2xx
  uint64_t requests_sent = 0;
  uint64_t requests_failed = 0;  // every non-2xx or transport error
  uint64_t requests_retried = 0;
  uint64_t dropped_queue_full = 0;    // the disk bound (or an unreadable record)
  uint64_t dropped_http_4xx = 0;      // refused by the receiver for good
  uint64_t dropped_append_error = 0;  // could not be written to the queue
  double lag_seconds = 0;        // age of the oldest pending sample's record
  bool metadata_enabled = false;  // metadata.send
  MetadataStats metadata;
};

struct RemoteWriteOutOptions {
  std::string dir;     // e.g. <storage dir>/remote_write
  bool fsync = true;   // tests may turn it off
};

class TargetQueue;

class RemoteWriteOut {
 public:
  // Opens (or recovers) every target's queues and starts the senders.
  // `metadata`: what the metadata senders send; empty = the metric catalog.
  static absl::StatusOr<std::unique_ptr<RemoteWriteOut>> Start(
      std::vector<RemoteWriteTarget> targets, RemoteWriteOutOptions options, const Clock& clock,
      MetadataSource metadata = {});
  ~RemoteWriteOut();  // Stop()s

  // The WriteQueue's commit observer: appends to every target's queue.
  void Observe(const std::vector<const WriteBatch*>& batches);

  // Stops and joins the senders (a request in flight is finished or times
  // out); what is not sent stays on disk for the next start.
  void Stop();

  std::vector<RemoteWriteStats> Stats() const;

 private:
  RemoteWriteOut() = default;
  std::vector<std::unique_ptr<TargetQueue>> targets_;
};

}  // namespace scout::collector::remote_write
