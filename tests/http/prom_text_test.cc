// shared/prom_text on literal input: grouping, HELP/TYPE, escaping, values.
#include "shared/prom_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace scout {
namespace {

TEST(PromTextTest, FormatsValuesAsPrometheusReadsThem) {
  EXPECT_EQ(FormatPromValue(0), "0");
  EXPECT_EQ(FormatPromValue(1000000), "1000000");
  EXPECT_EQ(FormatPromValue(-42), "-42");
  EXPECT_EQ(FormatPromValue(0.1), "0.1");
  EXPECT_EQ(FormatPromValue(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatPromValue(1e300), "1e+300");
  EXPECT_EQ(std::stod(FormatPromValue(3.6028797018963968e16 + 8)), 3.6028797018963968e16 + 8);
  EXPECT_EQ(FormatPromValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatPromValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatPromValue(std::nan("")), "NaN");
  EXPECT_EQ(std::stod(FormatPromValue(0.1 + 0.2)), 0.1 + 0.2);  // round-trips exactly
}

TEST(PromTextTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(EscapeHelp("x\\y\nz\""), "x\\\\y\\nz\"");
}

TEST(PromTextTest, InfersTypeWhenUndocumented) {
  EXPECT_EQ(FamilyOf("scout_test_events_total").type, "counter");
  EXPECT_EQ(FamilyOf("scout_test_level").type, "untyped");
  EXPECT_EQ(FamilyOf("scout_test_level").name, "scout_test_level");
}

TEST(PromTextTest, GroupsFamiliesSortedWithHelpAndType) {
  const std::string text = WritePromText({
      {"b_total", {{"host", "h1"}}, 1},
      {"a_level", {}, 2.5},
      {"b_total", {{"host", "h\"2"}}, 3},
  });
  const std::string help = std::string("# HELP ");
  EXPECT_EQ(text,
            help + "a_level " + kUndocumentedHelp + "\n# TYPE a_level untyped\na_level 2.5\n" +
            help + "b_total " + kUndocumentedHelp + "\n# TYPE b_total counter\n" +
            "b_total{host=\"h1\"} 1\nb_total{host=\"h\\\"2\"} 3\n");
}

}  // namespace
}  // namespace scout
