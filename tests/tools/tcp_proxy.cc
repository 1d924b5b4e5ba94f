// scout-test-proxy: a TCP proxy for fault tests that can simulate a network
// partition in which traffic is silently black-holed (no RST, no FIN).
//
//   scout-test-proxy --listen HOST:PORT --target HOST:PORT [--ready-file FILE]
//   scout-test-proxy --echo --listen HOST:PORT [--ready-file FILE]
//
// SIGUSR1 = partition: stop touching every socket. Bytes stay in kernel buffers,
// so peers see silence and TCP flow control stalls them, like dropped packets;
// new connections wait unaccepted in the kernel's accept queue. SIGUSR2 = heal.
// SIGTERM/SIGINT = close everything, exit 0. One thread, one poll() loop.
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

const char* g_name = "proxy";  // log prefix: "proxy" or "echo"
int g_sigpipe[2] = {-1, -1};    // self-pipe: handler -> event loop

__attribute__((format(printf, 1, 2))) void log(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "%s: ", g_name);
  std::vfprintf(stderr, fmt, ap);
  std::fputc('\n', stderr);
  va_end(ap);
}

[[noreturn]] void die(const std::string& msg) {
  log("%s", msg.c_str());
  std::exit(2);
}

// The handler only records the signal; all mode changes happen in the loop so
// they never race with a half-finished read or write.
void on_signal(int sig) {
  int saved = errno;
  char c = static_cast<char>(sig);
  (void)!write(g_sigpipe[1], &c, 1);
  errno = saved;
}

addrinfo* resolve(const std::string& hostport, bool passive) {
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) die("expected HOST:PORT, got '" + hostport + "'");
  std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);
  addrinfo hints{};  // ai_family 0 = AF_UNSPEC: IPv4 or IPv6
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) die("cannot resolve '" + hostport + "': " + gai_strerror(rc));
  return res;
}

// One direction of a connection. Bytes read from `from` wait in buf[start,end)
// until `to` accepts them; partial writes just advance `start`.
struct Dir {
  int from = -1, to = -1;
  std::vector<char> buf = std::vector<char>(64 * 1024);
  size_t start = 0, end = 0;
  bool eof = false, shut = false;  // `from` sent FIN; we passed it on to `to`
  bool wants_read() const { return !eof && end < buf.size(); }
  bool has_data() const { return start < end; }
  bool done() const { return eof && !has_data(); }
};

// A proxied connection has two directions (client->target, target->client);
// an echo connection has one (client->client) and fd[1] == -1.
struct Conn {
  int id = 0;
  int fd[2] = {-1, -1};
  bool connecting = false;  // non-blocking connect to the target in progress
  int ndirs = 1;  // 2 when proxying
  Dir dir[2];
  std::string closed;  // non-empty once closed: the reason
};

short events_for(const Conn& c, int fd) {
  if (c.connecting) return fd == c.fd[1] ? POLLOUT : 0;  // client waits for target
  short ev = 0;
  for (int i = 0; i < c.ndirs; ++i) {
    if (c.dir[i].from == fd && c.dir[i].wants_read()) ev |= POLLIN;
    if (c.dir[i].to == fd && c.dir[i].has_data()) ev |= POLLOUT;
  }
  return ev;
}

