// The agent's side of the real Ingest stream for tests: message builders,
// one stream's whole exchange, and one batch sent as an agent would (Hello,
// Batch, half-close) waiting for its Ack.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include "scout/v1/ingest.grpc.pb.h"

namespace scout::testing {

inline v1::AgentMessage Hello(const std::string& agent_id, int64_t interval_ms = 10'000) {
  v1::AgentMessage m;
  m.mutable_hello()->set_agent_id(agent_id);
  m.mutable_hello()->set_hostname(agent_id);
  m.mutable_hello()->set_incarnation_id("inc");
  m.mutable_hello()->set_interval_ms(interval_ms);
  return m;
}

// Adds metric{host="web-1"} with one point.
inline v1::Series* AddSeries(v1::Batch* b, const std::string& metric, int64_t ts, double v = 1) {
  v1::Series* s = b->add_series();
  s->set_metric(metric);
  v1::Label* l = s->add_labels();
  l->set_name("host");
  l->set_value("web-1");
  v1::Point* p = s->add_points();
  p->set_timestamp_ms(ts);
  p->set_value(v);
  return s;
}

inline v1::AgentMessage BatchMsg(v1::Batch b) {
  v1::AgentMessage m;
  *m.mutable_batch() = std::move(b);
  return m;
}
inline v1::AgentMessage BatchMsg(uint64_t seq, v1::Batch b) {
  b.set_seq(seq);
  return BatchMsg(std::move(b));
}

// Writes the messages on one stream, half-closes, returns every reply and
// (in *status) how the stream ended.
inline std::vector<v1::CollectorMessage> Exchange(const std::shared_ptr<grpc::Channel>& channel,
                                                  const std::vector<v1::AgentMessage>& msgs,
                                                  grpc::Status* status) {
  auto stub = v1::Ingest::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->Stream(&ctx);
  for (const auto& m : msgs) stream->Write(m);
  stream->WritesDone();
  std::vector<v1::CollectorMessage> replies;
  v1::CollectorMessage reply;
  while (stream->Read(&reply)) replies.push_back(reply);
  *status = stream->Finish();
  return replies;
}

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
