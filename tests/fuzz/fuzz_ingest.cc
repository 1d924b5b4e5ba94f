// Fuzz target: what an agent (or anyone reaching the ingest port) sends.
// The bytes are one AgentMessage frame as gRPC hands it to IngestService:
// protobuf decode, then ValidateHello / ValidateBatch (with and without the
// host binding). Invariant: every point of a batch is either kept or counted
// under exactly one reject reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "collector/batch_validation.h"
#include "scout/v1/ingest.pb.h"

namespace {
// A fixed "now" (2026-01-01): validation reads no clock.
constexpr int64_t kNowMs = 1'767'225'600'000;
constexpr int64_t kMaxFutureMs = 300'000;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  scout::v1::AgentMessage message;
  if (!message.ParseFromArray(data, static_cast<int>(size))) return 0;
  if (message.has_hello()) (void)scout::collector::ValidateHello(message.hello());
  if (!message.has_batch()) return 0;
  const scout::v1::Batch& batch = message.batch();
  uint64_t sent = 0;
  for (const auto& s : batch.series()) sent += static_cast<uint64_t>(s.points_size());
  for (bool bind_host : {false, true}) {
    scout::collector::ValidatedBatch v =
        scout::collector::ValidateBatch(batch, "fuzz-agent", kNowMs, kMaxFutureMs, bind_host);
    (void)v.rejections.Summary();
    uint64_t kept = 0;
    for (const auto& s : v.batch.series) kept += s.points.size();
    if (kept != v.points || kept + v.rejections.total() != sent) abort();
  }
  return 0;
}
