// Reading pqxx result fields the way the monitoring queries need: NULL is
// "nothing" (0, ""), and counters never go negative.
#pragma once

#include <cstdint>
#include <string>

#include <pqxx/pqxx>

namespace scout::agent::pg {

// A cumulative counter column: NULL or negative -> 0.
inline uint64_t Counter(const pqxx::field& f) {
  if (f.is_null()) return 0;
  const auto v = f.as<long long>();
  return v < 0 ? 0 : static_cast<uint64_t>(v);
}

inline std::string Text(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

inline double Number(const pqxx::field& f) { return f.is_null() ? 0.0 : f.as<double>(); }

}  // namespace scout::agent::pg
