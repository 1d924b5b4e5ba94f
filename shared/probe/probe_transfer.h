// ProbeTransfer: one run of one probe as a configured curl easy handle.
// Internal to scout_probe; shared by the ProbeEngine loop and the blocking
// RunHttpProbeOnce() so both measure exactly the same way.
//
// Every run uses a fresh connection, no DNS cache and no TLS session
// resumption, so each result includes the full dns/connect/tls cost and
// always sees the server's certificate chain.
//
// Thread safety: none; a transfer is owned and driven by one thread. The
// spec passed in must outlive the transfer.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "shared/probe/probe_result.h"
#include "shared/probe/probe_spec.h"

namespace scout::probe {

// curl_global_init exactly once per process; call before any curl use.
void EnsureCurlGlobalInit();

class ProbeTransfer {
 public:
  ProbeTransfer(const HttpProbeSpec& spec, size_t index);
  ProbeTransfer(const TcpProbeSpec& spec, size_t index);
  ~ProbeTransfer();
  ProbeTransfer(const ProbeTransfer&) = delete;
  ProbeTransfer& operator=(const ProbeTransfer&) = delete;

  // Creates and configures the easy handle (resolving header secrets).
  // On error the probe cannot run; report it with SetupFailure().
  absl::Status Prepare();
  CURL* easy() const { return easy_; }

  // Builds the result once curl reported the transfer done with `code`.
  ProbeResult Complete(CURLcode code);
  // Result for a run that could not start (reason "other").
  ProbeResult SetupFailure(const absl::Status& status) const;

  // Called from the OpenSSL verify callback with each notAfter seen.
  void NoteCertExpiry(int64_t not_after_unix);

 private:
  static size_t OnBody(char* data, size_t size, size_t nmemb, void* self);
  ProbeResult BaseResult() const;
  void CheckHttp(ProbeResult& result) const;

  const HttpProbeSpec* http_ = nullptr;
  const TcpProbeSpec* tcp_ = nullptr;
  size_t index_;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  char error_buf_[CURL_ERROR_SIZE] = {};
  std::string body_;  // first kMaxBodyKept bytes, for the body regexes
  int64_t body_bytes_ = 0;
  std::optional<int64_t> cert_expiry_;
};

}  // namespace scout::probe
