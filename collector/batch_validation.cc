#include "collector/batch_validation.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "shared/proto_convert.h"

namespace scout::collector {
namespace {

bool IsStaleMarker(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits == 0x7ff0000000000002ull;
}

constexpr int64_t kYear2000Ms = 946'684'800'000;
// Examples quote at most this much of an offending name (it may be 16 MiB).
constexpr size_t kExampleBytes = 64;

std::string Cut(const std::string& text) {
  if (text.size() <= kExampleBytes) return text;
  return absl::StrCat(text.substr(0, kExampleBytes), "...");
}

// Empty when the series key is valid; otherwise what is wrong with it.
std::string SeriesProblem(const SeriesKey& key, const PointLimits& limits,
                          v1::RejectReason* reason) {
  if (key.metric.size() > limits.max_metric_name_length) {
    *reason = v1::NAME_TOO_LONG;
    return absl::StrCat("metric name of ", key.metric.size(), " bytes is over the ",
                        limits.max_metric_name_length, "-byte limit");
  }
  if (!IsValidMetricName(key.metric)) {
    *reason = v1::INVALID_METRIC_NAME;
    return absl::StrCat("invalid metric name \"", key.metric, "\"");
  }
  if (key.labels.size() > limits.max_labels_per_series) {
    *reason = v1::TOO_MANY_LABELS;
    return absl::StrCat(key.labels.size(), " labels, over the limit of ",
                        limits.max_labels_per_series);
  }
  for (const auto& label : key.labels) {
    if (label.first.size() > limits.max_label_name_length) {
      *reason = v1::NAME_TOO_LONG;
      return absl::StrCat("label name \"", Cut(label.first), "\" of ", label.first.size(),
                          " bytes is over the ", limits.max_label_name_length, "-byte limit");
    }
  }
  *reason = v1::INVALID_LABELS;
  for (size_t j = 0; j < key.labels.size(); ++j) {
    const auto& [name, value] = key.labels[j];
    if (!IsValidLabelName(name) || name.rfind("__", 0) == 0) {
      return absl::StrCat("invalid label name \"", name, "\"");
    }
    if (j > 0 && key.labels[j - 1].first == name) {
      return absl::StrCat("duplicate label \"", name, "\"");
    }
    if (value.find('\0') != std::string::npos || value.size() > limits.max_label_value_length) {
      return absl::StrCat("label \"", name, "\" has a NUL byte or is over ",
                          limits.max_label_value_length, " bytes");
    }
  }
  return "";
}

// labels: sorted, names unique.
void SetHostLabel(Labels* labels, const std::string& host) {
  auto it = std::lower_bound(labels->begin(), labels->end(), std::string("host"),
                             [](const auto& label, const std::string& name) { return label.first < name; });
  if (it != labels->end() && it->first == "host") {
    it->second = host;
  } else {
    labels->insert(it, {"host", host});
  }
}

}  // namespace

void Rejections::Add(v1::RejectReason reason, uint32_t points, const std::string& series,
                     const std::string& detail) {
  Group& g = by_reason[static_cast<size_t>(reason)];
  if (g.points == 0) g.example = absl::StrCat(series, ": ", detail);
  g.points += points;
}

uint32_t Rejections::total() const {
  uint32_t n = 0;
  for (const Group& g : by_reason) n += g.points;
  return n;
}

std::string Rejections::Summary() const {
  std::string out;
  for (int r = 0; r < v1::RejectReason_ARRAYSIZE; ++r) {
    const Group& g = by_reason[static_cast<size_t>(r)];
    if (g.points == 0) continue;
    absl::StrAppend(&out, out.empty() ? "" : "; ", g.points, g.points == 1 ? " point" : " points",
                    " with ", v1::RejectReason_Name(static_cast<v1::RejectReason>(r)), " (e.g. ",
                    g.example, ")");
  }
  return out;
}

absl::Status ValidateHello(const v1::Hello& hello) {
  if (hello.agent_id().empty()) return absl::InvalidArgumentError("hello: empty agent_id");
  if (hello.agent_id().size() > 253) {
    return absl::InvalidArgumentError("hello: agent_id longer than 253 bytes");
  }
  for (char c : hello.agent_id()) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return absl::InvalidArgumentError("hello: agent_id contains a control character");
    }
  }
  return absl::OkStatus();
}

