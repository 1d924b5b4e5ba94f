// JSON string literals, for every hand-written JSON in the project (sctl
// output, notification payloads, reports).
#pragma once

#include <string>
#include <string_view>

namespace scout {

// `text` as a JSON string literal, quotes included: escapes the quote,
// backslash and all control characters; valid UTF-8 passes through, and an
// invalid byte becomes U+FFFD, so the result is always valid JSON.
std::string JsonString(std::string_view text);

}  // namespace scout
