#include "shared/url_redact.h"

#include <gtest/gtest.h>

namespace scout {
namespace {

TEST(UrlWithoutUserinfo, DropsOnlyTheUserinfo) {
  EXPECT_EQ(UrlWithoutUserinfo("https://u:p@api.example.com/health?x=1#f"),
            "https://api.example.com/health?x=1#f");
  EXPECT_EQ(UrlWithoutUserinfo("http://u:p@host"), "http://host");
  EXPECT_EQ(UrlWithoutUserinfo("https://a:p@ss@example.com/"), "https://example.com/")
      << "an unencoded '@' in the password leaks nothing";
  EXPECT_EQ(UrlWithoutUserinfo("http://host/path@not-userinfo"), "http://host/path@not-userinfo");
  EXPECT_EQ(UrlWithoutUserinfo("http://host/?q=a@b"), "http://host/?q=a@b");
  EXPECT_EQ(UrlWithoutUserinfo("not a url"), "not a url");
}

TEST(UrlAuthorityOnly, DropsUserinfoPathQueryAndFragment) {
  EXPECT_EQ(UrlAuthorityOnly("http://user:pass@127.0.0.1:9093/hook?token=SECRET#frag"),
            "http://127.0.0.1:9093/\u2026");
  EXPECT_EQ(UrlAuthorityOnly("https://hooks.slack.com/services/T000/B000/XXXXSECRET"),
            "https://hooks.slack.com/\u2026");
  EXPECT_EQ(UrlAuthorityOnly("https://a%40b:p@ss@example.com"), "https://example.com");
  EXPECT_EQ(UrlAuthorityOnly("https://example.com?x=1"), "https://example.com");
  EXPECT_EQ(UrlAuthorityOnly("https://example.com/"), "https://example.com");
  EXPECT_EQ(UrlAuthorityOnly("http://[::1]:8080/a/b/"), "http://[::1]:8080/\u2026");
  EXPECT_EQ(UrlAuthorityOnly("user:pass@host/x"), "<unparseable url>");
  EXPECT_EQ(UrlAuthorityOnly("://host"), "<unparseable url>");
}

}  // namespace
}  // namespace scout
