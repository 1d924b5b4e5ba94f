#include "agent/host/network_plugin.h"

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/host/net_parsers.h"
#include "agent/host/proc_parsers.h"
#include "re2/re2.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

// /proc/net is a symlink to /proc/self/net: the network namespace of the
// process that reads it. An agent in a container (even one given the
// host's /proc at /host/proc) would therefore see its own pod's eth0 and
// sockets. /proc/1/net is the namespace of PID 1; with hostPID that is the
// host's init, i.e. the host's namespace, and on a bare host it is the
// same as /proc/net. Without hostPID (or when ptrace rules forbid reading
// PID 1's files) /proc/1/net is the container's own init or unreadable,
// and /proc/net is the best there is.
absl::StatusOr<std::string> ReadNetFile(const HostFs& host, const std::string& file) {
  absl::StatusOr<std::string> text = host.ReadProc("1/net/" + file);
  if (text.ok()) return text;
  return host.ReadProc("net/" + file);
}

// Hex state numbers of /proc/net/tcp* (include/net/tcp_states.h).
constexpr std::pair<int, const char*> kTcpStates[] = {
    {0x01, "established"}, {0x02, "syn_sent"},   {0x03, "syn_recv"},   {0x04, "fin_wait1"},
    {0x05, "fin_wait2"},   {0x06, "time_wait"},  {0x07, "close"},      {0x08, "close_wait"},
    {0x09, "last_ack"},    {0x0A, "listen"},     {0x0B, "closing"}};
constexpr int kTcpListen = 0x0A;
constexpr int kUdpUnconnected = 0x07;  // TCP_CLOSE: bound but not connect()ed

uint64_t CountOf(const SocketCounts& counts, int state) {
  const auto it = counts.by_state.find(state);
  return it == counts.by_state.end() ? 0 : it->second;
}

void KeepFirstError(absl::Status& first, const absl::Status& status) {
  if (first.ok() && !status.ok()) first = status;
}

class NetworkPlugin final : public Plugin {
 public:
  NetworkPlugin(const HostFs& host, NetworkOptions options)
      : host_(host),
        include_loopback_(options.include_loopback),
        options_status_(ValidateNetworkOptions(options)) {
    if (options_status_.ok() && !options.exclude_devices_regex.empty()) {
      exclude_devices_ = std::make_unique<RE2>(options.exclude_devices_regex);
    }
  }

  std::string_view name() const override { return "network"; }

  absl::Status Collect(int64_t now_ms, SampleSink& sink) override {
    SCOUT_RETURN_IF_ERROR(options_status_);
    absl::Status first = CollectDev(now_ms, sink);
    KeepFirstError(first, CollectSockets(sink));
    KeepFirstError(first, CollectSnmp(now_ms, sink));
    return first;
  }

