#include "shared/http/router.h"

#include <algorithm>

namespace scout::http {

void Router::Handle(std::string method, std::string path, Handler h, RouteOptions o) {
  exact_[std::move(path)][std::move(method)] = Entry{std::move(h), o};
}

void Router::HandlePrefix(std::string method, std::string prefix, Handler h, RouteOptions o) {
  prefix_[std::move(prefix)][std::move(method)] = Entry{std::move(h), o};
}

std::vector<std::string> Router::Patterns() const {
  std::vector<std::string> out;
  for (const auto& [path, methods] : exact_) out.push_back(path);
  for (const auto& [prefix, methods] : prefix_) out.push_back(prefix);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Router::Route Router::Find(std::string_view method, std::string_view path) const {
  Route route;
  const std::map<std::string, Entry>* methods = nullptr;
  if (auto it = exact_.find(path); it != exact_.end()) {
    methods = &it->second;
    route.pattern = it->first;
  } else {
    // Longest prefix: walk the (sorted) prefixes that sort at or before
    // `path`; few routes, so a scan is fine and obviously right.
    size_t best = 0;
    for (const auto& [prefix, m] : prefix_) {
      if (prefix.size() >= best && path.substr(0, prefix.size()) == prefix) {
        best = prefix.size();
        methods = &m;
        route.pattern = prefix;
      }
    }
  }
  if (methods == nullptr) return route;
  route.path_known = true;
  auto it = methods->find(std::string(method));
  // HEAD is served by the GET handler (MHD drops the body).
  if (it == methods->end() && method == "HEAD") it = methods->find("GET");
  if (it == methods->end()) return route;
  route.handler = &it->second.handler;
  route.options = it->second.options;
  return route;
}

}  // namespace scout::http
