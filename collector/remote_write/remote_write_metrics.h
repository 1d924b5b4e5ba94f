// The remote write counters as self-metric series (docs/metrics.md,
// "Remote write"), for SelfMetrics' ExtraSeries hook:
//
//   SelfMetrics(..., [&](const std::string& host, int64_t now) {
//     return RemoteWriteSeries(out ? out->Stats() : {}, &in_counters, host, now);
//   });
//
// Every series carries `host` (the collector's self-metrics host) and, for
// remote write out, `target`.
//
// Thread safety: pure function of its arguments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/remote_write/remote_write_in.h"
#include "collector/remote_write/remote_write_out.h"
#include "shared/metric.h"

namespace scout::collector::remote_write {

// `in` may be null (remote write in not registered).
std::vector<SeriesPoints> RemoteWriteSeries(const std::vector<RemoteWriteStats>& out,
                                            const RemoteWriteInCounters* in,
                                            const std::string& host, int64_t now_ms);

}  // namespace scout::collector::remote_write
