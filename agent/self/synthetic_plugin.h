// The `synthetic` plugin: a deterministic test stream for fault tests and
// benchmarks, off unless listed in `collectors`.
//
// Each cycle at time t (a multiple of the interval) it emits, for series
// i in [0, series), `scout_synthetic_value{series="i"}` = SyntheticValue(i, k)
// with k = t / interval. After `samples` cycles (0 = never) it stops, so a
// test knows exactly which (i, k) must be stored.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "agent/plugin.h"
#include "shared/yaml_config.h"

namespace scout::agent {

// Exact in a double (< 2^53), different for every (i, k) nearby.
inline double SyntheticValue(int64_t series, int64_t k) {
  return static_cast<double>((series * 1'000'003 + k) % 4'503'599'627'370'496LL);
}

// Reads the config's `synthetic:` section (series, samples); errors name
// file, line and key.
absl::Status ReadSyntheticOptions(ConfigMap& section, int64_t* series, int64_t* samples);

std::unique_ptr<Plugin> NewSyntheticPlugin(int64_t series, int64_t samples,
                                                       int64_t interval_ms);

}  // namespace scout::agent
