// Probe plugin ("probe"): endpoint and API checks as a Plugin.
//
// Owns a probe::ProbeEngine (its own "scout-probe" thread, started by the
// factory). Each Collect() drains the results finished since the last call
// and emits, for every probe that has produced a result so far (the newest
// one; re-emitted unchanged while no newer one exists, so a probe interval
// longer than the agent cycle leaves no gaps), labelled
// probe=<name>, target=<URL or host:port>, protocol=http|tcp plus spec labels:
//   scout_probe_success                        1 / 0
//   scout_probe_duration_seconds               whole run
//   scout_probe_phase_seconds{phase}           dns|connect|tls|ttfb|transfer
//                                              (http: all five; tcp: dns, connect)
//   scout_probe_slow                           1 when duration > slow_after
//   scout_probe_http_status_code               http with a response only
//   scout_probe_response_bytes                 http only
//   scout_probe_tls_cert_expiry_timestamp_seconds  when a chain was seen,
//                                              also if it failed verification
//   scout_probe_failures_total{reason}         counter over ALL results
//                                              (not only the newest), one
//                                              series per reason that occurred
// Logging follows the guide (info "name: 200 - 123ms", warn "SLOW: ...",
// error "ERROR: name returned 503", error "FAILED: name - timeout") but only
// when a probe's state changes (ok / slow / status N / failed reason);
// repeats go to debug. Secrets from headers never reach logs or labels.
//
// Thread safety: Collect() from the scheduler thread only, as for every plugin.
#pragma once

#include <memory>
#include <vector>

#include "agent/plugin.h"
#include "shared/probe/probe_engine.h"
#include "shared/probe/probe_spec.h"

namespace scout::agent {

std::unique_ptr<Plugin> NewProbePlugin(std::vector<probe::HttpProbeSpec> http,
                                                   std::vector<probe::TcpProbeSpec> tcp);
// Same, with engine options (tests disable the start jitter).
std::unique_ptr<Plugin> NewProbePlugin(std::vector<probe::HttpProbeSpec> http,
                                                   std::vector<probe::TcpProbeSpec> tcp,
                                                   probe::ProbeEngine::Options options);

}  // namespace scout::agent
