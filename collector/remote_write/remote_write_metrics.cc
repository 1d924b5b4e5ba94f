#include "collector/remote_write/remote_write_metrics.h"

namespace scout::collector::remote_write {

std::vector<SeriesPoints> RemoteWriteSeries(const std::vector<RemoteWriteStats>& out,
                                            const RemoteWriteInCounters* in,
                                            const std::string& host, int64_t now_ms) {
  std::vector<SeriesPoints> series;
  auto add = [&](const char* metric, Labels labels, double value) {
    labels.emplace_back("host", host);
    series.push_back({{metric, MakeLabels(std::move(labels))}, {{now_ms, value}}});
  };
  if (in != nullptr) {
    for (const auto& [code, n] : in->requests()) {
      add("scout_remote_write_in_requests_total", {{"code", std::to_string(code)}},
          static_cast<double>(n));
    }
    add("scout_remote_write_in_samples_received_total", {},
        static_cast<double>(in->samples_received.load()));
    add("scout_remote_write_in_samples_stored_total", {},
        static_cast<double>(in->samples_stored.load()));
    add("scout_remote_write_in_samples_rejected_total", {},
        static_cast<double>(in->samples_rejected.load()));
    add("scout_remote_write_in_samples_failed_total", {},
        static_cast<double>(in->samples_failed.load()));
  }
  for (const RemoteWriteStats& s : out) {
    auto t = [&s](Labels more = {}) {
      more.emplace_back("target", s.target);
      return more;
    };
    add("scout_remote_write_pending_samples", t(), static_cast<double>(s.pending_samples));
    add("scout_remote_write_pending_bytes", t(), static_cast<double>(s.pending_bytes));
    add("scout_remote_write_samples_queued_total", t(), static_cast<double>(s.samples_queued));
    add("scout_remote_write_samples_sent_total", t(), static_cast<double>(s.samples_sent));
    add("scout_remote_write_requests_total", t(), static_cast<double>(s.requests_sent));
    add("scout_remote_write_requests_failed_total", t(), static_cast<double>(s.requests_failed));
    add("scout_remote_write_requests_retried_total", t(), static_cast<double>(s.requests_retried));
    add("scout_remote_write_samples_dropped_total", t({{"reason", "queue_full"}}),
        static_cast<double>(s.dropped_queue_full));
    add("scout_remote_write_samples_dropped_total", t({{"reason", "http_4xx"}}),
        static_cast<double>(s.dropped_http_4xx));
    add("scout_remote_write_samples_dropped_total", t({{"reason", "append_error"}}),
        static_cast<double>(s.dropped_append_error));
    add("scout_remote_write_lag_seconds", t(), s.lag_seconds);
    if (!s.metadata_enabled) continue;
    const MetadataStats& m = s.metadata;
    add("scout_remote_write_metadata_total", t({{"result", "sent"}}), static_cast<double>(m.sent));
    add("scout_remote_write_metadata_total", t({{"result", "dropped"}}),
        static_cast<double>(m.dropped));
    add("scout_remote_write_metadata_requests_total", t(), static_cast<double>(m.requests));
    add("scout_remote_write_metadata_requests_failed_total", t(),
        static_cast<double>(m.requests_failed));
    add("scout_remote_write_metadata_requests_retried_total", t(),
        static_cast<double>(m.requests_retried));
  }
  return series;
}

}  // namespace scout::collector::remote_write