ValidatedBatch ValidateBatch(const v1::Batch& batch, const std::string& agent_id,
                             int64_t received_ms, int64_t max_future_ms, bool bind_host) {
  PointLimits limits;
  limits.max_future_ms = max_future_ms;
  return ValidateBatch(batch, agent_id, received_ms, limits, bind_host);
}

ValidatedBatch ValidateBatch(const v1::Batch& batch, const std::string& agent_id,
                             int64_t received_ms, const PointLimits& limits, bool bind_host) {
  const int64_t max_future_ms = limits.max_future_ms;
  // Points before this are too old (the year-2000 floor, or max_sample_age).
  const int64_t oldest_ms = limits.max_sample_age_ms > 0
                                ? std::max(kYear2000Ms, received_ms - limits.max_sample_age_ms)
                                : kYear2000Ms;
  ValidatedBatch out;
  out.batch.agent_id = agent_id;
  out.batch.received_ms = received_ms;
  out.batch.series.reserve(batch.series_size());
  auto reject = [&](v1::RejectReason reason, uint32_t points, const std::string& series,
                    const std::string& detail) {
    out.rejections.Add(reason, points, Cut(series), detail);
  };
  for (const v1::Series& s : batch.series()) {
    SeriesPoints sp;
    sp.key.metric = s.metric();
    sp.key.labels = LabelsFromProto(s.labels());
    v1::RejectReason reason;
    const std::string problem = SeriesProblem(sp.key, limits, &reason);
    if (!problem.empty()) {
      reject(reason, static_cast<uint32_t>(s.points_size()),
             s.metric().empty() ? "<empty metric name>" : s.metric(), problem);
      continue;
    }
    if (bind_host) SetHostLabel(&sp.key.labels, agent_id);
    sp.points.reserve(s.points_size());
    for (const v1::Point& p : s.points()) {
      if (p.timestamp_ms() < kYear2000Ms) {
        reject(v1::TIMESTAMP_TOO_OLD, 1, s.metric(),
               absl::StrCat("timestamp ", p.timestamp_ms(),
                            " ms is not a Unix time in milliseconds after 2000"));
      } else if (p.timestamp_ms() < oldest_ms) {
        reject(v1::TIMESTAMP_TOO_OLD, 1, s.metric(),
               absl::StrCat("timestamp is ", (received_ms - p.timestamp_ms()) / 1000,
                            " s old, over max_sample_age (", limits.max_sample_age_ms / 1000,
                            " s)"));
      } else if (p.timestamp_ms() > received_ms + max_future_ms) {
        reject(v1::TIMESTAMP_IN_FUTURE, 1, s.metric(),
               absl::StrCat("timestamp is ", (p.timestamp_ms() - received_ms) / 1000,
                            " s ahead of the collector's clock (limit ", max_future_ms / 1000,
                            " s); check the agent's clock"));
      } else if (!std::isfinite(p.value()) && !(limits.allow_stale_nan && IsStaleMarker(p.value()))) {
        reject(v1::NON_FINITE_VALUE, 1, s.metric(),
               absl::StrCat("value at ", p.timestamp_ms(), " is not finite"));
      } else {
        sp.points.push_back({p.timestamp_ms(), p.value()});
      }
    }
    if (sp.points.empty()) continue;
    out.points += static_cast<uint32_t>(sp.points.size());
    out.batch.series.push_back(std::move(sp));
  }
  return out;
}

}  // namespace scout::collector
