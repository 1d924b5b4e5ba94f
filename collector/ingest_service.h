// IngestService: the server side of Ingest.Stream (callback API).
//
// Each stream is an IngestStream reactor that owns its per-call state.
// Reactions never block: a batch is validated, handed to the WriteQueue,
// and the Ack is written from the WriteQueue's callback after the commit.
// At most `max_in_flight_batches` batches per stream wait for their
// commit; beyond that the reactor stops reading, so gRPC flow control
// pushes back on the agent instead of the collector queueing without bound.
#pragma once

#include <cstdint>

#include "collector/agent_tracker.h"
#include "collector/write_queue.h"
#include "scout/v1/ingest.grpc.pb.h"
#include "shared/clock.h"

namespace scout::collector {

struct IngestOptions {
  int max_in_flight_batches = 8;
  uint32_t max_batch_bytes = 16 * 1024 * 1024;
};

class IngestService final : public v1::Ingest::CallbackService {
 public:
  IngestService(WriteQueue& writes, AgentTracker& tracker, const Clock& clock,
                IngestOptions options)
      : writes_(writes), tracker_(tracker), clock_(clock), options_(options) {}

  grpc::ServerBidiReactor<v1::AgentMessage, v1::CollectorMessage>* Stream(
      grpc::CallbackServerContext* context) override;

 private:
  WriteQueue& writes_;
  AgentTracker& tracker_;
  const Clock& clock_;
  const IngestOptions options_;
};

}  // namespace scout::collector
