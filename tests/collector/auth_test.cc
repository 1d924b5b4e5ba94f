// collector/auth without gRPC: the permission table, tokens-file parsing
// and reloading, certificate -> principal mapping, agent-id binding.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "collector/auth/auth_config.h"
#include "collector/auth/authorizer.h"
#include "collector/auth/role.h"
#include "collector/auth/tokens_file.h"
#include "shared/clock.h"
#include "tests/common/test_dir.h"

namespace scout::collector::auth {
namespace {

const std::string kHashA = Sha256Hex("token-a");

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(RoleTest, TableMatchesTheSpec) {
  using P = Permission;
  struct Row {
    P p;
    bool agent, reader, op, admin;
  } rows[] = {
      {P::kIngest, true, false, false, true},
      {P::kQuery, false, true, true, true},
      {P::kAlertsRead, false, true, true, true},
      {P::kSilencesWrite, false, false, true, true},
      {P::kReportsRead, false, true, true, true},
      {P::kReportsGenerate, false, false, true, true},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(std::string(PermissionName(r.p)));
    EXPECT_EQ(RoleAllows(Role::kAgent, r.p), r.agent);
    EXPECT_EQ(RoleAllows(Role::kReader, r.p), r.reader);
    EXPECT_EQ(RoleAllows(Role::kOperator, r.p), r.op);
    EXPECT_EQ(RoleAllows(Role::kAdmin, r.p), r.admin);
  }
  EXPECT_FALSE(ParseRole("root").ok());
  EXPECT_EQ(*ParseRole("operator"), Role::kOperator);
}

TEST(Sha256Test, KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokensTest, Parses) {
  auto t = ParseTokens("tokens:\n"
                       "  - principal: nodes\n    role: agent\n    sha256: " + kHashA + "\n"
                       "    agent_ids: [\"node-*\"]\n"
                       "  - principal: ops\n    role: operator\n    sha256: " +
                           absl::AsciiStrToUpper(Sha256Hex("b")) + "\n",
                       "tokens.yaml");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ(t->at(kHashA).name, "nodes");
  EXPECT_EQ(t->at(kHashA).agent_ids, std::vector<std::string>{"node-*"});
  EXPECT_EQ(t->at(Sha256Hex("b")).role, Role::kOperator);  // hex case-insensitive
}

TEST(TokensTest, ErrorsNameFileLineKeyAndNeverTheValue) {
  struct Case {
    std::string text, want;
  } cases[] = {
      {"tokens:\n  - principal: a\n    role: agent\n    sha256: " + kHashA + "\n",
       "tokens.yaml:2:5: key 'tokens[0].agent_ids': required for role agent"},
      {"tokens:\n  - principal: a\n    role: reader\n    sha256: s3cret-token\n",
       "tokens.yaml:4:13: key 'tokens[0].sha256': expected 64 hex digits"},
      {"tokens:\n  - principal: a\n    role: boss\n    sha256: " + kHashA + "\n",
       "tokens.yaml:3:11: key 'tokens[0].role': unknown role \"boss\""},
      {"tokens:\n  - principal: a\n    role: reader\n    sha256: " + kHashA +
           "\n    agent_ids: [x]\n",
       "key 'tokens[0].agent_ids': only for role agent"},
      {"tokens:\n  - principal: a\n    role: reader\n    sha256: " + kHashA +
           "\n  - principal: b\n    role: reader\n    sha256: " + kHashA + "\n",
       "key 'tokens[1].sha256': the same token hash appears twice"},
      {"tokens:\n  - role: reader\n    sha256: " + kHashA + "\n", "key 'tokens[0].principal': missing"},
      {"tokens:\n  - principal: a\n    role: reader\n    sha256: " + kHashA + "\n    token: x\n",
       "tokens[0].token"},
  };
  for (const Case& c : cases) {
    auto t = ParseTokens(c.text, "tokens.yaml");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_NE(t.status().message().find(c.want), std::string::npos) << t.status();
    EXPECT_EQ(t.status().message().find("s3cret"), std::string::npos) << t.status();
  }
}

TEST(TokensTest, FileIsReReadWhenItChangesAndABadVersionKeepsTheOld) {
  testing::TestDir dir("auth");
  const std::string path = dir / "tokens.yaml";
  auto entry = [](const std::string& name, const std::string& token) {
    return "  - principal: " + name + "\n    role: reader\n    sha256: " + Sha256Hex(token) + "\n";
  };
  WriteFile(path, "tokens:\n" + entry("a", "ta"));
  ManualClock clock(1'000'000);
  auto file = TokensFile::Open(path, clock);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->Find(Sha256Hex("ta")));
  EXPECT_FALSE((*file)->Find(Sha256Hex("tb")));

