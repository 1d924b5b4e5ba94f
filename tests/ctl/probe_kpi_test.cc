#include <gtest/gtest.h>

#include "ctl/probe_command.h"

namespace scout::ctl {
namespace {

TEST(ProbeKpi, PagesAndApisHaveTheGuidesTargets) {
  ProbeSummaryRow page;
  page.p95_latency_1h = 1.9;
  EXPECT_EQ(LatencyKpi(page), Kpi::kGood);
  page.p95_latency_1h = 2.0;  // "< 2 s"
  EXPECT_EQ(LatencyKpi(page), Kpi::kBad);
  EXPECT_EQ(AvailabilityKpi(page, 0.999), Kpi::kGood);
  EXPECT_EQ(AvailabilityKpi(page, 0.9989), Kpi::kBad);

  ProbeSummaryRow api;
  api.kind = "api";
  api.p95_latency_1h = 4.9;  // APIs: < 5 s
  EXPECT_EQ(LatencyKpi(api), Kpi::kGood);
  EXPECT_EQ(AvailabilityKpi(api, 0.95), Kpi::kGood);   // success rate > 95 %
  EXPECT_EQ(AvailabilityKpi(api, 0.94), Kpi::kBad);
  EXPECT_EQ(AvailabilityKpi(api, -1), Kpi::kUnknown);

  ProbeSummaryRow tcp;  // the guide's network latency KPI: < 100 ms
  tcp.protocol = "tcp";
  tcp.p95_latency_1h = 0.099;
  EXPECT_EQ(LatencyKpi(tcp), Kpi::kGood);
  tcp.p95_latency_1h = 0.1;
  EXPECT_EQ(LatencyKpi(tcp), Kpi::kBad);
}

}  // namespace
}  // namespace scout::ctl
