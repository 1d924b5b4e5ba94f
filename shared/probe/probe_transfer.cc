#include "shared/probe/probe_transfer.h"
#include "shared/secret_ref.h"
#include "shared/url_redact.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"

namespace scout::probe {
namespace {

constexpr size_t kMaxBodyKept = 1 << 20;  // regexes look at the first MiB only

int SslCtxIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::optional<int64_t> NotAfter(X509* cert) {
  std::tm tm{};
  if (cert == nullptr || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

// Observes the chain while OpenSSL verifies it and returns OpenSSL's own
// verdict unchanged, so curl still enforces (or not) verification exactly
// as configured. The "untrusted" stack is the chain the peer presented;
// reading it here records the expiry even when verification then fails,
// which CURLINFO_CERTINFO cannot (curl aborts before filling it).
int VerifyCallback(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl == nullptr) return preverify_ok;
  auto* transfer =
      static_cast<ProbeTransfer*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), SslCtxIndex()));
  if (transfer == nullptr) return preverify_ok;
  if (auto t = NotAfter(X509_STORE_CTX_get0_cert(store))) transfer->NoteCertExpiry(*t);
  if (STACK_OF(X509)* chain = X509_STORE_CTX_get0_untrusted(store)) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      if (auto t = NotAfter(sk_X509_value(chain, i))) transfer->NoteCertExpiry(*t);
    }
  }
  return preverify_ok;
}

// curl calls this after it configured the SSL_CTX (verify mode included)
// for a new connection; keep its mode, add our observer.
CURLcode OnSslCtx(CURL*, void* ssl_ctx, void* self) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_ex_data(ctx, SslCtxIndex(), self);
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), &VerifyCallback);
  return CURLE_OK;
}

FailureReason MapCurlCode(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return FailureReason::kTimeout;
    case CURLE_COULDNT_CONNECT: return FailureReason::kRefused;
    case CURLE_COULDNT_RESOLVE_HOST: return FailureReason::kDns;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CLIENTCERT: return FailureReason::kTls;
    default: return FailureReason::kOther;
  }
}

double Seconds(curl_off_t us) { return static_cast<double>(std::max<curl_off_t>(us, 0)) / 1e6; }

curl_off_t Info(CURL* easy, CURLINFO what) {
  curl_off_t v = 0;
  if (curl_easy_getinfo(easy, what, &v) != CURLE_OK) return 0;
  return v;
}

std::string TcpUrl(const TcpProbeSpec& spec) {
  const bool v6 = spec.host.find(':') != std::string::npos;
  return absl::StrCat("http://", v6 ? "[" : "", spec.host, v6 ? "]" : "", ":", spec.port, "/");
}

// "scheme://host:port" of an absolute URL (lower case, the scheme's default
// port filled in), or "" if curl cannot parse it. Two URLs with the same
// origin are the same server as far as secrets in headers are concerned.
std::string OriginOf(const std::string& url) {
  std::string origin;
  CURLU* u = curl_url();
  if (u == nullptr) return origin;
  char* scheme = nullptr;
  char* host = nullptr;
  char* port = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    origin = absl::AsciiStrToLower(absl::StrCat(scheme, "://", host, ":", port));
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return origin;
}

std::string SchemeOf(const std::string& origin) { return origin.substr(0, origin.find(':')); }

}  // namespace

void EnsureCurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

ProbeTransfer::ProbeTransfer(const HttpProbeSpec& spec, size_t index)
    : http_(&spec), index_(index) {}
ProbeTransfer::ProbeTransfer(const TcpProbeSpec& spec, size_t index) : tcp_(&spec), index_(index) {}

ProbeTransfer::~ProbeTransfer() {
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
  curl_slist_free_all(headers_);
}

void ProbeTransfer::NoteCertExpiry(int64_t not_after_unix) {
  if (!cert_expiry_ || not_after_unix < *cert_expiry_) cert_expiry_ = not_after_unix;
}

size_t ProbeTransfer::OnBody(char* data, size_t size, size_t nmemb, void* self) {
  auto* t = static_cast<ProbeTransfer*>(self);
  const size_t n = size * nmemb;
  t->body_bytes_ += static_cast<int64_t>(n);
  if (t->body_.size() < kMaxBodyKept) {
    t->body_.append(data, std::min(n, kMaxBodyKept - t->body_.size()));
  }
  return n;
}

