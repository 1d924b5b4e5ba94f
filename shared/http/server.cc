// libmicrohttpd glue. One Exchange per request: created by the URI-log
// callback (so it exists before headers are parsed), fed by the access
// callback (headers, then body chunks, then the final call that runs the
// handler), freed by the request-completed callback. A handler that does
// not reply at once gets its connection suspended; Reply stores the
// response and resumes it, and MHD's next access call queues it.
#include "shared/http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/http/tls_files.h"
#include "shared/logging.h"
#include "shared/net_address.h"

namespace scout::http {

void ServerCounters::CountRequest(const std::string& handler, int code) {
  absl::MutexLock lock(&mu_);
  ++requests_[{handler, code}];
}

std::map<std::pair<std::string, int>, uint64_t> ServerCounters::Requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

namespace {

// What outlives the server for late replies: the lock, the set of requests
// waiting for a reply, and whether Stop() gave up on them.
struct Exchange;
struct Hub {
  absl::Mutex mu;
  absl::CondVar replied;
  size_t pending ABSL_GUARDED_BY(mu) = 0;
  std::set<std::shared_ptr<Exchange>> waiting ABSL_GUARDED_BY(mu);  // dispatched, unreplied
  // Stop() gave up waiting: nothing may be suspended any more (MHD must not
  // stop with suspended connections).
  bool closing ABSL_GUARDED_BY(mu) = false;
};

struct Exchange {
  std::shared_ptr<Hub> hub;
  MHD_Connection* conn = nullptr;
  std::string raw_uri;
  bool started = false;
  bool dispatched = false;
  bool rejected = false;        // a response was queued before the body was read
  size_t swallowed = 0;         // body bytes dropped after a too-large verdict
  Router::Route route;
  Request request;
  // Reply handoff (hub->mu).
  bool replied = false;
  bool suspended = false;
  bool closed = false;          // completed, or abandoned by Stop(): replies are dropped
  std::optional<Response> response;
};

// The connection's own state (MHD's socket context).
struct ConnState {
  std::string ip;
  std::chrono::steady_clock::time_point last_activity;
};

thread_local Server::Impl* t_server = nullptr;  // for the TLS retrieve callback
thread_local bool t_named = false;

std::string PeerString(const sockaddr* addr) {
  if (addr == nullptr) return "unknown";
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    return absl::StrCat("ipv4:", buf, ":", ntohs(in->sin_port));
  }
  if (addr->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    return absl::StrCat("ipv6:[", buf, "]:", ntohs(in6->sin6_port));
  }
  return "unknown";
}

std::string IpOf(const sockaddr* addr) {
  const std::string peer = PeerString(addr);
  return peer.substr(0, peer.rfind(':'));
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Router router;
  std::shared_ptr<ServerCounters> counters;
  std::unique_ptr<TlsCredentials> tls;
  std::shared_ptr<Hub> hub = std::make_shared<Hub>();
  MHD_Daemon* daemon = nullptr;

  absl::Mutex conn_mu;
  std::map<std::string, unsigned> per_ip ABSL_GUARDED_BY(conn_mu);
  unsigned open ABSL_GUARDED_BY(conn_mu) = 0;
  std::atomic<bool> stopping{false};
  std::unique_ptr<RateLimiter> limiter;

  // A 429 when the caller is over its rate, else nullopt.
  std::optional<Response> OverRateLimit(const Request& req) {
    if (!limiter || !limiter->enabled()) return std::nullopt;
    const std::string key = options.rate_limit_key ? options.rate_limit_key(req)
                                                   : "ip:" + req.peer.substr(0, req.peer.rfind(':'));
    auto wait = limiter->TryAcquire(key, RateLimiter::Clock::now());
    counters->rate_limit_callers = static_cast<int64_t>(limiter->tracked());
    if (!wait) return std::nullopt;
    counters->rate_limited++;
    const int64_t seconds = std::max<int64_t>(1, (wait->count() + 999) / 1000);
    Response r = Plain(429, absl::StrCat("rate limited: over ", options.rate_limit.requests_per_second,
                                         " requests/s for this caller; retry after ", seconds, "s\n"));
    r.headers.emplace_back("Retry-After", std::to_string(seconds));
    // The body (if any) is not read: closing is cheaper than draining it.
    r.headers.emplace_back("Connection", "close");
    return r;
  }

  void Queue(Exchange& ex, const Response& r) {
    MHD_Response* resp = MHD_create_response_from_buffer(
        r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
    if (!r.content_type.empty()) MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
    for (const auto& [name, value] : r.headers) {
      MHD_add_response_header(resp, name.c_str(), value.c_str());
    }
    if (MHD_queue_response(ex.conn, static_cast<unsigned>(r.status), resp) == MHD_YES) {
      counters->CountRequest(ex.route.pattern.empty() ? "none" : ex.route.pattern, r.status);
    }
    MHD_destroy_response(resp);
  }

  static Response Plain(int status, std::string text) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(text);
    return r;
  }

  // First call: headers are in. Returns a response to send at once, if any.
  std::optional<Response> Begin(Exchange& ex, const char* url, const char* method) {
    Request& req = ex.request;
    req.method = method;
    req.path = url;
    if (size_t q = ex.raw_uri.find('?'); q != std::string::npos) {
      std::string_view query = std::string_view(ex.raw_uri).substr(q + 1);
      query = query.substr(0, query.find('#'));
      req.params = ParseFormEncoded(query);
    }
    MHD_get_connection_values(
        ex.conn, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
          auto* headers = static_cast<std::map<std::string, std::string>*>(cls);
          std::string name = absl::AsciiStrToLower(key);
          auto [it, fresh] = headers->emplace(name, value ? value : "");
          if (!fresh) absl::StrAppend(&it->second, ", ", value ? value : "");
          return MHD_YES;
        },
        &req.headers);
    if (const MHD_ConnectionInfo* info =
            MHD_get_connection_info(ex.conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) {
      req.peer = PeerString(info->client_addr);
    }
    if (tls && !options.tls->client_ca_file.empty()) {
      if (const MHD_ConnectionInfo* info =
              MHD_get_connection_info(ex.conn, MHD_CONNECTION_INFO_GNUTLS_SESSION)) {
        req.client_cert = tls->VerifyPeer(static_cast<gnutls_session_t>(info->tls_session));
      }
      if (!req.client_cert && options.tls->require_client_cert) {
        counters->tls_client_cert_refused++;
        Response r = Plain(401, "a client certificate signed by the client CA is required\n");
        r.headers.emplace_back("Connection", "close");
        return r;
      }
    }
    ex.route = router.Find(req.method, req.path);
    if (ex.route.handler == nullptr || ex.route.options.rate_limited) {
      if (std::optional<Response> limited = OverRateLimit(req)) return limited;
    }
    if (!ex.route.path_known) return Plain(404, "not found\n");
    if (ex.route.handler == nullptr) return Plain(405, "method not allowed\n");
    if (stopping.load()) return Plain(503, "shutting down\n");
    if (auto length = req.Header("content-length")) {
      char* end = nullptr;
      const unsigned long long n = std::strtoull(length->c_str(), &end, 10);
      if (end == length->c_str() || n > ex.route.options.max_body_bytes) {
        counters->bodies_too_large++;
        return Plain(413, absl::StrCat("request body over ", ex.route.options.max_body_bytes,
                                       " bytes\n"));
      }
      req.body.reserve(n);
    }
    return std::nullopt;
  }

  MHD_Result Body(Exchange& ex, const char* data, size_t* size) {
    if (ex.rejected) {
      // Over the limit mid-stream: MHD accepts no response until the body
      // is read, so drop it, within a bound, then give up on the connection.
      ex.swallowed += *size;
      *size = 0;
      return ex.swallowed > (1u << 20) + ex.route.options.max_body_bytes ? MHD_NO : MHD_YES;
    }
    if (ex.request.body.size() + *size > ex.route.options.max_body_bytes) {
      counters->bodies_too_large++;
      ex.rejected = true;
      ex.request.body.clear();
      ex.request.body.shrink_to_fit();
      ex.swallowed = *size;
    } else {
      ex.request.body.append(data, *size);
    }
    *size = 0;
    return MHD_YES;
  }

  void Dispatch(const std::shared_ptr<Exchange>& ex) {
    Request& req = ex->request;
    if (auto type = req.Header("content-type");
        type && absl::StartsWith(absl::AsciiStrToLower(*type), "application/x-www-form-urlencoded")) {
      for (auto& kv : ParseFormEncoded(req.body)) req.params.push_back(std::move(kv));
    }
    {
      absl::MutexLock lock(&hub->mu);
      hub->pending++;
      hub->waiting.insert(ex);
    }
    std::shared_ptr<Hub> h = hub;
    Reply reply = [ex, h](Response r) {
      absl::MutexLock lock(&h->mu);
      if (ex->replied || ex->closed) return;
      ex->replied = true;
      ex->response = std::move(r);
      h->pending--;
      h->waiting.erase(ex);
      h->replied.SignalAll();
      if (ex->suspended) {
        ex->suspended = false;
        MHD_resume_connection(ex->conn);
      }
    };
    (*ex->route.handler)(std::move(req), std::move(reply));
  }

  MHD_Result Access(MHD_Connection* conn, const char* url, const char* method,
                    const char* upload_data, size_t* upload_size, void** con_cls) {
    auto* holder = static_cast<std::shared_ptr<Exchange>*>(*con_cls);
    if (holder == nullptr) return MHD_NO;  // no URI callback ran: cannot happen
    const std::shared_ptr<Exchange>& ex = *holder;
    ex->conn = conn;
    Touch(conn);
    if (!ex->started) {
      ex->started = true;
      if (std::optional<Response> early = Begin(*ex, url, method)) {
        ex->rejected = true;
        Queue(*ex, *early);
      }
      return MHD_YES;
    }
    if (*upload_size > 0) return Body(*ex, upload_data, upload_size);
    if (ex->rejected) {
      if (ex->swallowed > 0) {
        ex->swallowed = 0;
        Queue(*ex, Plain(413, absl::StrCat("request body over ",
                                           ex->route.options.max_body_bytes, " bytes\n")));
      }
      return MHD_YES;
    }
    if (!ex->dispatched) {
      ex->dispatched = true;
      Dispatch(ex);
    }
    absl::MutexLock lock(&hub->mu);
    if (ex->response) {
      Response r = *std::move(ex->response);
      ex->response.reset();
      Queue(*ex, r);
    } else if (!ex->closed && !ex->replied && hub->closing) {
      // Dispatched while Stop() was giving up: answer now, never suspend.
      ex->replied = true;
      hub->pending--;
      hub->waiting.erase(ex);
      Queue(*ex, Plain(503, "server stopping\n"));
    } else if (!ex->closed && !ex->replied) {
      // Under the lock, so a Reply from another thread resumes only after
      // the suspension.
      ex->suspended = true;
      MHD_suspend_connection(conn);
    }
    return MHD_YES;
  }

  void Completed(void** con_cls) {
    auto* holder = static_cast<std::shared_ptr<Exchange>*>(*con_cls);
    if (holder == nullptr) return;
    {
      absl::MutexLock lock(&hub->mu);
      Exchange& ex = **holder;
      if (ex.dispatched && !ex.replied && !ex.closed) {
        hub->pending--;
        hub->waiting.erase(*holder);
      }
      ex.closed = true;
      ex.conn = nullptr;
    }
    delete holder;
    *con_cls = nullptr;
  }

  void Touch(MHD_Connection* conn) {
    if (const MHD_ConnectionInfo* info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT)) {
      if (auto* state = static_cast<ConnState*>(info->socket_context)) {
        state->last_activity = std::chrono::steady_clock::now();
      }
    }
  }

