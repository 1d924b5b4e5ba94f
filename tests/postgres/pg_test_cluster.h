// Test helpers for the PostgreSQL plugin: a throw-away cluster started by
// tests/postgres/start_cluster.sh (stopped by its postmaster pid), sample
// lookup and log capture.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "agent/plugin.h"
#include "tests/common/free_port.h"
#include "tests/common/log_capture.h"

namespace scout::agent::pgtest {

using std::chrono::milliseconds;

struct Cluster {
  std::string dsn, dir;
  pid_t postmaster = 0;
};

inline std::optional<Cluster> StartCluster() {
  const std::string cmd = std::string("bash ") + SCOUT_SOURCE_DIR "/tests/postgres/start_cluster.sh";
  FILE* out = popen(cmd.c_str(), "r");
  if (out == nullptr) return std::nullopt;
  Cluster c;
  char line[1024];
  while (fgets(line, sizeof line, out) != nullptr) {
    std::string s(line);
    while (!s.empty() && s.back() == '\n') s.pop_back();
    const auto value = [&s](const std::string& key) -> std::optional<std::string> {
      if (s.rfind(key + "=", 0) != 0) return std::nullopt;
      return s.substr(key.size() + 1);
    };
    if (auto v = value("PG_DSN")) c.dsn = *v;
    if (auto v = value("PG_DIR")) c.dir = *v;
    if (auto v = value("PG_POSTMASTER_PID")) c.postmaster = static_cast<pid_t>(std::stol(*v));
  }
  if (pclose(out) != 0 || c.dsn.empty() || c.postmaster <= 0) return std::nullopt;
  return c;
}

inline void StopCluster(const Cluster& c) {
  if (c.postmaster > 0) {
    kill(c.postmaster, SIGINT);  // fast shutdown
    for (int i = 0; i < 200 && kill(c.postmaster, 0) == 0; ++i) {
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  std::error_code ec;
  if (!c.dir.empty()) std::filesystem::remove_all(c.dir, ec);
}

// A TCP port on 127.0.0.1 nobody listens on (bound, then released).
inline int ClosedPort() { return scout::testing::FreeLoopbackPort(); }

inline std::optional<double> Find(VectorSink& sink, const std::string& metric, Labels labels) {
  const Labels want = MakeLabels(std::move(labels));
  for (const Sample& s : sink.samples()) {
    if (s.key.metric == metric && s.key.labels == want) return s.point.value;
  }
  return std::nullopt;
}

using scout::testing::LogCapture;

inline int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace scout::agent::pgtest
