#include "collector/remote_write/remote_write_in.h"

#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/logging.h"

namespace scout::collector::remote_write {
namespace {

http::Response ErrorResponse(int status, const char* type, const std::string& message) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  nlohmann::json body = {{"status", "error"}, {"errorType", type}, {"error", message}};
  // Label values from the sender may be any bytes: never throw on them.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

http::Response Unavailable(const RemoteWriteInOptions& o, const std::string& message) {
  http::Response r = ErrorResponse(503, "unavailable", message);
  r.headers.emplace_back("Retry-After", std::to_string(o.retry_after.count()));
  return r;
}

http::Response DefaultAuthError(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kPermissionDenied) {
    return ErrorResponse(403, "forbidden", std::string(status.message()));
  }
  http::Response r = ErrorResponse(401, "unauthorized", std::string(status.message()));
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"scout\"");
  return r;
}

std::string Lower(std::optional<std::string> v) {
  return v ? absl::AsciiStrToLower(absl::StripAsciiWhitespace(*v)) : std::string();
}

// Everything the handler needs, shared by its copies and callbacks.
struct State {
  IngestPipeline& pipeline;
  const Clock& clock;
  std::function<absl::StatusOr<auth::Principal>(const http::Request&)> authorize;
  std::function<http::Response(const absl::Status&)> auth_error;
  RemoteWriteInCounters& counters;
  RemoteWriteInOptions options;
  PointLimits points;
};

// Answers and counts the answer.
void Answer(State& s, const http::Reply& reply, http::Response response) {
  s.counters.CountRequest(response.status);
  reply(std::move(response));
}

void Handle(const std::shared_ptr<State>& state, http::Request request, http::Reply reply) {
  State& s = *state;
  absl::StatusOr<auth::Principal> principal = s.authorize ? s.authorize(request)
                                                          : auth::AnonymousAdmin();
  if (!principal.ok()) {
    return Answer(s, reply, (s.auth_error ? s.auth_error : DefaultAuthError)(principal.status()));
  }
  if (Lower(request.Header("content-encoding")) != "snappy") {
    return Answer(s, reply, ErrorResponse(415, "bad_data", "Content-Encoding must be snappy"));
  }
  const std::string type = Lower(request.Header("content-type"));
  if (type != "application/x-protobuf" && !absl::StartsWith(type, "application/x-protobuf;")) {
    return Answer(s, reply,
                  ErrorResponse(415, "bad_data", "Content-Type must be application/x-protobuf"));
  }
  if (request.body.size() > s.options.max_body_bytes) {  // the server checks it first
    return Answer(s, reply, ErrorResponse(413, "bad_data", "request body too large"));
  }
  if (s.pipeline.writes().Full()) {
    return Answer(s, reply, Unavailable(s.options, "ingest queue full; retry later"));
  }
  absl::StatusOr<prometheus::WriteRequest> decoded =
      DecodeWriteRequest(request.body, s.options.decode);
  if (!decoded.ok()) {
    const int code = decoded.status().code() == absl::StatusCode::kResourceExhausted ? 413 : 400;
    return Answer(s, reply, ErrorResponse(code, "bad_data", std::string(decoded.status().message())));
  }
  uint64_t samples = 0;
  const v1::Batch batch = ToBatch(*decoded, &samples);
  s.counters.samples_received += samples;
  if (samples == 0) {
    return Answer(s, reply, http::Response{204, "", "", {}});  // metadata only: nothing to store
  }
  const std::string agent = principal->name.empty() ? "remote_write" : principal->name;
  IngestPipeline::Prepared p =
      s.pipeline.Prepare(batch, agent, s.clock.NowMs(), s.points,
                         /*bind_host=*/principal->role == auth::Role::kAgent);
  const uint32_t rejected = p.rejections.total();
  s.counters.samples_rejected += rejected;
  if (p.points == 0) {
    return Answer(s, reply,
                  ErrorResponse(400, "bad_data",
                                absl::StrCat("no sample stored: ", p.rejections.Summary())));
  }
  const uint32_t points = p.points;
  s.pipeline.Submit(std::move(p), [state, reply, points](const absl::Status& status) {
    State& s = *state;
    if (status.ok()) {
      s.counters.samples_stored += points;
      return Answer(s, reply, http::Response{204, "", "", {}});
    }
    s.counters.samples_failed += points;
    Answer(s, reply, Unavailable(s.options, absl::StrCat("not stored: ", std::string(status.message()))));
  });
}

}  // namespace

void RemoteWriteInCounters::CountRequest(int status) {
  absl::MutexLock lock(&mu_);
  ++requests_[status];
}

std::map<int, uint64_t> RemoteWriteInCounters::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

http::Handler MakeRemoteWriteHandler(const RemoteWriteInDeps& deps) {
  auto state = std::make_shared<State>(State{deps.pipeline, deps.clock, deps.authorize,
                                             deps.auth_error, deps.counters, deps.options,
                                             deps.options.points});
  state->points.allow_stale_nan = true;
  return [state](http::Request request, http::Reply reply) {
    Handle(state, std::move(request), std::move(reply));
  };
}

void RegisterRemoteWriteIn(http::Router& router, const RemoteWriteInDeps& deps) {
  http::RouteOptions options;
  options.max_body_bytes = deps.options.max_body_bytes;
  // Not behind http.rate_limit: Prometheus 2.42 drops a batch answered 429
  // unless its queue_config has retry_on_http_429, so a limit here would
  // lose data. Writes are bounded by the ingest limits and the write
  // queue's backpressure instead (docs/limits.md).
  options.rate_limited = false;
  router.Handle("POST", "/api/v1/write", MakeRemoteWriteHandler(deps), options);
}

}  // namespace scout::collector::remote_write
