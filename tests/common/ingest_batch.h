// Sends one batch to a collector over the real Ingest stream, as an agent
// would (Hello, Batch, half-close), and waits for its Ack.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include "scout/v1/ingest.grpc.pb.h"

namespace scout::testing {

// Fails the calling test (non-fatally) unless the batch is acked with no
// rejected points; returns whether it was acked.
inline bool IngestBatch(const std::shared_ptr<grpc::Channel>& channel, const std::string& agent_id,
                        int64_t interval_ms, v1::Batch batch) {
  auto ingest = v1::Ingest::NewStub(channel);
  grpc::ClientContext rpc;
  rpc.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = ingest->Stream(&rpc);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_id(agent_id);
  hello.mutable_hello()->set_hostname(agent_id);
  hello.mutable_hello()->set_incarnation_id("inc");
  hello.mutable_hello()->set_interval_ms(interval_ms);
  if (!stream->Write(hello)) {
    ADD_FAILURE() << "hello not written";
    return false;
  }
  if (batch.seq() == 0) batch.set_seq(1);
  v1::AgentMessage msg;
  *msg.mutable_batch() = std::move(batch);
  if (!stream->Write(msg)) {
    ADD_FAILURE() << "batch not written";
    return false;
  }
  stream->WritesDone();
  v1::CollectorMessage reply;
  bool acked = false;
  while (stream->Read(&reply)) {
    if (reply.has_ack()) {
      EXPECT_EQ(reply.ack().points_rejected(), 0u);
      acked = true;
    }
  }
  const grpc::Status finished = stream->Finish();
  EXPECT_TRUE(finished.ok()) << finished.error_message();
  EXPECT_TRUE(acked) << "no ack";
  return acked && finished.ok();
}

}  // namespace scout::testing
