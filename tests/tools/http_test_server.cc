// scout-test-http-server: a tiny HTTP/1.1 server for probe tests.
//
//   scout-test-http-server --listen 127.0.0.1:0 --ready-file F
//
// Writes the bound port to F (atomically, via rename) once listening.
// One thread per connection, one request per connection (Connection: close).
// Routes:
//   /ok             200 "ok\n"
//   /slow?ms=N      sleeps N ms, then 200 "slow\n"
//   /status?code=N  status N
//   /redirect       302 to /ok
//   /redirect-to?url=U[&code=N]  N (default 302) to U, taken as is
//   /headers        200 with the request line and headers as the body
//   /body           200 with a fixed text (see kBody)
//   /auth           200 if "Authorization: Bearer s3cret" arrived, else 401
//   anything else   404
// Runs until killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace {

constexpr char kBody[] = "Scout test body: status=green version=1.2.3\n";

std::string QueryParam(const std::string& target, const std::string& key) {
  const size_t q = target.find('?');
  if (q == std::string::npos) return "";
  const std::string query = target.substr(q + 1);
  const std::string needle = key + "=";
  size_t pos = 0;
  while (pos < query.size()) {
    const size_t end = query.find('&', pos);
    const std::string part = query.substr(pos, end == std::string::npos ? end : end - pos);
    if (part.compare(0, needle.size(), needle) == 0) return part.substr(needle.size());
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return "";
}

bool HasHeader(const std::string& head, const std::string& line) {
  // Case-sensitive on purpose: curl sends the header exactly as given.
  return head.find("\r\n" + line + "\r\n") != std::string::npos;
}

void SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

void Respond(int fd, int code, const std::string& body, const std::string& extra = "") {
  const std::string head = "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Type: text/plain\r\n" +
                           "Content-Length: " + std::to_string(body.size()) + "\r\n" + extra +
                           "Connection: close\r\n\r\n";
  SendAll(fd, head + body);
}

void Serve(int fd) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  const size_t sp1 = head.find(' ');
  const size_t sp2 = sp1 == std::string::npos ? sp1 : head.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) {
    close(fd);
    return;
  }
  const std::string target = head.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string path = target.substr(0, target.find('?'));
  if (path == "/ok") {
    Respond(fd, 200, "ok\n");
  } else if (path == "/slow") {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(QueryParam(target, "ms").c_str())));
    Respond(fd, 200, "slow\n");
  } else if (path == "/status") {
    const int code = std::atoi(QueryParam(target, "code").c_str());
    Respond(fd, code >= 100 && code <= 599 ? code : 400, "status\n");
  } else if (path == "/redirect") {
    Respond(fd, 302, "", "Location: /ok\r\n");
  } else if (path == "/redirect-to") {
    const int code = std::atoi(QueryParam(target, "code").c_str());
    Respond(fd, code >= 300 && code <= 399 ? code : 302, "",
            "Location: " + QueryParam(target, "url") + "\r\n");
  } else if (path == "/headers") {
    Respond(fd, 200, head.substr(0, head.find("\r\n\r\n") + 2));
  } else if (path == "/body") {
    Respond(fd, 200, kBody);
  } else if (path == "/auth") {
    const bool ok = HasHeader(head, "Authorization: Bearer s3cret");
    Respond(fd, ok ? 200 : 401, ok ? "welcome\n" : "denied\n");
  } else {
    Respond(fd, 404, "not found\n");
  }
  // Let the client read everything before the FIN.
  shutdown(fd, SHUT_WR);
  while (recv(fd, buf, sizeof(buf), 0) > 0) {
  }
  close(fd);
}

int Usage() {
  std::fprintf(stderr, "usage: scout-test-http-server --listen HOST:PORT [--ready-file F]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen_addr, ready_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--listen") {
      listen_addr = argv[i + 1];
    } else if (flag == "--ready-file") {
      ready_file = argv[i + 1];
    } else {
      return Usage();
    }
  }
  const size_t colon = listen_addr.rfind(':');
  if (colon == std::string::npos) return Usage();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(listen_addr.c_str() + colon + 1)));
  if (inet_pton(AF_INET, listen_addr.substr(0, colon).c_str(), &addr.sin_addr) != 1) return Usage();
  const int lfd = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(lfd, 128) != 0) {
    std::perror("bind/listen");
    return 1;
  }
  socklen_t len = sizeof(addr);
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  std::printf("listening on %d\n", port);
  std::fflush(stdout);
  if (!ready_file.empty()) {
    const std::string tmp = ready_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), ready_file.c_str());
  }
  for (;;) {
    const int fd = accept(lfd, nullptr, nullptr);
    if (fd < 0) continue;
    std::thread(Serve, fd).detach();
  }
}
