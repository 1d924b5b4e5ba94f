#include "collector/prom_api/prom_api.h"

#include <memory>

#include "collector/prom_api/access.h"
#include "collector/prom_api/api_json.h"
#include "collector/prom_api/api_params.h"
#include "collector/prom_api/handlers.h"
#include "collector/prom_api/query_pool.h"

namespace scout::collector {
namespace {

using prom_api::ErrorResponse;
using prom_api::ErrorType;

// A handler that reads storage: runs on the pool with a gate ticket.
using QueryFn = http::Response (*)(const PromApiDeps&, const http::Request&, QueryGate::Ticket&);

// Owns the worker pool; shared by every registered handler, so it lives
// as long as the router that holds them.
class PromApi {
 public:
  explicit PromApi(const PromApiDeps& deps)
      : deps_(deps),
        start_ms_(deps.clock.NowMs()),
        // The gate admits at most max_concurrent queries and each holds its
        // ticket until its job ends, so this queue never fills in practice.
        pool_(deps.limits.max_concurrent, static_cast<size_t>(deps.limits.max_concurrent) + 1) {}

  // Authorizes, takes a gate slot (refused: 503 at once) and hands `fn` to
  // the pool, which replies.
  void RunQuery(QueryFn fn, http::Request req, http::Reply reply) {
    if (auto denied = prom_api::CheckAccess(deps_.authorizer, req, auth::Permission::kQuery)) {
      return reply(*std::move(denied));
    }
    absl::Time client_deadline = absl::InfiniteFuture();
    if (std::optional<std::string> timeout = req.Param("timeout");
        timeout.has_value() && !timeout->empty()) {
      absl::StatusOr<int64_t> ms = prom_api::DurationParam("timeout", timeout);
      if (!ms.ok()) return reply(ErrorResponse(ms.status()));
      client_deadline = absl::Now() + absl::Milliseconds(*ms);
    }
    absl::StatusOr<QueryGate::Ticket> ticket = deps_.gate.TryEnter(client_deadline);
    if (!ticket.ok()) return reply(ErrorResponse(ErrorType::kUnavailable, ticket.status().message()));
    auto held = std::make_shared<QueryGate::Ticket>(*std::move(ticket));
    auto shared_req = std::make_shared<http::Request>(std::move(req));
    const bool queued = pool_.Submit([this, fn, held, shared_req, reply]() mutable {
      http::Response r = fn(deps_, *shared_req, *held);
      // Release the slot before replying, so a client that sends its next
      // query as soon as it has this answer finds the slot free.
      held.reset();
      reply(std::move(r));
    });
    if (!queued) {
      reply(ErrorResponse(ErrorType::kUnavailable, "query workers busy; retry later"));
    }
  }

  // From memory on the server thread, after authorization.
  template <typename Fn>
  void RunInline(auth::Permission permission, const http::Request& req, const http::Reply& reply,
                 Fn fn) {
    if (auto denied = prom_api::CheckAccess(deps_.authorizer, req, permission)) {
      return reply(*std::move(denied));
    }
    reply(fn());
  }

  const PromApiDeps& deps() const { return deps_; }
  int64_t start_ms() const { return start_ms_; }

 private:
  const PromApiDeps deps_;
  const int64_t start_ms_;
  prom_api::QueryPool pool_;
};

}  // namespace

std::vector<PromApiRoute> PromApiRoutes(const PromApiDeps& deps) {
  std::vector<PromApiRoute> routes;
  auto api = std::make_shared<PromApi>(deps);
  auto query = [&routes, api](const char* method, const char* path, QueryFn fn) {
    routes.push_back({method, path, false, [api, fn](http::Request req, http::Reply reply) {
                        api->RunQuery(fn, std::move(req), std::move(reply));
                      }});
  };
  for (const char* method : {"GET", "POST"}) {
    query(method, "/api/v1/query", &prom_api::HandleQuery);
    query(method, "/api/v1/query_range", &prom_api::HandleQueryRange);
    query(method, "/api/v1/series", &prom_api::HandleSeries);
    query(method, "/api/v1/labels", &prom_api::HandleLabels);
  }
  routes.push_back({"GET", "/api/v1/label/", true, [api](http::Request req, http::Reply reply) {
                      api->RunQuery(&prom_api::HandleLabelValues, std::move(req),
                                    std::move(reply));
                    }});

  auto inline_route = [&routes, api](const char* path, auth::Permission permission,
                                     std::function<http::Response(const http::Request&)> fn,
                                     bool post_too = false) {
    for (const char* method : {"GET", "POST"}) {
      if (std::string_view(method) == "POST" && !post_too) continue;
      routes.push_back({method, path, false,
                        [api, permission, fn](http::Request req, http::Reply reply) {
                          api->RunInline(permission, req, reply, [&] { return fn(req); });
                        }});
    }
  };
  const PromApi* a = api.get();  // the handlers below hold `api` alive
  inline_route("/api/v1/metadata", auth::Permission::kQuery, &prom_api::HandleMetadata);
  // Grafana asks for exemplars when a panel enables them: Scout stores none.
  inline_route("/api/v1/query_exemplars", auth::Permission::kQuery, &prom_api::HandleExemplars,
               /*post_too=*/true);
  inline_route("/api/v1/status/buildinfo", auth::Permission::kQuery,
               [](const http::Request&) { return prom_api::HandleBuildInfo(); });
  inline_route("/api/v1/status/runtimeinfo", auth::Permission::kQuery,
               [a](const http::Request&) {
                 return prom_api::HandleRuntimeInfo(a->start_ms(), a->deps().clock.NowMs());
               });
  inline_route("/api/v1/status/flags", auth::Permission::kQuery,
               [](const http::Request&) { return prom_api::HandleFlags(); });
  inline_route("/api/v1/rules", auth::Permission::kAlertsRead,
               [a](const http::Request& req) { return prom_api::HandleRules(a->deps(), req); });
  inline_route("/api/v1/alerts", auth::Permission::kAlertsRead,
               [a](const http::Request&) { return prom_api::HandleAlerts(a->deps()); });
  return routes;
}

void RegisterPromApi(http::Router& router, const PromApiDeps& deps) {
  for (PromApiRoute& r : PromApiRoutes(deps)) {
    if (r.prefix) {
      router.HandlePrefix(std::move(r.method), std::move(r.path), std::move(r.handler));
    } else {
      router.Handle(std::move(r.method), std::move(r.path), std::move(r.handler));
    }
  }
}

}  // namespace scout::collector