absl::Status ProbeTransfer::Prepare() {
  EnsureCurlGlobalInit();
  easy_ = curl_easy_init();
  if (easy_ == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
  CURL* e = easy_;
  curl_easy_setopt(e, CURLOPT_PRIVATE, this);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_buf_);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);  // we run in a multi-threaded agent
  // A probe measures a cold request: no reuse of connections, DNS answers
  // or TLS sessions left by the previous run (they live in the multi).
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
  curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  if (tcp_ != nullptr) {
    curl_easy_setopt(e, CURLOPT_URL, TcpUrl(*tcp_).c_str());
    curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(tcp_->timeout.count()));
    return absl::OkStatus();
  }
  const HttpProbeSpec& s = *http_;
  curl_easy_setopt(e, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(e, CURLOPT_USERAGENT, "scout-probe/" SCOUT_VERSION);
  // Redirects are followed by NextHop, which decides per hop which
  // headers go along; curl itself never follows.
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  origin_ = OriginOf(s.url);
  method_ = s.method;
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &ProbeTransfer::OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
  if (s.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (s.method != "GET" || !s.body.empty()) {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, s.method.c_str());
  }
  if (!s.body.empty()) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(s.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, s.body.c_str());
  }
  for (const auto& [name, value] : s.headers) {
    absl::StatusOr<std::string> resolved = ResolveSecretRef(value);
    if (!resolved.ok()) {
      return absl::Status(resolved.status().code(),
                          absl::StrCat("header ", name, ": ", resolved.status().message()));
    }
    headers_ = curl_slist_append(headers_, absl::StrCat(name, ": ", *resolved).c_str());
  }
  if (headers_ != nullptr) curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, s.tls_verify ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, s.tls_verify ? 2L : 0L);
  if (!s.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, s.ca_file.c_str());
  // Only OpenSSL-backed curl supports this; elsewhere we just get no expiry.
  curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &OnSslCtx);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, this);
  return absl::OkStatus();
}

ProbeResult ProbeTransfer::BaseResult() const {
  ProbeResult r;
  r.probe_index = index_;
  r.kind = tcp_ != nullptr ? ProbeKind::kTcp : ProbeKind::kHttp;
  r.name = tcp_ != nullptr ? tcp_->name : http_->name;
  r.target = tcp_ != nullptr ? absl::StrCat(tcp_->host, ":", tcp_->port)
                                    : UrlWithoutUserinfo(http_->url);  // no user:password@ in labels or logs
  r.finished_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  return r;
}

ProbeResult ProbeTransfer::SetupFailure(const absl::Status& status) const {
  ProbeResult r = BaseResult();
  r.reason = FailureReason::kOther;
  r.error = std::string(status.message());
  return r;
}

ProbePhases ProbeTransfer::HopPhases() const {
  ProbePhases p;
  const curl_off_t dns = Info(easy_, CURLINFO_NAMELOOKUP_TIME_T);
  const curl_off_t connect = Info(easy_, CURLINFO_CONNECT_TIME_T);
  const curl_off_t app = Info(easy_, CURLINFO_APPCONNECT_TIME_T);
  const curl_off_t start = Info(easy_, CURLINFO_STARTTRANSFER_TIME_T);
  const curl_off_t total = Info(easy_, CURLINFO_TOTAL_TIME_T);
  // A marker is 0 when its phase never completed; such phases (and the
  // ones after) stay 0 rather than going negative.
  p.dns = Seconds(dns);
  if (connect > 0) p.connect = Seconds(connect - dns);
  if (app > 0) p.tls = Seconds(app - connect);
  if (start > 0) {
    p.ttfb = Seconds(start - (app > 0 ? app : connect));
    p.transfer = Seconds(total - start);
  }
  return p;
}

void ProbeTransfer::StopFollowing(FailureReason reason, std::string error) {
  stop_reason_ = reason;
  stop_error_ = std::move(error);
}

