// Reading the agent config's `probes:` section into probe specs.
//
//   probes:
//     http:
//       - name: api-events                  # label `probe`, unique
//         url: https://{host}:8443/api/events   # {host} = this agent's id
//         method: GET
//         headers: {Authorization: "Bearer ${EVENTBRITE_TOKEN}"}  # or "@file:/run/secrets/t"
//         body: ""
//         timeout: 10s
//         interval: 30s
//         follow_redirects: true        # headers only to the URL's own origin
//         allow_insecure_redirect: false  # https -> http redirects fail the probe
//         expect_status: ["200-299", "304"]
//         body_must_match: '"events"'       # RE2, searched
//         body_must_not_match: "error"
//         tls_verify: true
//         ca_file: /etc/ssl/internal-ca.pem
//         slow_after: 5s                    # the guide: 2 s pages, 5 s APIs
//         labels: {kind: api, source: eventbrite}
//     tcp:
//       - {name: postgres, host: db.internal, port: 5432, timeout: 5s, interval: 10s}
//
// Errors name file, line and key. Header values are kept as written (with
// their ${VAR}/@file: references); secrets are resolved at each probe run
// and never stored in the config or logged.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "shared/probe/probe_spec.h"
#include "shared/yaml_config.h"

namespace scout::agent {

struct ProbeConfig {
  std::vector<probe::HttpProbeSpec> http;
  std::vector<probe::TcpProbeSpec> tcp;
  bool empty() const { return http.empty() && tcp.empty(); }
};

absl::Status ReadProbeConfig(ConfigMap& probes, ProbeConfig* out);

// Replaces "{host}" in URLs and TCP hosts with the agent id.
ProbeConfig ExpandProbeTemplates(ProbeConfig config, const std::string& agent_id);

}  // namespace scout::agent
