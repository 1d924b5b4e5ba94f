#include "shared/http/tls_files.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/logging.h"

namespace scout::http {

struct TlsCredentials::KeyPair {
  std::vector<gnutls_pcert_st> certs;
  gnutls_privkey_t key = nullptr;
  ~KeyPair() {
    for (gnutls_pcert_st& c : certs) gnutls_pcert_deinit(&c);
    if (key != nullptr) gnutls_privkey_deinit(key);
  }
};

namespace {

constexpr unsigned kMaxChain = 16;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  return text.str();
}

int64_t StampOf(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

gnutls_datum_t Datum(const std::string& s) {
  return gnutls_datum_t{reinterpret_cast<unsigned char*>(const_cast<char*>(s.data())),
                        static_cast<unsigned>(s.size())};
}

std::string SanText(int type, const char* data, size_t size) {
  if (type == GNUTLS_SAN_IPADDRESS) {
    char buf[INET6_ADDRSTRLEN] = {0};
    if (size == 4) inet_ntop(AF_INET, data, buf, sizeof buf);
    if (size == 16) inet_ntop(AF_INET6, data, buf, sizeof buf);
    return buf;
  }
  return std::string(data, size);
}

PeerCertificate Describe(gnutls_x509_crt_t crt) {
  PeerCertificate out;
  char buf[1024];
  size_t size = sizeof buf;
  if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) == 0) {
    out.cn.assign(buf, size);
  }
  for (unsigned seq = 0; seq < 64; ++seq) {
    size = sizeof buf;
    const int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf, &size, nullptr);
    if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) break;
    if (type < 0) continue;
    if (type == GNUTLS_SAN_DNSNAME || type == GNUTLS_SAN_RFC822NAME || type == GNUTLS_SAN_URI ||
        type == GNUTLS_SAN_IPADDRESS) {
      out.sans.push_back(SanText(type, buf, size));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<TlsCredentials::KeyPair>> TlsCredentials::LoadPair(
    const std::string& cert_file, const std::string& key_file) {
  auto cert_pem = ReadFile(cert_file);
  if (!cert_pem.ok()) return cert_pem.status();
  auto key_pem = ReadFile(key_file);
  if (!key_pem.ok()) return key_pem.status();
  auto pair = std::make_shared<KeyPair>();
  pair->certs.resize(kMaxChain);
  unsigned n = kMaxChain;
  gnutls_datum_t cert = Datum(*cert_pem);
  if (int rc = gnutls_pcert_list_import_x509_raw(pair->certs.data(), &n, &cert,
                                                  GNUTLS_X509_FMT_PEM, 0);
      rc < 0) {
    pair->certs.clear();
    return absl::InvalidArgumentError(
        absl::StrCat(cert_file, ": not a PEM certificate chain: ", gnutls_strerror(rc)));
  }
  pair->certs.resize(n);
  gnutls_privkey_init(&pair->key);
  gnutls_datum_t key = Datum(*key_pem);
  if (int rc = gnutls_privkey_import_x509_raw(pair->key, &key, GNUTLS_X509_FMT_PEM, nullptr, 0);
      rc < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_file, ": not a PEM private key: ", gnutls_strerror(rc)));
  }
  // The key must belong to the certificate: compare the public keys' ids.
  gnutls_pubkey_t from_key = nullptr;
  gnutls_pubkey_init(&from_key);
  unsigned char id1[64], id2[64];
  size_t n1 = sizeof id1, n2 = sizeof id2;
  const bool match =
      gnutls_pubkey_import_privkey(from_key, pair->key, 0, 0) == 0 &&
      gnutls_pubkey_get_key_id(from_key, 0, id1, &n1) == 0 &&
      gnutls_pubkey_get_key_id(pair->certs[0].pubkey, 0, id2, &n2) == 0 && n1 == n2 &&
      std::equal(id1, id1 + n1, id2);
  gnutls_pubkey_deinit(from_key);
  if (!match) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_file, " does not hold the private key of ", cert_file));
  }
  return pair;
}

absl::StatusOr<gnutls_x509_trust_list_t> TlsCredentials::LoadTrust(const std::string& ca_file,
                                                                   std::string* pem) {
  auto text = ReadFile(ca_file);
  if (!text.ok()) return text.status();
  gnutls_x509_trust_list_t list = nullptr;
  gnutls_x509_trust_list_init(&list, 0);
  gnutls_datum_t ca = Datum(*text);
  const int added = gnutls_x509_trust_list_add_trust_mem(list, &ca, nullptr, GNUTLS_X509_FMT_PEM, 0, 0);
  if (added <= 0) {
    gnutls_x509_trust_list_deinit(list, 1);
    return absl::InvalidArgumentError(absl::StrCat(ca_file, ": no PEM CA certificate in it"));
  }
  if (pem != nullptr) *pem = *std::move(text);
  return list;
}

