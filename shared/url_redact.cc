#include "shared/url_redact.h"

#include <algorithm>


namespace scout {
namespace {

// Where the parts of a URL are; npos scheme_end when there is no "://".
struct UrlParts {
  size_t scheme_end = std::string_view::npos;  // position of "://"
  size_t authority_start = 0;
  size_t host_start = 0;  // after the userinfo's last '@', if any
  size_t authority_end = 0;
};

UrlParts Split(std::string_view url) {
  UrlParts p;
  p.scheme_end = url.find("://");
  if (p.scheme_end == std::string_view::npos) return p;
  p.authority_start = p.scheme_end + 3;
  p.authority_end = std::min(url.find_first_of("/?#", p.authority_start), url.size());
  const std::string_view authority =
      url.substr(p.authority_start, p.authority_end - p.authority_start);
  const size_t at = authority.rfind('@');
  p.host_start = at == std::string_view::npos ? p.authority_start : p.authority_start + at + 1;
  return p;
}

}  // namespace

std::string UrlWithoutUserinfo(std::string_view url) {
  const UrlParts p = Split(url);
  if (p.scheme_end == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, p.authority_start)) + std::string(url.substr(p.host_start));
}

std::string UrlAuthorityOnly(std::string_view url) {
  const UrlParts p = Split(url);
  if (p.scheme_end == std::string_view::npos || p.scheme_end == 0) return "<unparseable url>";
  const size_t end = p.authority_end;
  // "/…" says there was a path (one that is more than "/").
  const bool has_path = end < url.size() && url[end] == '/' && end + 1 < url.size() &&
                        url[end + 1] != '?' && url[end + 1] != '#';
  // (Debian's absl::string_view is not std::string_view: plain strings.)
  return std::string(url.substr(0, p.authority_start)) +
         std::string(url.substr(p.host_start, end - p.host_start)) + (has_path ? "/\u2026" : "");
}

}  // namespace scout
