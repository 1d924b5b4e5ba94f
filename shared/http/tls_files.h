// TlsCredentials: the HTTPS server's certificate, key and client CA, read
// from files and re-read when they change (like the gRPC port's
// FileWatcherCertificateProvider), and client-certificate verification.
//
// A changed file is noticed on a handshake or request at most
// reload_interval after the previous check. A file that does not load
// (half-written, wrong key) keeps the previous credentials in use and is
// logged once per change. Credentials handed to GnuTLS are kept alive until
// the server stops (GnuTLS does not free what a retrieve callback returns;
// a handshake may still use a pair after a rotation), at most kRetired of
// them.
//
// Thread-safe.
#pragma once

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/abstract.h>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "shared/http/router.h"
#include "shared/http/server.h"

namespace scout::http {

class TlsCredentials {
 public:
  // Loads every file once: an error at start names the file.
  static absl::StatusOr<std::unique_ptr<TlsCredentials>> Load(const TlsFiles& files);
  ~TlsCredentials();

  // For gnutls_certificate_retrieve_function2: the current pair (owned here).
  int Retrieve(gnutls_pcert_st** pcert, unsigned int* pcert_length, gnutls_privkey_t* key);

  // The peer's certificate chain verified against the current client CA
  // (key purpose TLS client, validity dates); nullopt when there is none or
  // it does not verify.
  std::optional<PeerCertificate> VerifyPeer(gnutls_session_t session);

  // The client CA's PEM as loaded at start (MHD needs one to ask clients
  // for certificates at all; verification uses the re-read one).
  const std::string& initial_client_ca() const { return initial_ca_pem_; }

 private:
  struct KeyPair;
  struct FileStamp {
    int64_t mtime_ns = 0, size = 0, inode = 0;
    bool operator==(const FileStamp& o) const {
      return mtime_ns == o.mtime_ns && size == o.size && inode == o.inode;
    }
  };
  static constexpr size_t kRetired = 16;

  explicit TlsCredentials(TlsFiles files) : files_(std::move(files)) {}
  void MaybeReload() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static absl::StatusOr<std::shared_ptr<KeyPair>> LoadPair(const std::string& cert_file,
                                                           const std::string& key_file);
  static absl::StatusOr<gnutls_x509_trust_list_t> LoadTrust(const std::string& ca_file,
                                                            std::string* pem);

  const TlsFiles files_;
  std::string initial_ca_pem_;
  absl::Mutex mu_;
  std::chrono::steady_clock::time_point last_check_ ABSL_GUARDED_BY(mu_);
  FileStamp cert_stamp_ ABSL_GUARDED_BY(mu_), key_stamp_ ABSL_GUARDED_BY(mu_),
      ca_stamp_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<KeyPair> pair_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<KeyPair>> retired_ ABSL_GUARDED_BY(mu_);
  gnutls_x509_trust_list_t trust_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scout::http
