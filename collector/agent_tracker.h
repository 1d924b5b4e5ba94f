// AgentTracker: which agents have an open ingest stream right now.
// The durable agent records live in Storage; this is only live state.
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace scout::collector {

class AgentTracker {
 public:
  void Connected(const std::string& agent_id, const std::string& peer);
  void Disconnected(const std::string& agent_id);
  // The peer address when connected; empty when not.
  std::string Peer(const std::string& agent_id) const;
  size_t connected_count() const;

 private:
  struct Live {
    int streams = 0;
    std::string peer;
  };
  mutable std::mutex mu_;
  std::map<std::string, Live> live_;  // GUARDED_BY(mu_)
};

}  // namespace scout::collector