bool ProbeTransfer::NextHop(CURLcode code) {
  if (http_ == nullptr || code != CURLE_OK || !http_->follow_redirects) return false;
  long status = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
    return false;
  }
  char* location = nullptr;  // absolute, resolved against this hop's URL by curl
  if (curl_easy_getinfo(easy_, CURLINFO_REDIRECT_URL, &location) != CURLE_OK ||
      location == nullptr) {
    return false;  // no Location: the 3xx is the answer
  }
  const std::string next = location;
  char* current = nullptr;
  curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &current);
  const std::string from = OriginOf(current != nullptr ? current : http_->url);
  const std::string to = OriginOf(next);
  // Only the scheme, host and port of the target are named: its path and
  // query may carry a token.
  if (hops_ >= kMaxRedirects) {
    StopFollowing(FailureReason::kOther, absl::StrCat("more than ", kMaxRedirects, " redirects"));
    return false;
  }
  if (SchemeOf(to) != "http" && SchemeOf(to) != "https") {
    StopFollowing(FailureReason::kOther,
                  absl::StrCat("redirect to a URL that is not http(s): ", UrlAuthorityOnly(next)));
    return false;
  }
  if (SchemeOf(from) == "https" && SchemeOf(to) == "http" && !http_->allow_insecure_redirect) {
    StopFollowing(FailureReason::kOther,
                  absl::StrCat("redirect from https to http refused: ", UrlAuthorityOnly(next),
                               " (set allow_insecure_redirect: true to follow it)"));
    return false;
  }
  const ProbePhases hop = HopPhases();
  earlier_phases_.dns += hop.dns;
  earlier_phases_.connect += hop.connect;
  earlier_phases_.tls += hop.tls;
  earlier_phases_.ttfb += hop.ttfb;
  earlier_phases_.transfer += hop.transfer;
  earlier_seconds_ += Seconds(Info(easy_, CURLINFO_TOTAL_TIME_T));
  // The probe's timeout bounds all hops together.
  const auto left_ms = static_cast<long>(http_->timeout.count()) -
                       static_cast<long>(earlier_seconds_ * 1000.0);
  if (left_ms < 1) {
    StopFollowing(FailureReason::kTimeout,
                  absl::StrCat("timed out after ", hops_ + 1, " redirects"));
    return false;
  }
  ++hops_;
  body_.clear();  // only the final response's body is measured and checked
  body_bytes_ = 0;
  if (!headers_dropped_ && to != origin_) {
    // Left the origin: no configured header (tokens, API keys, cookies)
    // goes to this or any later hop, even one that comes back.
    headers_dropped_ = true;
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, nullptr);
  }
  // As browsers and curl do: 303 turns any method but HEAD into a GET,
  // 301/302 turn POST into GET; 307/308 keep the method and body.
  const bool to_get = status == 303 ? method_ != "HEAD"
                                    : (status == 301 || status == 302) && method_ == "POST";
  if (to_get) {
    curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, nullptr);
    curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
    method_ = "GET";
  }
  curl_easy_setopt(easy_, CURLOPT_URL, next.c_str());
  curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, left_ms);
  return true;
}

ProbeResult ProbeTransfer::Complete(CURLcode code) {
  ProbeResult r = BaseResult();
  const ProbePhases hop = HopPhases();
  r.phases.dns = earlier_phases_.dns + hop.dns;
  r.phases.connect = earlier_phases_.connect + hop.connect;
  r.phases.tls = earlier_phases_.tls + hop.tls;
  r.phases.ttfb = earlier_phases_.ttfb + hop.ttfb;
  r.phases.transfer = earlier_phases_.transfer + hop.transfer;
  r.duration_seconds = earlier_seconds_ + Seconds(Info(easy_, CURLINFO_TOTAL_TIME_T));
  long status = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  r.http_status = static_cast<int>(status);
  r.response_bytes = body_bytes_;
  r.cert_expiry_unix = cert_expiry_;
  const auto slow_after = tcp_ != nullptr ? tcp_->slow_after : http_->slow_after;
  r.slow = r.duration_seconds * 1000.0 > static_cast<double>(slow_after.count());
  if (code != CURLE_OK) {
    r.reason = MapCurlCode(code);
    r.error = error_buf_[0] != '\0' ? error_buf_ : curl_easy_strerror(code);
    return r;
  }
  if (stop_reason_ != FailureReason::kNone) {  // a redirect that was not followed
    r.reason = stop_reason_;
    r.error = stop_error_;
    return r;
  }
  if (http_ != nullptr) CheckHttp(r);
  r.success = r.reason == FailureReason::kNone;
  return r;
}

void ProbeTransfer::CheckHttp(ProbeResult& r) const {
  const HttpProbeSpec& s = *http_;
  const bool status_ok = std::any_of(s.expect_status.begin(), s.expect_status.end(),
                                     [&](const std::pair<int, int>& range) {
                                       return r.http_status >= range.first &&
                                              r.http_status <= range.second;
                                     });
  if (!status_ok) {
    r.reason = FailureReason::kStatus;
    r.error = absl::StrCat("returned ", r.http_status);
    return;
  }
  const std::pair<const std::string*, bool> checks[] = {{&s.body_must_match, true},
                                                        {&s.body_must_not_match, false}};
  for (const auto& [pattern, want] : checks) {
    if (pattern->empty()) continue;
    const RE2 re(*pattern, RE2::Quiet);
    if (!re.ok()) {
      r.reason = FailureReason::kOther;
      r.error = absl::StrCat("invalid body regex: ", re.error());
      return;
    }
    if (RE2::PartialMatch(body_, re) != want) {
      r.reason = FailureReason::kBody;
      r.error = want ? "body does not match body_must_match" : "body matches body_must_not_match";
      return;
    }
  }
}

}  // namespace scout::probe
