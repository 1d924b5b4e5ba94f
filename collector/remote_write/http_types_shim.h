// TEMPORARY: replaced by shared/http/http_server.h at integration.
//
// The HTTP types of SPEC-17 (shared/http/, owned by another helper), so
// that remote write in compiles and is tested before the server exists.
// The Router here only records routes; tests call the handlers directly.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scout::http {

struct PeerCertificate {
  std::string cn;
  std::vector<std::string> sans;
};

struct Request {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string peer;
  std::optional<PeerCertificate> client_cert;
  std::optional<std::string> Param(std::string_view name) const {
    for (const auto& [k, v] : params) {
      if (k == name) return v;
    }
    return std::nullopt;
  }
  std::vector<std::string> Params(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : params) {
      if (k == name) out.push_back(v);
    }
    return out;
  }
  std::optional<std::string> Header(std::string_view lower_name) const {
    auto it = headers.find(std::string(lower_name));
    if (it == headers.end()) return std::nullopt;
    return it->second;
  }
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
  size_t max_body_bytes = 1 << 20;
};

class Router {
 public:
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    Handler handler;
    RouteOptions options;
  };
  void Handle(std::string method, std::string path, Handler h, RouteOptions o = {}) {
    routes_.push_back({std::move(method), std::move(path), false, std::move(h), o});
  }
  void HandlePrefix(std::string method, std::string prefix, Handler h, RouteOptions o = {}) {
    routes_.push_back({std::move(method), std::move(prefix), true, std::move(h), o});
  }
  // Shim only (tests): the exact route, or null.
  const Route* Find(std::string_view method, std::string_view path) const {
    for (const Route& r : routes_) {
      if (!r.prefix && r.method == method && r.path == path) return &r;
    }
    return nullptr;
  }

 private:
  std::vector<Route> routes_;
};

}  // namespace scout::http
