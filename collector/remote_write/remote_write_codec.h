// The remote write 1.0 wire format: snappy block compression around a
// serialized prometheus.WriteRequest, and its conversion to and from the
// collector's own types.
//
// Decoding is bounded: the uncompressed length that snappy announces in its
// header is checked against `max_decoded_bytes` before any memory is
// allocated for it, so a 1 KiB body cannot make the collector allocate
// gigabytes. Errors are InvalidArgument (the sender's fault, HTTP 400) or
// ResourceExhausted (over a bound, HTTP 400 too: retrying cannot help).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/storage/storage.h"
#include "prometheus/remote.pb.h"
#include "scout/v1/ingest.pb.h"

namespace scout::collector::remote_write {

// Snappy block format (not the framed format).
std::string SnappyCompress(std::string_view raw);
absl::StatusOr<std::string> SnappyDecompress(std::string_view compressed,
                                             size_t max_decoded_bytes);

struct DecodeLimits {
  size_t max_decoded_bytes = 64u << 20;
  size_t max_series = 100'000;  // timeseries per request
};

// Snappy, then protobuf, then the series count.
absl::StatusOr<prometheus::WriteRequest> DecodeWriteRequest(std::string_view body,
                                                            const DecodeLimits& limits);

// The request as a scout Batch: the `__name__` label becomes the metric
// (empty when absent: validation then rejects the series), the other labels
// stay in order, samples keep their timestamps and value bits (NaN payloads
// such as Prometheus's staleness marker included). Sets *samples to the
// number of samples.
v1::Batch ToBatch(const prometheus::WriteRequest& request, uint64_t* samples);

// Prometheus's staleness marker (value/value.go StaleNaN).
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;
bool IsStaleNaN(double v);

// One remote-write TimeSeries per series: labels sorted by name with
// `__name__` = metric, samples sorted by timestamp. Series with the same
// key are merged (their samples concatenated, then sorted).
prometheus::WriteRequest ToWriteRequest(const std::vector<const SeriesPoints*>& series);

// Serialized and snappy-compressed: a request body.
std::string EncodeWriteRequest(const prometheus::WriteRequest& request);

// Metric metadata as remote write 1.0 carries it (WriteRequest.metadata):
// the catalog's type names ("counter", "gauge", "histogram", "summary",
// "info", "stateset", "gaugehistogram"; anything else UNKNOWN).
prometheus::MetricMetadata::MetricType MetadataType(std::string_view type);

// Request bodies carrying `metadata` only (no samples, as Prometheus sends
// it), at most `max_per_request` entries each, in order.
std::vector<std::string> EncodeMetadataRequests(
    const std::vector<prometheus::MetricMetadata>& metadata, size_t max_per_request);

}  // namespace scout::collector::remote_write
