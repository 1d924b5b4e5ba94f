// Test helpers: local HTTP / HTTPS servers started as child processes
// (tracked by pid, killed in the destructor), certificates generated at
// test time with the openssl CLI, and spdlog capture.
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <filesystem>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace scout::testing {

inline std::string MakeTempDir() {
  char tmpl[] = "/tmp/scout-probe-test.XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir == nullptr ? "" : dir;
}

// A port nothing listens on (bound then released; good enough on 127.0.0.1).
inline int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

inline bool CanConnect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// A child process killed (SIGTERM, then reaped) when this goes away.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv, const std::string& log_file) {
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      if (FILE* f = std::fopen(log_file.c_str(), "w")) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
      }
      execvp(args[0], args.data());
      _exit(127);
    }
  }
  ~Child() { Kill(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Polls `ready` for up to 10 s.
template <typename F>
bool WaitFor(F ready) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// scout-test-http-server on `host` (127.0.0.1; any 127.x.y.z works on
// Linux, e.g. 127.0.0.2 for "another host"); port 0 picks a free one.
inline std::unique_ptr<Child> StartHttpServer(const std::string& dir, int* port, int fixed_port = 0,
                                              const std::string& host = "127.0.0.1") {
  const std::string ready = dir + "/ready-" + std::to_string(fixed_port) + "-" +
                            std::to_string(std::rand());
  auto child = std::make_unique<Child>(
      std::vector<std::string>{HTTP_TEST_SERVER, "--listen",
                               host + ":" + std::to_string(fixed_port), "--ready-file", ready},
      dir + "/http-server-" + host + ".log");
  const bool ok = WaitFor([&] { return std::ifstream(ready).good(); });
  EXPECT_TRUE(ok) << "http test server did not start";
  std::ifstream(ready) >> *port;
  return child;
}

// `openssl s_server -www` with the given certificate and key; `chain`
// adds intermediate/CA certificates the server presents after its own.
inline std::unique_ptr<Child> StartTlsServer(const std::string& dir, const std::string& cert,
                                             const std::string& key, int* port,
                                             const std::string& chain = "") {
  *port = UnusedPort();
  std::vector<std::string> argv{"openssl", "s_server", "-www", "-quiet", "-accept",
                                "127.0.0.1:" + std::to_string(*port), "-cert", cert, "-key", key};
  if (!chain.empty()) argv.insert(argv.end(), {"-cert_chain", chain});
  auto child = std::make_unique<Child>(argv,
      dir + "/s_server-" + std::to_string(*port) + ".log");
  EXPECT_TRUE(WaitFor([&] { return CanConnect(*port); })) << "openssl s_server did not start";
  return child;
}

// `openssl s_server -HTTP` answering GET /r with a 302 to `location`
// (-HTTP sends the named file as the whole response).
inline std::unique_ptr<Child> StartTlsRedirectServer(const std::string& dir, const std::string& cert,
                                                     const std::string& key,
                                                     const std::string& location, int* port) {
  *port = UnusedPort();
  const std::string root = dir + "/tls-redirect-" + std::to_string(*port);
  std::filesystem::create_directories(root);
  std::ofstream(root + "/r") << "HTTP/1.0 302 Found\r\nLocation: " << location
                             << "\r\nContent-Length: 0\r\n\r\n";
  auto child = std::make_unique<Child>(
      std::vector<std::string>{"sh", "-c",
                               "cd '" + root + "' && exec openssl s_server -HTTP -quiet -accept 127.0.0.1:" +
                                   std::to_string(*port) + " -cert '" + cert + "' -key '" + key + "'"},
      root + ".log");
  EXPECT_TRUE(WaitFor([&] { return CanConnect(*port); })) << "openssl s_server did not start";
  return child;
}

inline bool Run(const std::string& command) { return std::system(command.c_str()) == 0; }

// Routes the default spdlog logger (all levels) into a string while alive.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }
  static int Count(const std::string& text, const std::string& needle) {
    int n = 0;
    for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace scout::testing
