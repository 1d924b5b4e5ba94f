#include "shared/proto_convert.h"

#include "absl/strings/str_cat.h"

namespace scout {

Labels LabelsFromProto(const google::protobuf::RepeatedPtrField<v1::Label>& labels) {
  Labels out;
  out.reserve(labels.size());
  for (const v1::Label& l : labels) out.emplace_back(l.name(), l.value());
  return MakeLabels(std::move(out));
}

void LabelsToProto(const Labels& labels,
                   google::protobuf::RepeatedPtrField<v1::Label>* out) {
  out->Reserve(static_cast<int>(labels.size()));
  for (const auto& [name, value] : labels) {
    v1::Label* l = out->Add();
    l->set_name(name);
    l->set_value(value);
  }
}

absl::StatusOr<Selector> SelectorFromProto(const v1::Selector& selector) {
  Selector out;
  out.metric = selector.metric();
  for (const v1::Matcher& m : selector.matchers()) {
    LabelMatcher lm;
    lm.name = m.name();
    lm.value = m.value();
    switch (m.op()) {
      case v1::Matcher::EQUAL: lm.op = MatchOp::kEqual; break;
      case v1::Matcher::NOT_EQUAL: lm.op = MatchOp::kNotEqual; break;
      case v1::Matcher::REGEX_MATCH: lm.op = MatchOp::kRegexMatch; break;
      case v1::Matcher::REGEX_NOT_MATCH: lm.op = MatchOp::kRegexNotMatch; break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("matcher for label '", m.name(), "' has no operator"));
    }
    out.matchers.push_back(std::move(lm));
  }
  return out;
}

v1::Selector SelectorToProto(const Selector& selector) {
  v1::Selector out;
  out.set_metric(selector.metric);
  for (const LabelMatcher& m : selector.matchers) {
    v1::Matcher* pm = out.add_matchers();
    pm->set_name(m.name);
    pm->set_value(m.value);
    switch (m.op) {
      case MatchOp::kEqual: pm->set_op(v1::Matcher::EQUAL); break;
      case MatchOp::kNotEqual: pm->set_op(v1::Matcher::NOT_EQUAL); break;
      case MatchOp::kRegexMatch: pm->set_op(v1::Matcher::REGEX_MATCH); break;
      case MatchOp::kRegexNotMatch: pm->set_op(v1::Matcher::REGEX_NOT_MATCH); break;
    }
  }
  return out;
}

void SeriesPointsToProto(const SeriesPoints& series, v1::SeriesPoints* out) {
  out->set_metric(series.key.metric);
  LabelsToProto(series.key.labels, out->mutable_labels());
  out->mutable_points()->Reserve(static_cast<int>(series.points.size()));
  for (const Point& p : series.points) {
    v1::Point* pp = out->add_points();
    pp->set_timestamp_ms(p.timestamp_ms);
    pp->set_value(p.value);
  }
}

SeriesPoints SeriesPointsFromProto(const v1::SeriesPoints& series) {
  SeriesPoints out;
  out.key.metric = series.metric();
  out.key.labels = LabelsFromProto(series.labels());
  out.points.reserve(series.points_size());
  for (const v1::Point& p : series.points()) {
    out.points.push_back({p.timestamp_ms(), p.value()});
  }
  return out;
}

}  // namespace scout
