// HTTP requests, responses and the routing table (issue 17, SPEC-17).
//
// A Router maps (method, path) to a Handler: exact paths first, then the
// longest matching prefix. Server::Start takes it by value; it is not
// changed afterwards, so lookups need no lock.
//
// Handlers run on the server's threads and must not block: answer at once,
// or hand the work to your own (named, bounded) worker and call Reply from
// there. Reply must be called exactly once, from any thread; a second call
// is ignored, and a reply after the server stopped waiting for it is
// dropped.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scout::http {

// A client certificate verified against the server's client CA.
struct PeerCertificate {
  std::string cn;
  std::vector<std::string> sans;  // DNS names, IP addresses, URIs, e-mail addresses
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // "/api/v1/query" (decoded, no query string)
  // The query string, then an application/x-www-form-urlencoded body, in order.
  std::vector<std::pair<std::string, std::string>> params;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;  // raw body (bounded by the route's max_body_bytes)
  std::string peer;  // "ipv4:127.0.0.1:40312" / "ipv6:[::1]:40312" (gRPC's form)
  std::optional<PeerCertificate> client_cert;  // only when verified against the client CA

  std::optional<std::string> Param(std::string_view name) const;  // first value
  std::vector<std::string> Params(std::string_view name) const;   // all (match[])
  std::optional<std::string> Header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Reply = std::function<void(Response)>;
using Handler = std::function<void(Request, Reply)>;

struct RouteOptions {
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413 (decided before reading them)
  bool rate_limited = true;  // false: exempt from ServerOptions::rate_limit (health probes)
};

class Router {
 public:
  void Handle(std::string method, std::string path, Handler h, RouteOptions o = {});
  // Paths starting with `prefix` (e.g. "/api/v1/label/"), longest prefix wins.
  void HandlePrefix(std::string method, std::string prefix, Handler h, RouteOptions o = {});

  struct Route {
    const Handler* handler = nullptr;  // null: no route for the method
    RouteOptions options;
    std::string pattern;  // the registered path or prefix: the `handler` label of metrics
    bool path_known = false;  // some method is routed here (so: 405, not 404)
  };
  // Every registered path and prefix (prefixes end with '/'), sorted, each
  // once: for the start-up log line.
  std::vector<std::string> Patterns() const;

  // What the server dispatches to. Thread-safe once the server runs.
  Route Find(std::string_view method, std::string_view path) const;

 private:
  struct Entry {
    Handler handler;
    RouteOptions options;
  };
  // path -> method -> entry
  std::map<std::string, std::map<std::string, Entry>, std::less<>> exact_;
  std::map<std::string, std::map<std::string, Entry>, std::less<>> prefix_;
};

// Percent-decoding of application/x-www-form-urlencoded text ('+' is a
// space); pairs in order, a name without '=' has the value "". Malformed
// escapes are kept as written (as Go's lenient parsers do not; we prefer
// answering over refusing). Pure.
std::vector<std::pair<std::string, std::string>> ParseFormEncoded(std::string_view text);
std::string PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace scout::http
