#include "shared/yaml_config.h"

#include <gtest/gtest.h>

namespace scout {
namespace {

TEST(ConfigMap, ReadsTypedValues) {
  auto cfg = ConfigMap::LoadString("name: web\ncount: 3\nratio: 0.5\non: true\nevery: 10s\n"
                                   "tags: [a, b]\nlabels: {env: prod}\n", "t.yaml");
  ASSERT_TRUE(cfg.ok());
  std::string name;
  int64_t count = 0;
  double ratio = 0;
  bool on = false;
  std::chrono::milliseconds every{0};
  std::vector<std::string> tags;
  std::map<std::string, std::string> labels;
  ASSERT_TRUE(cfg->Read("name", &name).ok());
  ASSERT_TRUE(cfg->Read("count", &count).ok());
  ASSERT_TRUE(cfg->Read("ratio", &ratio).ok());
  ASSERT_TRUE(cfg->Read("on", &on).ok());
  ASSERT_TRUE(cfg->ReadDuration("every", &every).ok());
  ASSERT_TRUE(cfg->Read("tags", &tags).ok());
  ASSERT_TRUE(cfg->Read("labels", &labels).ok());
  EXPECT_TRUE(cfg->CheckNoUnknownKeys().ok());
  EXPECT_EQ(name, "web");
  EXPECT_EQ(count, 3);
  EXPECT_EQ(ratio, 0.5);
  EXPECT_TRUE(on);
  EXPECT_EQ(every, std::chrono::seconds(10));
  EXPECT_EQ(tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(labels.at("env"), "prod");
}

TEST(ConfigMap, UnknownKeyNamesFileLineAndKey) {
  auto cfg = ConfigMap::LoadString("name: web\n\nnmae: typo\n", "agent.yaml");
  ASSERT_TRUE(cfg.ok());
  std::string name;
  ASSERT_TRUE(cfg->Read("name", &name).ok());
  absl::Status s = cfg->CheckNoUnknownKeys();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().substr(0, 31), "agent.yaml:3:1: key 'nmae': unk");
}

TEST(ConfigMap, WrongTypeNamesLineAndKey) {
  auto cfg = ConfigMap::LoadString("a: 1\nnested:\n  count: many\n", "c.yaml");
  ASSERT_TRUE(cfg.ok());
  auto nested = cfg->Child("nested");
  ASSERT_TRUE(nested.ok() && nested->has_value());
  int64_t count;
  absl::Status s = (*nested)->Read("count", &count);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()),
            "c.yaml:3:10: key 'nested.count': expected an integer, got \"many\"");
}

// Text where a mapping or list belongs may be a secret pasted in the wrong
// shape: the error names the key and never quotes the text.
TEST(ConfigMap, TextInPlaceOfMappingOrListIsNotQuoted) {
  auto cfg = ConfigMap::LoadString(
      "headers: \"Authorization: Bearer tok_9f2c\"\nids: \"tok_9f2c\"\nsub: tok_9f2c\n"
      "items: tok_9f2c\n",
      "c.yaml");
  ASSERT_TRUE(cfg.ok());
  std::map<std::string, std::string> headers;
  std::vector<std::string> ids;
  absl::Status s = cfg->Read("headers", &headers);
  EXPECT_EQ(std::string(s.message()),
            "c.yaml:1:10: key 'headers': expected a mapping of strings, got a string (not shown)");
  s = cfg->Read("ids", &ids);
  EXPECT_EQ(std::string(s.message()),
            "c.yaml:2:6: key 'ids': expected a list of strings, got a string (not shown)");
  EXPECT_EQ(std::string(cfg->Child("sub").status().message()).find("tok_9f2c"), std::string::npos);
  EXPECT_EQ(std::string(cfg->ChildList("items").status().message()).find("tok_9f2c"),
            std::string::npos);
}

TEST(ConfigMap, BadDurationNamesLineAndKey) {
  auto cfg = ConfigMap::LoadString("interval: 10x\n", "c.yaml");
  ASSERT_TRUE(cfg.ok());
  std::chrono::milliseconds d;
  absl::Status s = cfg->ReadDuration("interval", &d);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()).rfind("c.yaml:1:11: key 'interval': invalid duration \"10x\"", 0), 0u)
      << s.message();
}

TEST(ConfigMap, SyntaxErrorHasLine) {
  auto cfg = ConfigMap::LoadString("a: [1, 2\nb: 3\n", "bad.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(std::string(cfg.status().message()).rfind("bad.yaml:", 0), 0u);
}

TEST(ConfigMap, TopLevelMustBeMapping) {
  auto cfg = ConfigMap::LoadString("- a\n- b\n", "list.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("mapping"), std::string::npos);
}

}  // namespace
}  // namespace scout

namespace scout {
namespace {

TEST(ConfigMap, ListOfMappingsNamesTheItem) {
  auto cfg = ConfigMap::LoadString("groups:\n  - {name: node}\n  - {name: pg, colour: red}\n", "g.yaml");
  ASSERT_TRUE(cfg.ok());
  auto items = cfg->ChildList("groups");
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  std::string name;
  ASSERT_TRUE((*items)[1].Read("name", &name).ok());
  EXPECT_EQ(name, "pg");
  absl::Status s = (*items)[1].CheckNoUnknownKeys();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()).rfind("g.yaml:3:16: key 'groups[1].colour': unknown key", 0), 0u)
      << s.message();
}

}  // namespace
}  // namespace scout
