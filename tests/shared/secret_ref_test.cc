#include "shared/secret_ref.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/common/test_dir.h"

namespace scout {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ResolveSecretRef, ExpandsEnvironmentVariablesInsideText) {
  setenv("SCOUT_SECRET_TEST_TOKEN", "tok-123", 1);
  const auto v = ResolveSecretRef("Bearer ${SCOUT_SECRET_TEST_TOKEN}!");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "Bearer tok-123!");
  EXPECT_EQ(*ResolveSecretRef("plain value"), "plain value");
}

TEST(ResolveSecretRef, MissingVariableNamesItWithoutValue) {
  unsetenv("SCOUT_SECRET_TEST_MISSING");
  const auto v = ResolveSecretRef("Bearer ${SCOUT_SECRET_TEST_MISSING}");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), "environment variable SCOUT_SECRET_TEST_MISSING is not set");
}

TEST(ResolveSecretRef, MalformedReferencesDoNotEchoTheValue) {
  for (const char* value :
       {"Bearer ${hunter2", "Bearer ${hun-ter2}", "${not a name: literal-secret}", "x ${} y"}) {
    const auto v = ResolveSecretRef(value);
    ASSERT_FALSE(v.ok()) << value;
    const std::string message(v.status().message());
    EXPECT_THAT(message, Not(HasSubstr("hunter2")));
    EXPECT_THAT(message, Not(HasSubstr("hun-ter2")));
    EXPECT_THAT(message, Not(HasSubstr("literal-secret")));
  }
}

// A Kubernetes Secret mounted as a file usually ends in a newline.
TEST(ResolveSecretRef, ReadsWholeValueFromFileTrimmed) {
  testing::TestDir dir("scout-secret-ref");
  std::ofstream(dir / "token") << "  Bearer from-file\n\n";
  const auto v = ResolveSecretRef("@file:" + (dir / "token"));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "Bearer from-file");
  const auto missing = ResolveSecretRef("@file:" + (dir / "nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr(dir / "nope"));
  EXPECT_FALSE(ResolveSecretRef("@file:").ok());
}

}  // namespace
}  // namespace scout
