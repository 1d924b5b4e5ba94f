#include "agent/probe/probe_config.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "shared/metric.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

// "200-299" or "304".
bool ParseStatusRange(const std::string& text, std::pair<int, int>* out) {
  const size_t dash = text.find('-');
  int lo, hi;
  if (dash == std::string::npos) {
    if (!absl::SimpleAtoi(text, &lo)) return false;
    hi = lo;
  } else if (!absl::SimpleAtoi(text.substr(0, dash), &lo) ||
             !absl::SimpleAtoi(text.substr(dash + 1), &hi)) {
    return false;
  }
  if (lo < 100 || hi > 599 || lo > hi) return false;
  *out = {lo, hi};
  return true;
}

absl::Status ReadLabels(ConfigMap& m, probe::ProbeLabels* out) {
  std::map<std::string, std::string> labels;
  SCOUT_RETURN_IF_ERROR(m.Read("labels", &labels));
  for (const auto& [name, value] : labels) {
    if (!IsValidLabelName(name) || name == "probe" || name == "target" || name == "protocol" ||
        name == "host" || name.rfind("__", 0) == 0) {
      return m.ErrorAt("labels", "label name \"" + name +
                                     "\" is invalid or reserved (probe, target, protocol, host)");
    }
    out->emplace_back(name, value);
  }
  return absl::OkStatus();
}

absl::Status ReadHttp(ConfigMap& m, probe::HttpProbeSpec* spec) {
  SCOUT_RETURN_IF_ERROR(m.Read("name", &spec->name));
  SCOUT_RETURN_IF_ERROR(m.Read("url", &spec->url));
  SCOUT_RETURN_IF_ERROR(m.Read("method", &spec->method));
  std::map<std::string, std::string> headers;
  SCOUT_RETURN_IF_ERROR(m.Read("headers", &headers));
  spec->headers.assign(headers.begin(), headers.end());
  SCOUT_RETURN_IF_ERROR(m.Read("body", &spec->body));
  SCOUT_RETURN_IF_ERROR(m.ReadDuration("timeout", &spec->timeout));
  SCOUT_RETURN_IF_ERROR(m.ReadDuration("interval", &spec->interval));
  SCOUT_RETURN_IF_ERROR(m.Read("follow_redirects", &spec->follow_redirects));
  SCOUT_RETURN_IF_ERROR(m.Read("allow_insecure_redirect", &spec->allow_insecure_redirect));
  std::vector<std::string> expect;
  SCOUT_RETURN_IF_ERROR(m.Read("expect_status", &expect));
  if (!expect.empty()) {
    spec->expect_status.clear();
    for (const std::string& e : expect) {
      std::pair<int, int> range;
      if (!ParseStatusRange(e, &range)) {
        return m.ErrorAt("expect_status", "\"" + e + "\" is not a status like 200 or 200-299");
      }
      spec->expect_status.push_back(range);
    }
  }
  SCOUT_RETURN_IF_ERROR(m.Read("body_must_match", &spec->body_must_match));
  SCOUT_RETURN_IF_ERROR(m.Read("body_must_not_match", &spec->body_must_not_match));
  SCOUT_RETURN_IF_ERROR(m.Read("tls_verify", &spec->tls_verify));
  SCOUT_RETURN_IF_ERROR(m.Read("ca_file", &spec->ca_file));
  SCOUT_RETURN_IF_ERROR(m.ReadDuration("slow_after", &spec->slow_after));
  SCOUT_RETURN_IF_ERROR(ReadLabels(m, &spec->labels));
  SCOUT_RETURN_IF_ERROR(m.CheckNoUnknownKeys());
  absl::Status valid = probe::ValidateHttpProbeSpec(*spec);
  if (!valid.ok()) return m.ErrorAt("name", std::string(valid.message()));
  return absl::OkStatus();
}

absl::Status ReadTcp(ConfigMap& m, probe::TcpProbeSpec* spec) {
  SCOUT_RETURN_IF_ERROR(m.Read("name", &spec->name));
  SCOUT_RETURN_IF_ERROR(m.Read("host", &spec->host));
  int64_t port = 0;
  SCOUT_RETURN_IF_ERROR(m.Read("port", &port));
  SCOUT_RETURN_IF_ERROR(m.ReadDuration("timeout", &spec->timeout));
  SCOUT_RETURN_IF_ERROR(m.ReadDuration("interval", &spec->interval));
  SCOUT_RETURN_IF_ERROR(m.ReadDuration("slow_after", &spec->slow_after));
  SCOUT_RETURN_IF_ERROR(ReadLabels(m, &spec->labels));
  // Unknown keys first: "prot: 5432" should say "unknown key", not "no port".
  SCOUT_RETURN_IF_ERROR(m.CheckNoUnknownKeys());
  if (port < 1 || port > 65535) return m.ErrorAt("port", "must be between 1 and 65535");
  spec->port = static_cast<int>(port);
  absl::Status valid = probe::ValidateTcpProbeSpec(*spec);
  if (!valid.ok()) return m.ErrorAt("name", std::string(valid.message()));
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadProbeConfig(ConfigMap& probes, ProbeConfig* out) {
  std::set<std::string> names;
  auto unique = [&](ConfigMap& m, const std::string& name) -> absl::Status {
    if (!names.insert(name).second) return m.ErrorAt("name", "duplicate probe name \"" + name + "\"");
    return absl::OkStatus();
  };
  SCOUT_ASSIGN_OR_RETURN(auto http, probes.ChildList("http"));
  for (ConfigMap& m : http) {
    probe::HttpProbeSpec spec;
    SCOUT_RETURN_IF_ERROR(ReadHttp(m, &spec));
    SCOUT_RETURN_IF_ERROR(unique(m, spec.name));
    out->http.push_back(std::move(spec));
  }
  SCOUT_ASSIGN_OR_RETURN(auto tcp, probes.ChildList("tcp"));
  for (ConfigMap& m : tcp) {
    probe::TcpProbeSpec spec;
    SCOUT_RETURN_IF_ERROR(ReadTcp(m, &spec));
    SCOUT_RETURN_IF_ERROR(unique(m, spec.name));
    out->tcp.push_back(std::move(spec));
  }
  return probes.CheckNoUnknownKeys();
}

ProbeConfig ExpandProbeTemplates(ProbeConfig config, const std::string& agent_id) {
  for (probe::HttpProbeSpec& s : config.http) s.url = absl::StrReplaceAll(s.url, {{"{host}", agent_id}});
  for (probe::TcpProbeSpec& s : config.tcp) s.host = absl::StrReplaceAll(s.host, {{"{host}", agent_id}});
  return config;
}

}  // namespace scout::agent