  void ConnectionEvent(MHD_Connection* conn, void** socket_context, MHD_ConnectionNotificationCode code) {
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      t_server = this;
      if (!t_named) {
        t_named = true;
        pthread_setname_np(pthread_self(), options.thread_name.substr(0, 15).c_str());
      }
      auto* state = new ConnState();
      if (const MHD_ConnectionInfo* info =
              MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) {
        state->ip = IpOf(info->client_addr);
      }
      state->last_activity = std::chrono::steady_clock::now();
      *socket_context = state;
      counters->connections_accepted++;
      counters->connections_open++;
      absl::MutexLock lock(&conn_mu);
      ++open;
      ++per_ip[state->ip];
      return;
    }
    auto* state = static_cast<ConnState*>(*socket_context);
    if (state == nullptr) return;
    // MHD does not say why a connection closed; one that was quiet for the
    // whole timeout was closed by it.
    if (std::chrono::steady_clock::now() - state->last_activity >=
        options.connection_timeout - std::chrono::milliseconds(500)) {
      counters->connections_timed_out++;
    }
    counters->connections_open--;
    {
      absl::MutexLock lock(&conn_mu);
      --open;
      if (--per_ip[state->ip] == 0) per_ip.erase(state->ip);
    }
    delete state;
    *socket_context = nullptr;
  }

  bool Admit(const sockaddr* addr) {
    if (stopping.load()) return false;
    const std::string ip = IpOf(addr);
    absl::MutexLock lock(&conn_mu);
    const bool ok = open < options.max_connections &&
                    (options.max_connections_per_ip == 0 ||
                     (per_ip.count(ip) == 0 ? 0 : per_ip[ip]) < options.max_connections_per_ip);
    if (!ok) counters->connections_refused++;
    return ok;
  }
};

