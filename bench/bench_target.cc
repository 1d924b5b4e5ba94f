#include "bench/bench_target.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <utility>

namespace scout::bench {

std::shared_ptr<grpc::Channel> Target::Connect(int max_receive_bytes) const {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxSendMessageSize(64 * 1024 * 1024);
  args.SetMaxReceiveMessageSize(max_receive_bytes);
  auto channel = MakeClientChannel(address, security, args);
  if (!channel.ok()) {
    std::fprintf(stderr, "scout-bench: %s\n", std::string(channel.status().message()).c_str());
    std::exit(2);
  }
  return *channel;
}

void AddSecurityFlags(CLI::App& app, SecurityFlags& f) {
  app.add_option("--ca", f.ca, "TLS: CA bundle of the collector's certificate");
  app.add_option("--cert", f.cert, "TLS: client certificate (with --key)");
  app.add_option("--key", f.key, "TLS: client certificate's key");
  app.add_option("--server-name", f.server_name, "TLS: name in the collector's certificate");
  app.add_option("--token-file", f.token_file,
                 "bearer token file (default: $SCOUT_TOKEN_FILE, else $SCOUT_TOKEN)");
  app.add_flag("--insecure", f.insecure, "allow plaintext to a non-local collector");
}

absl::Status ResolveSecurity(const SecurityFlags& f, Target& target) {
  ClientSecurity& s = target.security;
  s.tls = !f.ca.empty() || !f.cert.empty() || !f.key.empty() || !f.server_name.empty();
  s.ca_file = f.ca;
  s.cert_file = f.cert;
  s.key_file = f.key;
  s.server_name = f.server_name;
  s.token_file = f.token_file;
  s.insecure = f.insecure;
  if (absl::Status valid = ValidateClientSecurity(s, target.address); !valid.ok()) return valid;
  if (absl::Status files = CheckClientFiles(s); !files.ok()) return files;
  auto token = ReadClientToken(s);
  if (!token.ok()) return token.status();
  target.token = *std::move(token);
  return absl::OkStatus();
}

v1::AgentMessage Hello(const std::string& id) {
  v1::AgentMessage m;
  m.mutable_hello()->set_agent_id(id);
  m.mutable_hello()->set_hostname(id);
  m.mutable_hello()->set_version("bench");
  m.mutable_hello()->set_incarnation_id("bench");
  m.mutable_hello()->set_interval_ms(10'000);
  return m;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

long ProcessMemoryKiB(int pid, const char* field) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  const std::string prefix = std::string(field) + ":";
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
  }
  return -1;
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::string ProcessMemory(int pid, const char* field) {
  const long kb = ProcessMemoryKiB(pid, field);
  if (kb < 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(kb) / 1024.0);
  return buf;
}

}  // namespace scout::bench
