// URLs made safe for labels and logs. Two redactions, one per use, both
// built on one reading of the URL's authority (scheme://[userinfo@]host).
#pragma once

#include <string>
#include <string_view>

namespace scout {

// Drops only the userinfo ("user:password@"); the path, query and fragment
// stay. For probe targets, whose path says which endpoint was checked.
// A URL without "://" is returned unchanged.
//   "https://u:p@api.example.com/health?x=1" -> "https://api.example.com/health?x=1"
std::string UrlWithoutUserinfo(std::string_view url);

// Keeps only scheme://host[:port], plus "/…" when there was a path: the
// userinfo, path, query and fragment are left out, because webhooks (Slack,
// Teams, Discord) carry their token in the path or query. For notification
// receivers. "<unparseable url>" without a scheme.
//   "http://u:p@127.0.0.1:9093/hook?token=S#f" -> "http://127.0.0.1:9093/…"
std::string UrlAuthorityOnly(std::string_view url);

}  // namespace scout
