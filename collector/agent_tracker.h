// AgentTracker: which agents have an open ingest stream right now.
// The durable agent records live in Storage; this is only live state.
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace scout::collector {

class AgentTracker {
 public:
  void Connected(const std::string& agent_id, const std::string& peer);
  void Disconnected(const std::string& agent_id);
  // The peer address when connected; empty when not.
  std::string Peer(const std::string& agent_id) const;
  // Agent clock minus collector clock, from the agent's latest batch.
  void SetClockSkew(const std::string& agent_id, int64_t skew_ms);
  int64_t ClockSkew(const std::string& agent_id) const;  // 0 if unknown
  std::map<std::string, int64_t> ClockSkews() const;
  size_t connected_count() const;

 private:
  struct Live {
    int streams = 0;
    std::string peer;
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Live> live_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> skew_ms_ ABSL_GUARDED_BY(mu_);  // kept after disconnect
};

}  // namespace scout::collector