absl::StatusOr<std::unique_ptr<TlsCredentials>> TlsCredentials::Load(const TlsFiles& files) {
  std::unique_ptr<TlsCredentials> c(new TlsCredentials(files));
  absl::MutexLock lock(&c->mu_);
  auto pair = LoadPair(files.cert_file, files.key_file);
  if (!pair.ok()) return pair.status();
  c->pair_ = *std::move(pair);
  if (!files.client_ca_file.empty()) {
    auto trust = LoadTrust(files.client_ca_file, &c->initial_ca_pem_);
    if (!trust.ok()) return trust.status();
    c->trust_ = *trust;
  } else if (files.require_client_cert) {
    return absl::InvalidArgumentError("require_client_cert needs a client_ca_file");
  }
  c->last_check_ = std::chrono::steady_clock::time_point::min();
  c->MaybeReload();  // records the files' stamps
  return c;
}

TlsCredentials::~TlsCredentials() {
  absl::MutexLock lock(&mu_);
  if (trust_ != nullptr) gnutls_x509_trust_list_deinit(trust_, 1);
}

void TlsCredentials::MaybeReload() {
  const auto now = std::chrono::steady_clock::now();
  if (last_check_ != std::chrono::steady_clock::time_point::min() &&
      now - last_check_ < files_.reload_interval) {
    return;
  }
  last_check_ = now;
  auto stamp = [](const std::string& path) {
    struct stat st {};
    if (path.empty() || stat(path.c_str(), &st) != 0) return FileStamp{};
    return FileStamp{StampOf(st), static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_ino)};
  };
  const FileStamp cert = stamp(files_.cert_file), key = stamp(files_.key_file),
                  ca = stamp(files_.client_ca_file);
  std::string error;
  if (!(cert == cert_stamp_ && key == key_stamp_)) {
    auto pair = LoadPair(files_.cert_file, files_.key_file);
    if (pair.ok()) {
      if (pair_ != nullptr && cert_stamp_.mtime_ns != 0) {
        spdlog::info("http: TLS certificate reloaded from {}", files_.cert_file);
      }
      if (pair_ != nullptr) retired_.push_back(std::move(pair_));
      if (retired_.size() > kRetired) retired_.pop_front();
      pair_ = *std::move(pair);
      cert_stamp_ = cert;
      key_stamp_ = key;
    } else {
      error = std::string(pair.status().message());
    }
  }
  if (!files_.client_ca_file.empty() && !(ca == ca_stamp_)) {
    auto trust = LoadTrust(files_.client_ca_file, nullptr);
    if (trust.ok()) {
      if (trust_ != nullptr) gnutls_x509_trust_list_deinit(trust_, 1);
      trust_ = *trust;
      ca_stamp_ = ca;
    } else {
      error = std::string(trust.status().message());
    }
  }
  if (error != last_error_ && !error.empty()) {
    spdlog::warn("http: TLS files not reloaded, keeping the previous ones: {}", error);
  }
  last_error_ = error;
}

int TlsCredentials::Retrieve(gnutls_pcert_st** pcert, unsigned int* pcert_length,
                             gnutls_privkey_t* key) {
  absl::MutexLock lock(&mu_);
  MaybeReload();
  *pcert = pair_->certs.data();
  *pcert_length = static_cast<unsigned>(pair_->certs.size());
  *key = pair_->key;
  return 0;
}

std::optional<PeerCertificate> TlsCredentials::VerifyPeer(gnutls_session_t session) {
  unsigned n = 0;
  const gnutls_datum_t* der = gnutls_certificate_get_peers(session, &n);
  if (der == nullptr || n == 0) return std::nullopt;
  n = std::min(n, kMaxChain);
  std::vector<gnutls_x509_crt_t> chain;
  for (unsigned i = 0; i < n; ++i) {
    gnutls_x509_crt_t crt = nullptr;
    gnutls_x509_crt_init(&crt);
    if (gnutls_x509_crt_import(crt, &der[i], GNUTLS_X509_FMT_DER) < 0) {
      gnutls_x509_crt_deinit(crt);
      break;
    }
    chain.push_back(crt);
  }
  std::optional<PeerCertificate> out;
  if (!chain.empty()) {
    gnutls_typed_vdata_st purpose{};
    purpose.type = GNUTLS_DT_KEY_PURPOSE_OID;
    purpose.data = reinterpret_cast<unsigned char*>(const_cast<char*>(GNUTLS_KP_TLS_WWW_CLIENT));
    unsigned verdict = 1;
    absl::MutexLock lock(&mu_);
    MaybeReload();
    if (trust_ != nullptr &&
        gnutls_x509_trust_list_verify_crt2(trust_, chain.data(), static_cast<unsigned>(chain.size()),
                                           &purpose, 1, 0, &verdict, nullptr) == 0 &&
        verdict == 0) {
      out = Describe(chain[0]);
    }
  }
  for (gnutls_x509_crt_t crt : chain) gnutls_x509_crt_deinit(crt);
  return out;
}

}  // namespace scout::http
