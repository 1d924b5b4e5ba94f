#include "agent/host/process_parsers.h"

#include <charconv>

#include "absl/strings/str_cat.h"

namespace scout::agent {
namespace {

// std::from_chars: locale-independent, no exceptions, and rejects signs
// and trailing junk when we insist the whole token is consumed.
template <typename Int>
bool ParseUnsigned(std::string_view token, Int& out) {
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), end, out);
  return ec == std::errc() && ptr == end && !token.empty();
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits off the next whitespace-separated token of `rest`; empty at end.
std::string_view NextToken(std::string_view& rest) {
  size_t begin = 0;
  while (begin < rest.size() && IsSpace(rest[begin])) ++begin;
  size_t end = begin;
  while (end < rest.size() && !IsSpace(rest[end])) ++end;
  const std::string_view token = rest.substr(begin, end - begin);
  rest.remove_prefix(end);
  return token;
}

absl::Status FieldError(std::string_view file, std::string_view what, std::string_view token) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(file), ": ", std::string(what), " \"", std::string(token), "\""));
}

}  // namespace

absl::StatusOr<PidStat> ParsePidStat(std::string_view text) {
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return FieldError("stat", "no \"(comm)\" in", text.substr(0, 64));
  }
  PidStat out;
  out.comm = std::string(text.substr(open + 1, close - open - 1));

  // Fields after comm, numbered from 0 = state (field 3 in proc(5)). Only
  // the ones we need are parsed, so negative fields (tty_nr, nice...) and
  // fields added by newer kernels are never an issue.
  enum : int {
    kState = 0,
    kFlags = 6,
    kUtime = 11,
    kStime = 12,
    kThreads = 17,
    kStart = 19,
    kRss = 21
  };
  std::string_view rest = text.substr(close + 1);
  for (int index = 0; index <= kRss; ++index) {
    const std::string_view token = NextToken(rest);
    if (token.empty()) {
      return FieldError("stat", absl::StrCat("only ", index, " fields after comm in"),
                        text.substr(0, 128));
    }
    bool ok = true;
    switch (index) {
      case kState:
        ok = token.size() == 1;
        out.state = token[0];
        break;
      case kFlags:
        ok = ParseUnsigned(token, out.flags);
        break;
      case kUtime:
        ok = ParseUnsigned(token, out.utime);
        break;
      case kStime:
        ok = ParseUnsigned(token, out.stime);
        break;
      case kThreads:
        ok = ParseUnsigned(token, out.num_threads);
        break;
      case kStart:
        ok = ParseUnsigned(token, out.starttime);
        break;
      case kRss:
        ok = ParseUnsigned(token, out.rss_pages);
        break;
      default:
        break;
    }
    if (!ok) return FieldError("stat", absl::StrCat("bad field ", index + 3), token);
  }
  return out;
}

absl::StatusOr<uint64_t> ParseStatmResidentPages(std::string_view text) {
  std::string_view rest = text;
  NextToken(rest);  // size
  const std::string_view resident = NextToken(rest);
  uint64_t pages = 0;
  if (!ParseUnsigned(resident, pages)) return FieldError("statm", "bad resident field", resident);
  return pages;
}

absl::StatusOr<PidStatus> ParsePidStatus(std::string_view text) {
  PidStatus out;
  bool have_uid = false;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    // Keys are matched at the start of a line, so a process named "Uid:"
    // (its Name: line) cannot fool us.
    if (line.rfind("Uid:", 0) == 0) {
      line.remove_prefix(4);
      NextToken(line);  // real uid
      const std::string_view effective = NextToken(line);
      if (!ParseUnsigned(effective, out.effective_uid)) {
        return FieldError("status", "bad effective Uid", effective);
      }
      have_uid = true;
    } else if (line.rfind("VmRSS:", 0) == 0) {
      line.remove_prefix(6);
      const std::string_view kb = NextToken(line);
      if (!ParseUnsigned(kb, out.rss_bytes) || NextToken(line) != "kB") {
        return FieldError("status", "bad VmRSS", kb);
      }
      out.rss_bytes *= 1024;
    }
  }
  if (!have_uid) return FieldError("status", "no Uid line in", "");
  return out;
}

std::string JoinCmdline(std::string_view raw) {
  while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  std::string out(raw);
  for (char& c : out) {
    if (c == '\0') c = ' ';
  }
  return out;
}

std::unordered_map<uint32_t, std::string> ParsePasswd(std::string_view text) {
  std::unordered_map<uint32_t, std::string> users;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);

    const size_t name_end = line.find(':');
    if (name_end == 0 || name_end == std::string_view::npos) continue;
    const size_t uid_begin = line.find(':', name_end + 1);
    if (uid_begin == std::string_view::npos) continue;
    const size_t uid_end = line.find(':', uid_begin + 1);
    if (uid_end == std::string_view::npos) continue;
    uint32_t uid = 0;
    if (!ParseUnsigned(line.substr(uid_begin + 1, uid_end - uid_begin - 1), uid)) continue;
    users.try_emplace(uid, std::string(line.substr(0, name_end)));
  }
  return users;
}

}  // namespace scout::agent
