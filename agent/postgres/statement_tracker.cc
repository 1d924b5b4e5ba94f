#include "agent/postgres/statement_tracker.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"

namespace scout::agent {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Indices of the top `n` rows by `key`, descending.
template <typename Key>
std::vector<size_t> TopBy(const std::vector<pg::StatementStats>& rows, int n, Key key) {
  std::vector<size_t> idx(rows.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  const size_t k = std::min(idx.size(), static_cast<size_t>(std::max(0, n)));
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                    [&](size_t a, size_t b) { return key(rows[a]) > key(rows[b]); });
  idx.resize(k);
  return idx;
}

}  // namespace

std::string NormaliseQueryText(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes + 3));
  bool pending_space = false;
  for (const char c : text) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
    if (out.size() > max_bytes) break;
  }
  if (out.size() <= max_bytes) return out;
  size_t cut = max_bytes;
  // Back up over UTF-8 continuation bytes so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "\u2026";
}

void StatementTracker::Emit(const std::vector<pg::StatementStats>& rows, int64_t now_ms,
                            const Labels& base, SampleSink& sink, const TextFetcher& fetch_texts) {
  uint64_t calls = 0;
  double total_ms = 0;
  for (const pg::StatementStats& s : rows) {
    calls += s.calls;
    total_ms += s.total_ms;
  }
  sink.Add("scout_postgres_statements_calls_total", base, static_cast<double>(calls));
  sink.Add("scout_postgres_statements_exec_seconds_total", base, total_ms / 1000.0);
  // Sums shrink after a reset or when entries are evicted: no figure then.
  if (prev_ms_ && calls > prev_calls_ && total_ms >= prev_total_ms_) {
    sink.Add("scout_postgres_statements_mean_seconds", base,
             (total_ms - prev_total_ms_) / 1000.0 / static_cast<double>(calls - prev_calls_));
  }
  prev_ms_ = now_ms;
  prev_calls_ = calls;
  prev_total_ms_ = total_ms;

  std::set<size_t> chosen;
  for (size_t i : TopBy(rows, top_n_, [](const pg::StatementStats& s) { return s.total_ms; })) {
    chosen.insert(i);
  }
  for (size_t i : TopBy(rows, top_n_, [](const pg::StatementStats& s) { return s.mean_ms; })) {
    chosen.insert(i);
  }

  std::set<int64_t> ids;
  std::vector<int64_t> missing;
  for (size_t i : chosen) {
    const int64_t id = rows[i].queryid;
    if (ids.insert(id).second && texts_.count(id) == 0) missing.push_back(id);
  }
  if (!missing.empty()) {
    for (auto& [id, text] : fetch_texts(missing)) texts_[id] = NormaliseQueryText(text, text_length_);
  }
  // Keep texts only for the current top set: the cache stays bounded.
  for (auto it = texts_.begin(); it != texts_.end();) {
    it = ids.count(it->first) != 0 ? std::next(it) : texts_.erase(it);
  }

  for (size_t i : chosen) {
    const pg::StatementStats& s = rows[i];
    Labels l = base;
    l.emplace_back("queryid", absl::StrCat(s.queryid));
    l.emplace_back("datname", s.datname);
    l.emplace_back("user", s.user);
    const auto text = texts_.find(s.queryid);
    if (text != texts_.end()) {
      Labels info = l;
      info.emplace_back("query", text->second);
      sink.Add("scout_postgres_statement_info", std::move(info), 1);
    }
    sink.Add("scout_postgres_statement_calls_total", l, static_cast<double>(s.calls));
    sink.Add("scout_postgres_statement_exec_seconds_total", l, s.total_ms / 1000.0);
    sink.Add("scout_postgres_statement_mean_seconds", l, s.mean_ms / 1000.0);
    sink.Add("scout_postgres_statement_max_seconds", l, s.max_ms / 1000.0);
    sink.Add("scout_postgres_statement_rows_total", l, static_cast<double>(s.rows));
    if (const uint64_t blks = s.shared_blks_hit + s.shared_blks_read; blks > 0) {
      sink.Add("scout_postgres_statement_cache_hit_ratio", l,
               static_cast<double>(s.shared_blks_hit) / static_cast<double>(blks));
    }
  }
}

}  // namespace scout::agent
