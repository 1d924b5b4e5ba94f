// HttpPoster: POSTs remote-write bodies to one target over one libcurl easy
// handle, so the connection is kept alive between requests (one per sender
// shard). Credentials are resolved from their secret references at each
// request (a rotated token file is picked up) and never appear in errors.
// The libcurl set-up itself is shared/http_post.h (no redirects, http/https
// only, TLS, Retry-After, at most 512 bytes of an error answer kept).
//
// Thread safety: one thread at a time (each shard owns its poster).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "collector/remote_write/remote_write_config.h"

namespace scout::collector::remote_write {

struct PostResult {
  int http_status = 0;         // 0: no HTTP answer (connect, TLS, timeout)
  std::string error;           // transport error or the start of the body; no secrets
  std::optional<std::chrono::seconds> retry_after;  // Retry-After in seconds, if sent
};

class HttpPoster {
 public:
  explicit HttpPoster(const RemoteWriteTarget& target);
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  // `body`: a snappy-compressed WriteRequest.
  PostResult Post(const std::string& body);

 private:
  const RemoteWriteTarget& target_;
  void* easy_ = nullptr;  // CURL*, created on first use, reused for keep-alive
};

}  // namespace scout::collector::remote_write
