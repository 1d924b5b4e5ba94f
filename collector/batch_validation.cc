#include "collector/batch_validation.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "shared/proto_convert.h"

namespace scout::collector {
namespace {

constexpr int64_t kYear2000Ms = 946'684'800'000;
constexpr size_t kMaxLabelValueBytes = 4096;

absl::Status SeriesError(int index, const std::string& metric, const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("series #", index, " (", metric.empty() ? "<empty metric name>" : metric,
                   "): ", what));
}

}  // namespace

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

absl::StatusOr<WriteBatch> ValidateBatch(const v1::Batch& batch, const std::string& agent_id,
                                         int64_t received_ms) {
  WriteBatch out;
  out.agent_id = agent_id;
  out.received_ms = received_ms;
  out.series.reserve(batch.series_size());
  for (int i = 0; i < batch.series_size(); ++i) {
    const v1::Series& s = batch.series(i);
    if (!IsValidMetricName(s.metric())) {
      return SeriesError(i, s.metric(), absl::StrCat("invalid metric name \"", s.metric(), "\""));
    }
    SeriesPoints sp;
    sp.key.metric = s.metric();
    sp.key.labels = LabelsFromProto(s.labels());
    for (size_t j = 0; j < sp.key.labels.size(); ++j) {
      const auto& [name, value] = sp.key.labels[j];
      if (!IsValidLabelName(name) || name.rfind("__", 0) == 0) {
        return SeriesError(i, s.metric(), absl::StrCat("invalid label name \"", name, "\""));
      }
      if (j > 0 && sp.key.labels[j - 1].first == name) {
        return SeriesError(i, s.metric(), absl::StrCat("duplicate label \"", name, "\""));
      }
      if (value.find('\0') != std::string::npos || value.size() > kMaxLabelValueBytes) {
        return SeriesError(i, s.metric(),
                           absl::StrCat("label \"", name, "\" has a NUL byte or is over ",
                                        kMaxLabelValueBytes, " bytes"));
      }
    }
    sp.points.reserve(s.points_size());
    for (const v1::Point& p : s.points()) {
      if (p.timestamp_ms() < kYear2000Ms) {
        return SeriesError(i, s.metric(),
                           absl::StrCat("timestamp ", p.timestamp_ms(),
                                        " ms is not a Unix time in milliseconds after 2000"));
      }
      if (!std::isfinite(p.value())) {
        return SeriesError(i, s.metric(),
                           absl::StrCat("value at ", p.timestamp_ms(), " is not finite"));
      }
      sp.points.push_back({p.timestamp_ms(), p.value()});
    }
    out.series.push_back(std::move(sp));
  }
  return out;
}

}  // namespace scout::collector