 private:
  absl::Status CollectDev(int64_t now_ms, SampleSink& sink) {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, ReadNetFile(host_, "dev"));
    SCOUT_ASSIGN_OR_RETURN(std::vector<NetDevStats> interfaces, ParseNetDev(text));
    std::map<std::string, NetDevStats> current;
    for (NetDevStats& s : interfaces) {
      if (s.name == "lo" && !include_loopback_) continue;
      if (exclude_devices_ && RE2::PartialMatch(s.name, *exclude_devices_)) continue;
      const Labels labels = {{"device", s.name}};
      const std::pair<const char*, uint64_t> totals[] = {
          {"node_network_receive_bytes_total", s.rx_bytes},
          {"node_network_transmit_bytes_total", s.tx_bytes},
          {"node_network_receive_packets_total", s.rx_packets},
          {"node_network_transmit_packets_total", s.tx_packets},
          {"node_network_receive_errs_total", s.rx_errs},
          {"node_network_transmit_errs_total", s.tx_errs},
          {"node_network_receive_drop_total", s.rx_drop},
          {"node_network_transmit_drop_total", s.tx_drop}};
      for (const auto& [metric, value] : totals) {
        sink.Add(metric, labels, static_cast<double>(value));
      }
      const auto prev = prev_dev_.find(s.name);
      if (prev_dev_ms_ && prev != prev_dev_.end()) {
        const NetDevStats& p = prev->second;
        const int64_t elapsed_ms = now_ms - *prev_dev_ms_;
        const std::tuple<const char*, uint64_t, uint64_t> rates[] = {
            {"node_network_receive_bytes_per_second", p.rx_bytes, s.rx_bytes},
            {"node_network_transmit_bytes_per_second", p.tx_bytes, s.tx_bytes},
            {"node_network_receive_packets_per_second", p.rx_packets, s.rx_packets},
            {"node_network_transmit_packets_per_second", p.tx_packets, s.tx_packets}};
        for (const auto& [metric, before, after] : rates) {
          if (const std::optional<double> r = CounterRate(before, after, elapsed_ms)) {
            sink.Add(metric, labels, *r);
          }
        }
      }
      std::string key = s.name;
      current.emplace(std::move(key), std::move(s));
    }
    // Replaced, not merged: an interface that vanished and came back is new.
    prev_dev_ = std::move(current);
    prev_dev_ms_ = now_ms;
    return absl::OkStatus();
  }

  absl::Status CollectSockets(SampleSink& sink) const {
    struct Table {
      const char* file;
      const char* family;
      bool tcp;
    };
    static constexpr Table kTables[] = {{"tcp", "ipv4", true},
                                        {"tcp6", "ipv6", true},
                                        {"udp", "ipv4", false},
                                        {"udp6", "ipv6", false}};
    absl::Status first;
    uint64_t listening = 0;
    for (const Table& t : kTables) {
      const bool ipv6 = std::string_view(t.family) == "ipv6";
      absl::StatusOr<std::string> text = ReadNetFile(host_, t.file);
      if (!text.ok() && ipv6 && absl::IsNotFound(text.status())) continue;  // kernel without IPv6
      absl::StatusOr<SocketCounts> counts =
          text.ok() ? ParseNetSockets(*text, std::string("net/") + t.file)
                    : absl::StatusOr<SocketCounts>(text.status());
      if (!counts.ok()) {
        KeepFirstError(first, counts.status());
        continue;
      }
      if (t.tcp) {
        for (const auto& [state, name] : kTcpStates) {
          sink.Add("node_tcp_connections", {{"state", name}, {"family", t.family}},
                   static_cast<double>(CountOf(*counts, state)));
        }
        listening += CountOf(*counts, kTcpListen);
      } else {
        sink.Add("node_udp_sockets", {{"family", t.family}}, static_cast<double>(counts->total));
        listening += CountOf(*counts, kUdpUnconnected);
      }
    }
    // A partial sum would look like a real drop in listeners.
    if (first.ok()) sink.Add("node_sockets_listening", {}, static_cast<double>(listening));
    return first;
  }

  absl::Status CollectSnmp(int64_t now_ms, SampleSink& sink) {
    SCOUT_ASSIGN_OR_RETURN(const std::string text, ReadNetFile(host_, "snmp"));
    SCOUT_ASSIGN_OR_RETURN(const uint64_t retrans,
                           ParseNetSnmpCounter(text, "Tcp", "RetransSegs"));
    sink.Add("node_netstat_Tcp_RetransSegs", {}, static_cast<double>(retrans));
    if (prev_retrans_) {
      const auto [prev_ms, prev_value] = *prev_retrans_;
      if (const std::optional<double> r = CounterRate(prev_value, retrans, now_ms - prev_ms)) {
        sink.Add("node_tcp_retransmits_per_second", {}, *r);
      }
    }
    prev_retrans_ = std::make_pair(now_ms, retrans);
    return absl::OkStatus();
  }

  const HostFs& host_;
  const bool include_loopback_;
  const absl::Status options_status_;
  std::unique_ptr<RE2> exclude_devices_;  // null: exclude none
  // Each baseline carries its own time: a part that failed last cycle must
  // be diffed over the interval since it last succeeded.
  std::optional<int64_t> prev_dev_ms_;
  std::map<std::string, NetDevStats> prev_dev_;
  std::optional<std::pair<int64_t, uint64_t>> prev_retrans_;  // (ms, RetransSegs)
};

}  // namespace

absl::Status ValidateNetworkOptions(const NetworkOptions& options) {
  if (options.exclude_devices_regex.empty()) return absl::OkStatus();
  const RE2 re(options.exclude_devices_regex, RE2::Quiet);
  if (!re.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("network exclude_devices: invalid regex: ", re.error()));
  }
  return absl::OkStatus();
}

std::unique_ptr<Plugin> NewNetworkPlugin(const HostFs& host, NetworkOptions options) {
  return std::make_unique<NetworkPlugin>(host, std::move(options));
}

absl::Status ReadNetworkOptions(ConfigMap& section, NetworkOptions* options) {
  SCOUT_RETURN_IF_ERROR(section.Read("include_loopback", &options->include_loopback));
  SCOUT_RETURN_IF_ERROR(section.Read("exclude_devices", &options->exclude_devices_regex));
  absl::Status valid = ValidateNetworkOptions(*options);
  if (!valid.ok()) return section.ErrorAt("exclude_devices", std::string(valid.message()));
  return section.CheckNoUnknownKeys();
}

}  // namespace scout::agent
