#include "agent/postgres/database_dsn.h"

#include <libpq-fe.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace scout::agent {
namespace {

// libpq key=value quoting: single quotes, backslash escapes ' and \.
std::string Quote(const char* value) {
  std::string out = "'";
  for (const char* p = value; *p != '\0'; ++p) {
    if (*p == '\'' || *p == '\\') out.push_back('\\');
    out.push_back(*p);
  }
  out.push_back('\'');
  return out;
}

}  // namespace

absl::StatusOr<std::string> WithDatabase(const std::string& dsn, const std::string& dbname) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(dsn.c_str(), &error), &PQconninfoFree);
  if (!options) {
    // libpq's parse errors quote at most an option name, never a value;
    // still keep only the first line and drop it entirely if it could echo.
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    message = message.substr(0, message.find('\n'));
    if (message.find('=') != std::string::npos) message = "invalid connection string";
    return absl::InvalidArgumentError(absl::StrCat("cannot parse the DSN: ", message));
  }
  std::string out;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    const bool is_dbname = std::string_view(o->keyword) == "dbname";
    if (is_dbname || o->val == nullptr) continue;
    absl::StrAppend(&out, out.empty() ? "" : " ", o->keyword, "=", Quote(o->val));
  }
  absl::StrAppend(&out, out.empty() ? "" : " ", "dbname=", Quote(dbname.c_str()));
  return out;
}

}  // namespace scout::agent
