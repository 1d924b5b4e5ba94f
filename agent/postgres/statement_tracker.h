// Turns pg_stat_statements rows into samples with bounded cardinality.
//
// Every scrape emits the all-statement totals and the average statement
// time over the interval (the guide's "average query time < 100 ms" KPI),
// then only the top N statements by total time plus the top N by mean time,
// so query ids never become unbounded labels. Statement texts are fetched
// only for query ids not seen before (the caller reads them with
// pg_stat_statements(true), which reads the query-text file), normalised
// and cached for as long as the id stays in the top set.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/plugin.h"
#include "agent/postgres/postgres_queries.h"

namespace scout::agent {

// Whitespace runs collapsed to one space, trimmed, cut to at most
// `max_bytes` on a UTF-8 boundary with "…" appended when cut.
std::string NormaliseQueryText(std::string_view text, size_t max_bytes);

class StatementTracker {
 public:
  // Returns texts by query id for the ids asked for (missing ids: no text).
  using TextFetcher = std::function<std::map<int64_t, std::string>(const std::vector<int64_t>&)>;

  StatementTracker(int top_n, size_t text_length) : top_n_(top_n), text_length_(text_length) {}

  void Emit(const std::vector<pg::StatementStats>& rows, int64_t now_ms, const Labels& base,
            SampleSink& sink, const TextFetcher& fetch_texts);

 private:
  const int top_n_;
  const size_t text_length_;
  std::map<int64_t, std::string> texts_;  // normalised, by query id
  std::optional<int64_t> prev_ms_;
  uint64_t prev_calls_ = 0;
  double prev_total_ms_ = 0;
};

}  // namespace scout::agent