namespace {

void* UriLog(void* cls, const char* uri, MHD_Connection* conn) {
  auto* impl = static_cast<Server::Impl*>(cls);
  auto ex = std::make_shared<Exchange>();
  ex->hub = impl->hub;
  ex->conn = conn;
  ex->raw_uri = uri ? uri : "";
  return new std::shared_ptr<Exchange>(std::move(ex));
}

MHD_Result AccessCallback(void* cls, MHD_Connection* conn, const char* url, const char* method,
                          const char*, const char* upload_data, size_t* upload_size,
                          void** con_cls) {
  return static_cast<Server::Impl*>(cls)->Access(conn, url, method, upload_data, upload_size,
                                                  con_cls);
}

void CompletedCallback(void* cls, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
  static_cast<Server::Impl*>(cls)->Completed(con_cls);
}

void ConnectionCallback(void* cls, MHD_Connection* conn, void** socket_context,
                        MHD_ConnectionNotificationCode code) {
  static_cast<Server::Impl*>(cls)->ConnectionEvent(conn, socket_context, code);
}

MHD_Result AcceptPolicy(void* cls, const sockaddr* addr, socklen_t) {
  return static_cast<Server::Impl*>(cls)->Admit(addr) ? MHD_YES : MHD_NO;
}

void Log(void*, const char* format, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, format, ap);
  std::string line(buf);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  spdlog::debug("http: {}", line);
}

