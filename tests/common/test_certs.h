// Test certificates for TLS tests, made with openssl at test time by
// tests/common/make_test_certs.sh (the same script the shell tests use; see
// its header for the files it writes: ca, server, client-node-1, ...).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace scout::testing {

// Writes the standard set into `dir`; fails the test when openssl fails.
inline void MakeTestCerts(const std::filesystem::path& dir) {
  const std::string cmd = std::string("bash '") + SCOUT_SOURCE_DIR +
                          "/tests/common/make_test_certs.sh' '" + dir.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// One more client certificate CN=name from the test CA: dir/client-NAME.{crt,key}.
inline void MakeClientCert(const std::filesystem::path& dir, const std::string& name) {
  const std::string cmd = std::string("bash '") + SCOUT_SOURCE_DIR +
                          "/tests/common/make_test_certs.sh' '" + dir.string() + "' client '" +
                          name + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

inline std::string ReadPem(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace scout::testing
