#include "agent/probe/probe_plugin.h"

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "shared/logging.h"

namespace scout::agent {
namespace {

int64_t Millis(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1000.0)); }

// The state a result puts its probe in; logs fire on changes of this key.
std::string StateKey(const probe::ProbeResult& r) {
  if (r.success) return r.slow ? "slow" : "ok";
  if (r.reason == probe::FailureReason::kStatus) return absl::StrCat("status:", r.http_status);
  return absl::StrCat("failed:", probe::FailureReasonName(r.reason));
}

void LogResult(const probe::ProbeResult& r, bool changed, bool recovered) {
  const auto level = [&](spdlog::level::level_enum wanted) {
    return changed ? wanted : spdlog::level::debug;
  };
  if (r.success && r.slow) {
    spdlog::log(level(spdlog::level::warn), "SLOW: {} took {}ms", r.name,
                Millis(r.duration_seconds));
  } else if (r.success) {
    const std::string what = r.kind == probe::ProbeKind::kTcp ? "connected" : std::to_string(r.http_status);
    spdlog::log(level(spdlog::level::info), "{}: {} - {}ms{}", r.name, what,
                Millis(r.duration_seconds), recovered ? " (recovered)" : "");
  } else if (r.reason == probe::FailureReason::kStatus) {
    spdlog::log(level(spdlog::level::err), "ERROR: {} returned {}", r.name, r.http_status);
  } else {
    spdlog::log(level(spdlog::level::err), "FAILED: {} - {} ({})", r.name,
                probe::FailureReasonName(r.reason), r.error);
  }
}

class ProbePlugin final : public Plugin {
 public:
  ProbePlugin(std::vector<probe::HttpProbeSpec> http, std::vector<probe::TcpProbeSpec> tcp,
                 probe::ProbeEngine::Options options) {
    for (const probe::HttpProbeSpec& s : http) extra_labels_.push_back(s.labels);
    for (const probe::TcpProbeSpec& s : tcp) extra_labels_.push_back(s.labels);
    states_.resize(extra_labels_.size());
    engine_ = std::make_unique<probe::ProbeEngine>(std::move(http), std::move(tcp), options);
    engine_->Start();
  }

  std::string_view name() const override { return "probe"; }

  absl::Status Collect(int64_t, SampleSink& sink) override {
    for (probe::ProbeResult& r : engine_->Drain()) {
      if (r.probe_index >= states_.size()) continue;
      State& st = states_[r.probe_index];
      if (!r.success) ++st.failures[probe::FailureReasonName(r.reason)];
      const std::string key = StateKey(r);
      const bool was_failing = !st.key.empty() && st.key != "ok" && st.key != "slow";
      LogResult(r, key != st.key, r.success && was_failing);
      st.key = key;
      st.last = std::move(r);
    }
    for (size_t i = 0; i < states_.size(); ++i) {
      if (states_[i].last) Emit(*states_[i].last, states_[i], extra_labels_[i], sink);
    }
    return absl::OkStatus();
  }

 private:
  struct State {
    std::string key;  // StateKey of the newest result, "" before the first
    std::optional<probe::ProbeResult> last;
    std::map<std::string, uint64_t> failures;  // by reason name
  };

  static void Emit(const probe::ProbeResult& r, const State& st, const probe::ProbeLabels& extra,
                   SampleSink& sink) {
    Labels base = extra;
    base.emplace_back("probe", r.name);
    base.emplace_back("target", r.target);
    // "protocol", not "kind": users label APIs kind=api (as the guide does).
    base.emplace_back("protocol", probe::ProbeKindName(r.kind));
    const auto with = [&base](const char* name, std::string value) {
      Labels l = base;
      l.emplace_back(name, std::move(value));
      return l;
    };
    sink.Add("scout_probe_success", base, r.success ? 1 : 0);
    sink.Add("scout_probe_duration_seconds", base, r.duration_seconds);
    sink.Add("scout_probe_slow", base, r.slow ? 1 : 0);
    const bool http = r.kind == probe::ProbeKind::kHttp;
    std::vector<std::pair<const char*, double>> phases = {{"dns", r.phases.dns},
                                                          {"connect", r.phases.connect}};
    if (http) {
      phases.insert(phases.end(), {{"tls", r.phases.tls},
                                   {"ttfb", r.phases.ttfb},
                                   {"transfer", r.phases.transfer}});
    }
    for (const auto& [phase, seconds] : phases) {
      sink.Add("scout_probe_phase_seconds", with("phase", phase), seconds);
    }
    if (http && r.http_status > 0) {
      sink.Add("scout_probe_http_status_code", base, r.http_status);
    }
    if (http) sink.Add("scout_probe_response_bytes", base, static_cast<double>(r.response_bytes));
    if (r.cert_expiry_unix) {
      sink.Add("scout_probe_tls_cert_expiry_timestamp_seconds", base,
               static_cast<double>(*r.cert_expiry_unix));
    }
    for (const auto& [reason, count] : st.failures) {
      sink.Add("scout_probe_failures_total", with("reason", reason), static_cast<double>(count));
    }
  }

  std::vector<probe::ProbeLabels> extra_labels_;  // by probe index
  std::vector<State> states_;              // by probe index
  std::unique_ptr<probe::ProbeEngine> engine_;    // last: stopped before the rest dies
};

}  // namespace

std::unique_ptr<Plugin> NewProbePlugin(std::vector<probe::HttpProbeSpec> http,
                                                   std::vector<probe::TcpProbeSpec> tcp,
                                                   probe::ProbeEngine::Options options) {
  return std::make_unique<ProbePlugin>(std::move(http), std::move(tcp), options);
}

std::unique_ptr<Plugin> NewProbePlugin(std::vector<probe::HttpProbeSpec> http,
                                                   std::vector<probe::TcpProbeSpec> tcp) {
  return NewProbePlugin(std::move(http), std::move(tcp), probe::ProbeEngine::Options());
}

}  // namespace scout::agent