// Moves what it can without blocking; one recv per call keeps the loop fair.
// Returns an error description, or "" if the direction is still healthy.
std::string pump(Dir& d) {
  auto flush = [&]() -> std::string {
    while (d.has_data()) {
      ssize_t n = send(d.to, d.buf.data() + d.start, d.end - d.start, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return "";  // peer full: wait for POLLOUT
      if (n < 0) return std::string("send: ") + std::strerror(errno);
      d.start += static_cast<size_t>(n);
    }
    d.start = d.end = 0;  // drained: reuse the whole buffer
    return "";
  };
  if (auto err = flush(); !err.empty()) return err;
  if (d.wants_read()) {
    ssize_t n = recv(d.from, d.buf.data() + d.end, d.buf.size() - d.end, 0);
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return std::string("recv: ") + std::strerror(errno);
    if (n == 0) d.eof = true;
    if (n > 0) d.end += static_cast<size_t>(n);
    if (auto err = flush(); !err.empty()) return err;
  }
  // Half-close: pass the FIN on only after every buffered byte went out.
  if (d.done() && !d.shut && d.from != d.to) {
    shutdown(d.to, SHUT_WR);
    d.shut = true;
  }
  return "";
}

class Proxy {
 public:
  Proxy(int listen_fd, addrinfo* target) : listen_fd_(listen_fd), target_(target) {}

  void run() {
    for (;;) {
      // While partitioned only the signal pipe is watched: nothing is read,
      // written, accepted or closed, so peers see pure silence.
      std::vector<pollfd> pfds{{g_sigpipe[0], POLLIN, 0}};
      if (!partitioned_) {
        pfds.push_back({listen_fd_, POLLIN, 0});
        for (auto& c : conns_)
          for (int fd : c->fd) {  // always two slots per conn; fd -1 is ignored
            short ev = events_for(*c, fd);
            pfds.push_back({ev ? fd : -1, ev, 0});
          }
      }
      int rc = poll(pfds.data(), pfds.size(), -1);
      if (rc < 0 && errno == EINTR) continue;  // a signal: its byte is in the pipe
      if (rc < 0) die(std::string("poll: ") + std::strerror(errno));
      if (pfds[0].revents) handle_signals();
      // A partition that arrived in this very round wins over stale readiness.
      if (partitioned_ || pfds.size() == 1) continue;
      for (size_t i = 0; i < conns_.size(); ++i)
        if (pfds[2 + 2 * i].revents | pfds[3 + 2 * i].revents) service(*conns_[i]);
      if (pfds[1].revents) accept_all();
      for (size_t i = 0; i < conns_.size();) {
        if (conns_[i]->closed.empty()) { ++i; continue; }
        log("conn #%d closed: %s (%zu active)", conns_[i]->id, conns_[i]->closed.c_str(),
            conns_.size() - 1);
        conns_.erase(conns_.begin() + static_cast<long>(i));
      }
    }
  }

 private:
  void handle_signals() {
    char sigs[64];
    ssize_t n = read(g_sigpipe[0], sigs, sizeof sigs);
    for (ssize_t i = 0; i < n; ++i) {
      if (sigs[i] == SIGUSR1) {
        partitioned_ = true;
        log("partition ON (%zu connections frozen, new ones left unaccepted)", conns_.size());
      } else if (sigs[i] == SIGUSR2) {
        partitioned_ = false;
        log("partition OFF (%zu connections resumed)", conns_.size());
      } else {
        log("%s: closing %zu connections, exiting", strsignal(sigs[i]), conns_.size());
        for (auto& c : conns_) close_conn(*c, "shutdown");
        std::exit(0);
      }
    }
  }

  // Drains the accept queue. Every new conn goes into conns_, even one whose
  // target connect failed at once, so open/close logging lives in one place.
  void accept_all() {
    for (;;) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
          log("accept: %s", std::strerror(errno));
        return;
      }
      auto c = std::make_unique<Conn>();
      c->id = ++next_id_;
      c->fd[0] = c->dir[0].from = fd;
      if (!target_) {  // echo: a single direction, straight back to the client
        c->dir[0].to = fd;
        log("conn #%d open (%zu active)", c->id, conns_.size() + 1);
      } else {  // non-blocking connect: a slow target must never stall the loop
        c->ndirs = 2;
        c->connecting = true;
        int t = socket(target_->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        c->fd[1] = c->dir[0].to = c->dir[1].from = t;
        c->dir[1].to = fd;
        if (t < 0 || (connect(t, target_->ai_addr, target_->ai_addrlen) && errno != EINPROGRESS))
          close_conn(*c, std::string("target connect failed: ") + std::strerror(errno));
      }
      conns_.push_back(std::move(c));
    }
  }

  void service(Conn& c) {
    if (c.connecting) {  // only the target was polled: the connect finished
      int err = 0;
      socklen_t len = sizeof err;  // connect's outcome, success or refusal
      getsockopt(c.fd[1], SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) return close_conn(c, std::string("target connect failed: ") + std::strerror(err));
      c.connecting = false;
      log("conn #%d open (%zu active)", c.id, conns_.size());
    }
    bool all_done = true;
    for (int i = 0; i < c.ndirs; ++i) {
      if (auto err = pump(c.dir[i]); !err.empty()) return close_conn(c, err);
      all_done = all_done && c.dir[i].done();
    }
    if (all_done) close_conn(c, "eof");
  }

  void close_conn(Conn& c, const std::string& why) {
    for (int fd : c.fd)
      if (fd >= 0) close(fd);
    c.closed = why;
  }

  int listen_fd_;
  addrinfo* target_;  // nullptr in echo mode
  bool partitioned_ = false;
  int next_id_ = 0;
  std::vector<std::unique_ptr<Conn>> conns_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen_addr, target_addr, ready_file;
  bool echo = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--listen") listen_addr = value();
    else if (a == "--target") target_addr = value();
    else if (a == "--ready-file") ready_file = value();
    else if (a == "--echo") echo = true;
    else die("unknown argument '" + a + "'");
  }
  if (listen_addr.empty() || echo == !target_addr.empty())
    die("usage: scout-test-proxy --listen HOST:PORT (--target HOST:PORT | --echo)"
        " [--ready-file FILE]");
  if (echo) g_name = "echo";

  if (pipe2(g_sigpipe, O_NONBLOCK | O_CLOEXEC) < 0) die("pipe2 failed");
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  for (int sig : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a dead peer must surface as EPIPE, not kill us

  addrinfo* la = resolve(listen_addr, true);
  int lfd = socket(la->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;  // SO_REUSEADDR: a fixed port can be reused right after a restart
  if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(lfd, la->ai_addr, la->ai_addrlen) < 0 || listen(lfd, 128) < 0)
    die("cannot listen on " + listen_addr + ": " + std::strerror(errno));
  freeaddrinfo(la);

  sockaddr_storage ss{};  // the real address: port 0 picked an ephemeral port
  socklen_t sslen = sizeof ss;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&ss), &sslen);
  char host[NI_MAXHOST], port[NI_MAXSERV];
  getnameinfo(reinterpret_cast<sockaddr*>(&ss), sslen, host, sizeof host, port, sizeof port,
              NI_NUMERICHOST | NI_NUMERICSERV);
  std::string bound = std::string(host) + ":" + port;  // resolve() splits at the last ':'
  addrinfo* target = echo ? nullptr : resolve(target_addr, false);
  log("listening on %s%s%s", bound.c_str(), echo ? "" : " -> ", target_addr.c_str());

  // Written to a temp file and renamed so a waiting test never reads half a line.
  if (!ready_file.empty()) {
    std::string tmp = ready_file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f || std::fprintf(f, "%s\n", bound.c_str()) < 0 || std::fclose(f) != 0 ||
        std::rename(tmp.c_str(), ready_file.c_str()) != 0)
      die("cannot write ready file " + ready_file);
  }
  Proxy(lfd, target).run();
}
