// The one place that converts between domain types (shared/metric.h,
// shared/selector.h) and generated protobuf types.
#pragma once

#include "absl/status/statusor.h"
#include "scout/v1/query.pb.h"
#include "scout/v1/types.pb.h"
#include "shared/metric.h"
#include "shared/selector.h"

namespace scout {

Labels LabelsFromProto(const google::protobuf::RepeatedPtrField<v1::Label>& labels);
void LabelsToProto(const Labels& labels,
                   google::protobuf::RepeatedPtrField<v1::Label>* out);

absl::StatusOr<Selector> SelectorFromProto(const v1::Selector& selector);
v1::Selector SelectorToProto(const Selector& selector);

void SeriesPointsToProto(const SeriesPoints& series, v1::SeriesPoints* out);
SeriesPoints SeriesPointsFromProto(const v1::SeriesPoints& series);

}  // namespace scout