// GnuTLS asks for the server's certificate on each handshake; the worker
// thread doing it has met the connection first (ConnectionEvent).
int RetrieveCert(gnutls_session_t, const gnutls_datum_t*, int, const gnutls_pk_algorithm_t*, int,
                 gnutls_pcert_st** pcert, unsigned int* pcert_length, gnutls_privkey_t* key) {
  Server::Impl* impl = t_server;
  if (impl == nullptr || !impl->tls) return -1;
  return impl->tls->Retrieve(pcert, pcert_length, key);
}

// A bound, listening, non-blocking socket for `listen` ("host:port").
absl::StatusOr<int> Listen(const std::string& listen, int* family) {
  auto hp = SplitHostPort(listen);
  if (!hp.ok()) return absl::InvalidArgumentError(absl::StrCat("http listen ", listen, ": ", hp.status().message()));
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = hp->port.empty() ? "0" : hp->port;
  if (int rc = getaddrinfo(hp->host.empty() ? nullptr : hp->host.c_str(), port.c_str(), &hints, &res);
      rc != 0) {
    return absl::InvalidArgumentError(absl::StrCat("http listen ", listen, ": ", gai_strerror(rc)));
  }
  int fd = -1;
  std::string error = "no address";
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 512) == 0) {
      *family = a->ai_family;
      break;
    }
    error = std::strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, ": ", error));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options, Router router) {
  auto impl = std::make_unique<Impl>();
  impl->counters = options.counters ? options.counters : std::make_shared<ServerCounters>();
  impl->router = std::move(router);
  if (options.threads == 0) options.threads = 1;
  impl->options = options;
  impl->limiter = std::make_unique<RateLimiter>(options.rate_limit);
  if (options.tls) {
    auto tls = TlsCredentials::Load(*options.tls);
    if (!tls.ok()) return tls.status();
    impl->tls = *std::move(tls);
  }
  int family = AF_INET;
  auto fd = Listen(options.listen, &family);
  if (!fd.ok()) return fd.status();
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                   MHD_USE_ERROR_LOG;
  if (family == AF_INET6) flags |= MHD_USE_IPv6;
  if (impl->tls) flags |= MHD_USE_TLS;
  Impl* raw = impl.get();
  std::vector<MHD_OptionItem> opts = {
      {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&Log), nullptr},
      {MHD_OPTION_LISTEN_SOCKET, *fd, nullptr},
      {MHD_OPTION_THREAD_POOL_SIZE, options.threads, nullptr},
      // MHD splits this between its workers; ours (Admit) is the real limit.
      {MHD_OPTION_CONNECTION_LIMIT, options.max_connections * options.threads + options.threads, nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(options.connection_timeout.count()), nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(options.connection_memory_bytes), nullptr},
      {MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&UriLog), raw},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&CompletedCallback), raw},
      {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&ConnectionCallback), raw},
  };
  if (impl->tls) {
    opts.push_back({MHD_OPTION_HTTPS_CERT_CALLBACK, 0, reinterpret_cast<void*>(&RetrieveCert)});
    opts.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0,
                    const_cast<char*>("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2")});
    if (!impl->tls->initial_client_ca().empty()) {
      opts.push_back({MHD_OPTION_HTTPS_MEM_TRUST, 0,
                      const_cast<char*>(impl->tls->initial_client_ca().c_str())});
    }
  }
  opts.push_back({MHD_OPTION_END, 0, nullptr});
  impl->daemon = MHD_start_daemon(flags, 0, &AcceptPolicy, raw, &AccessCallback, raw,
                                  MHD_OPTION_ARRAY, opts.data(), MHD_OPTION_END);
  if (impl->daemon == nullptr) {
    close(*fd);
    return absl::InternalError(absl::StrCat("cannot start the HTTP server on ", options.listen));
  }
  std::unique_ptr<Server> server(new Server(std::move(impl)));
  server->counters_ = server->impl_->counters;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(*fd, reinterpret_cast<sockaddr*>(&addr), &len);
  server->port_ = ntohs(addr.ss_family == AF_INET6
                            ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                            : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return server;
}

void Server::Stop() {
  if (impl_ == nullptr || impl_->daemon == nullptr) return;
  impl_->stopping = true;
  Hub& hub = *impl_->hub;
  {
    absl::MutexLock lock(&hub.mu);
    const absl::Time deadline = absl::Now() + absl::FromChrono(impl_->options.stop_grace);
    while (hub.pending > 0 && !hub.replied.WaitWithDeadline(&hub.mu, deadline)) {
    }
    // Whatever is still waiting gets a 503 now; its late Reply is dropped.
    hub.closing = true;
    for (const std::shared_ptr<Exchange>& ex : hub.waiting) {
      ex->replied = true;
      ex->response = Impl::Plain(503, "server stopping\n");
      if (ex->suspended) {
        ex->suspended = false;
        MHD_resume_connection(ex->conn);
      }
    }
    hub.pending = 0;
    hub.waiting.clear();
  }
  MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
}

Server::~Server() { Stop(); }

}  // namespace scout::http