  WriteFile(path + ".new", "tokens:\n" + entry("b", "tb"));
  std::filesystem::rename(path + ".new", path);  // new inode, as a Secret update
  EXPECT_TRUE((*file)->Find(Sha256Hex("ta"))) << "not looked at again within 2 s";
  clock.Advance(std::chrono::seconds(2));
  EXPECT_FALSE((*file)->Find(Sha256Hex("ta")));
  EXPECT_EQ((*file)->Find(Sha256Hex("tb"))->name, "b");

  WriteFile(path + ".new", "tokens: [oops\n");
  std::filesystem::rename(path + ".new", path);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_TRUE((*file)->Find(Sha256Hex("tb"))) << "a bad file keeps the previous table";
}

TEST(CertificateMappingTest, FirstMatchWinsWithCnSubstitution) {
  std::vector<CertificateRule> rules(3);
  rules[0].cn = "reader";
  rules[0].principal = {"readers", Role::kReader, {}};
  rules[1].cn = "node-*";
  rules[1].principal = {"node:{cn}", Role::kAgent, {"{cn}", "{cn}-db"}};
  rules[2].san = "*.probes.example";
  rules[2].principal = {"probes", Role::kAgent, {"probe-*"}};

  auto p = MapCertificate(rules, "node-7", {});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "node:node-7");
  EXPECT_EQ(p->agent_ids, (std::vector<std::string>{"node-7", "node-7-db"}));
  EXPECT_TRUE(MayUseAgentId(*p, "node-7"));
  EXPECT_FALSE(MayUseAgentId(*p, "node-8"));
  EXPECT_EQ(MapCertificate(rules, "x", {"a.probes.example"})->name, "probes");
  EXPECT_FALSE(MapCertificate(rules, "x", {"a.other.example"}));
  EXPECT_EQ(MapCertificate(rules, "reader", {})->role, Role::kReader);
}

TEST(PrincipalTest, AgentIdBinding) {
  Principal agent{"nodes", Role::kAgent, {"node-*"}};
  EXPECT_TRUE(MayUseAgentId(agent, "node-1"));
  EXPECT_FALSE(MayUseAgentId(agent, "db-1"));
  EXPECT_TRUE(MayUseAgentId(Principal{"root", Role::kAdmin, {}}, "anything"));
  EXPECT_FALSE(MayUseAgentId(Principal{"r", Role::kReader, {}}, "node-1"));
}

TEST(AuthConfigTest, ReadsCertificatesAndSilenceCap) {
  auto root = ConfigMap::LoadString(
      "tokens_file: tokens.yaml\n"
      "certificates:\n"
      "  - cn: \"node-*\"\n    principal: \"{cn}\"\n    role: agent\n    agent_ids: [\"{cn}\"]\n"
      "max_silence_duration: 2d\n",
      "c.yaml");
  ASSERT_TRUE(root.ok());
  std::chrono::milliseconds max_silence = kDefaultMaxSilence;
  auto config = ReadAuthConfig(*root, "/etc/scout", &max_silence);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tokens_file, "/etc/scout/tokens.yaml");
  ASSERT_EQ(config->certificates.size(), 1u);
  EXPECT_EQ(max_silence, std::chrono::hours(48));

  auto bad = ConfigMap::LoadString("certificates:\n  - principal: x\n    role: reader\n", "c.yaml");
  ASSERT_TRUE(bad.ok());
  auto refused = ReadAuthConfig(*bad, "", &max_silence);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("c.yaml:2:5: key 'certificates[0].cn'"),
            std::string::npos)
      << refused.status();
}

}  // namespace
}  // namespace scout::collector::auth
