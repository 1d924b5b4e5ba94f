#include "collector/remote_write/remote_write_codec.h"

#include <snappy.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"

namespace scout::collector::remote_write {

std::string SnappyCompress(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

absl::StatusOr<std::string> SnappyDecompress(std::string_view compressed,
                                             size_t max_decoded_bytes) {
  size_t length = 0;
  // Reads only the varint header: the size is known before allocating.
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length)) {
    return absl::InvalidArgumentError("body is not snappy (block format) compressed");
  }
  if (length > max_decoded_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("decompressed body of ", length,
                                                     " bytes is over the limit of ",
                                                     max_decoded_bytes, " bytes"));
  }
  std::string out;
  if (!snappy::Uncompress(compressed.data(), compressed.size(), &out)) {
    return absl::InvalidArgumentError("corrupt snappy data");
  }
  return out;
}

absl::StatusOr<prometheus::WriteRequest> DecodeWriteRequest(std::string_view body,
                                                            const DecodeLimits& limits) {
  absl::StatusOr<std::string> raw = SnappyDecompress(body, limits.max_decoded_bytes);
  if (!raw.ok()) return raw.status();
  prometheus::WriteRequest request;
  if (!request.ParseFromString(*raw)) {
    return absl::InvalidArgumentError(
        "body is not a prometheus.WriteRequest (or a string is not valid UTF-8)");
  }
  if (static_cast<size_t>(request.timeseries_size()) > limits.max_series) {
    return absl::ResourceExhaustedError(absl::StrCat(request.timeseries_size(),
                                                     " series in one request, over the limit of ",
                                                     limits.max_series));
  }
  return request;
}

bool IsStaleNaN(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits == kStaleNaNBits;
}

v1::Batch ToBatch(const prometheus::WriteRequest& request, uint64_t* samples) {
  v1::Batch batch;
  uint64_t count = 0;
  batch.mutable_series()->Reserve(request.timeseries_size());
  for (const prometheus::TimeSeries& ts : request.timeseries()) {
    v1::Series* s = batch.add_series();
    for (const prometheus::Label& l : ts.labels()) {
      if (l.name() == "__name__") {
        s->set_metric(l.value());
        continue;
      }
      v1::Label* out = s->add_labels();
      out->set_name(l.name());
      out->set_value(l.value());
    }
    s->mutable_points()->Reserve(ts.samples_size());
    for (const prometheus::Sample& sample : ts.samples()) {
      v1::Point* p = s->add_points();
      p->set_timestamp_ms(sample.timestamp());
      p->set_value(sample.value());  // a double copied as is: NaN bits kept
    }
    count += static_cast<uint64_t>(ts.samples_size());
  }
  if (samples != nullptr) *samples = count;
  return batch;
}

prometheus::WriteRequest ToWriteRequest(const std::vector<const SeriesPoints*>& series) {
  // Merged by key so a series appears once per request (receivers append a
  // TimeSeries' samples in order; two entries of one series could interleave).
  std::map<SeriesKey, std::vector<Point>> merged;
  for (const SeriesPoints* s : series) {
    std::vector<Point>& points = merged[s->key];
    points.insert(points.end(), s->points.begin(), s->points.end());
  }
  prometheus::WriteRequest request;
  request.mutable_timeseries()->Reserve(static_cast<int>(merged.size()));
  for (auto& entry : merged) {
    const SeriesKey& key = entry.first;
    std::vector<Point>& points = entry.second;
    prometheus::TimeSeries* ts = request.add_timeseries();
    bool named = false;
    auto add_name = [&] {
      prometheus::Label* l = ts->add_labels();
      l->set_name("__name__");
      l->set_value(key.metric);
      named = true;
    };
    for (const auto& [name, value] : key.labels) {  // sorted by name
      if (!named && name > "__name__") add_name();
      prometheus::Label* l = ts->add_labels();
      l->set_name(name);
      l->set_value(value);
    }
    if (!named) add_name();
    std::stable_sort(points.begin(), points.end(),
                     [](const Point& a, const Point& b) { return a.timestamp_ms < b.timestamp_ms; });
    ts->mutable_samples()->Reserve(static_cast<int>(points.size()));
    for (const Point& p : points) {
      prometheus::Sample* sample = ts->add_samples();
      sample->set_value(p.value);
      sample->set_timestamp(p.timestamp_ms);
    }
  }
  return request;
}

std::string EncodeWriteRequest(const prometheus::WriteRequest& request) {
  return SnappyCompress(request.SerializeAsString());
}

}  // namespace scout::collector::remote_write

namespace scout::collector::remote_write {

prometheus::MetricMetadata::MetricType MetadataType(std::string_view type) {
  using M = prometheus::MetricMetadata;
  if (type == "counter") return M::COUNTER;
  if (type == "gauge") return M::GAUGE;
  if (type == "histogram") return M::HISTOGRAM;
  if (type == "gaugehistogram") return M::GAUGEHISTOGRAM;
  if (type == "summary") return M::SUMMARY;
  if (type == "info") return M::INFO;
  if (type == "stateset") return M::STATESET;
  return M::UNKNOWN;
}

std::vector<std::string> EncodeMetadataRequests(
    const std::vector<prometheus::MetricMetadata>& metadata, size_t max_per_request) {
  std::vector<std::string> bodies;
  const size_t step = std::max<size_t>(1, max_per_request);
  for (size_t first = 0; first < metadata.size(); first += step) {
    prometheus::WriteRequest request;
    const size_t last = std::min(metadata.size(), first + step);
    for (size_t i = first; i < last; ++i) *request.add_metadata() = metadata[i];
    bodies.push_back(EncodeWriteRequest(request));
  }
  return bodies;
}

}  // namespace scout::collector::remote_write
