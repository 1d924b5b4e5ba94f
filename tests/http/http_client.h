// A small libcurl client for the HTTP tests: one fresh connection per call.
#pragma once

#include <curl/curl.h>

#include <string>
#include <utility>
#include <vector>

namespace scout::testing {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::string body;
  bool chunked = false;  // send the body with Transfer-Encoding: chunked
  std::vector<std::string> headers;  // "Name: value"
  std::string ca_file, cert_file, key_file;
  long timeout_ms = 10'000;
};

struct HttpResult {
  CURLcode rc = CURLE_OK;
  long code = 0;
  std::string body;
  std::string content_type;
  std::vector<std::string> headers;
};

inline size_t CollectBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

inline size_t CollectHeader(char* data, size_t size, size_t n, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(data, size * n);
  return size * n;
}

struct ChunkSource {
  const std::string* body;
  size_t offset = 0;
};

inline size_t ReadChunk(char* buffer, size_t size, size_t n, void* in) {
  auto* src = static_cast<ChunkSource*>(in);
  const size_t k = std::min(size * n, std::min<size_t>(16 * 1024, src->body->size() - src->offset));
  std::copy(src->body->data() + src->offset, src->body->data() + src->offset + k, buffer);
  src->offset += k;
  return k;
}

inline HttpResult Fetch(const HttpCall& call) {
  HttpResult r;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, call.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
  ChunkSource source{&call.body};
  curl_slist* headers = nullptr;
  for (const std::string& h : call.headers) headers = curl_slist_append(headers, h.c_str());
  if (call.chunked) {
    headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadChunk);
    curl_easy_setopt(curl, CURLOPT_READDATA, &source);
  } else if (!call.body.empty() || call.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
  }
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!call.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, call.ca_file.c_str());
  if (!call.cert_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, call.cert_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, call.key_file.c_str());
  }
  r.rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.code);
  char* type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
  if (type != nullptr) r.content_type = type;
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return r;
}

inline HttpResult Get(const std::string& url) {
  HttpCall call;
  call.url = url;
  return Fetch(call);
}

}  // namespace scout::testing
