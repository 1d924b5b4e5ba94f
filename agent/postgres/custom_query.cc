#include "agent/postgres/custom_query.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/postgres/postgres_plugin.h"
#include "shared/status_macros.h"

namespace scout::agent {
namespace {

// Label names the agent or the collector's custom-query metrics set themselves.
bool IsReservedLabel(const std::string& name) {
  return name == "target" || name == "query" || name == "host" || name.rfind("__", 0) == 0;
}

absl::Status CheckColumns(ConfigMap& item, const std::string& name,
                          const std::vector<std::string>& labels,
                          const std::vector<std::string>& values) {
  std::set<std::string> seen;
  for (const std::string& label : labels) {
    if (!IsValidLabelName(label)) {
      return item.ErrorAt("labels", absl::StrCat("label column \"", label,
                                                 "\" is not a valid label name "
                                                 "([a-zA-Z_][a-zA-Z0-9_]*); alias it in the SQL"));
    }
    if (IsReservedLabel(label)) {
      return item.ErrorAt("labels", absl::StrCat("label column \"", label,
                                                 "\" is reserved (target, query, host, __*); "
                                                 "alias it in the SQL"));
    }
    if (!seen.insert(label).second) {
      return item.ErrorAt("labels", absl::StrCat("column \"", label, "\" is listed twice"));
    }
  }
  if (values.empty()) {
    return item.ErrorAt("values", "at least one value column is needed");
  }
  std::set<std::string> seen_values;
  for (const std::string& value : values) {
    if (seen.count(value) != 0) {
      return item.ErrorAt("values", absl::StrCat("column \"", value,
                                                 "\" is both a label and a value column"));
    }
    if (!seen_values.insert(value).second) {
      return item.ErrorAt("values", absl::StrCat("column \"", value, "\" is listed twice"));
    }
    const std::string metric = absl::StrCat(name, "_", value);
    if (value.empty() || !IsValidMetricName(metric)) {
      return item.ErrorAt("values", absl::StrCat("column \"", value, "\" gives the invalid metric "
                                                 "name \"", metric, "\"; alias it in the SQL"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CustomQuery> ReadOne(ConfigMap& item) {
  CustomQuery q;
  SCOUT_RETURN_IF_ERROR(item.Read("name", &q.name));
  SCOUT_RETURN_IF_ERROR(item.Read("sql", &q.sql));
  SCOUT_RETURN_IF_ERROR(item.ReadDuration("interval", &q.interval));
  SCOUT_RETURN_IF_ERROR(item.Read("database", &q.database));
  SCOUT_RETURN_IF_ERROR(item.Read("labels", &q.labels));
  SCOUT_RETURN_IF_ERROR(item.Read("values", &q.values));
  SCOUT_RETURN_IF_ERROR(item.CheckNoUnknownKeys());
  if (q.name.empty()) return item.ErrorAt("name", "every query needs a name (the metric prefix)");
  if (!IsValidMetricName(q.name)) {
    return item.ErrorAt("name", absl::StrCat("\"", q.name, "\" is not a valid metric name "
                                             "([a-zA-Z_:][a-zA-Z0-9_:]*)"));
  }
  if (absl::StripAsciiWhitespace(q.sql).empty()) {
    return item.ErrorAt("sql", "missing: every query needs a SELECT");
  }
  SCOUT_RETURN_IF_ERROR(CheckColumns(item, q.name, q.labels, q.values));
  return q;
}

// Appends the items of `list` (key `queries` of `map`) to *out, checking
// names and metrics against everything already in *out.
absl::Status ReadList(ConfigMap& map, std::vector<CustomQuery>* out) {
  SCOUT_ASSIGN_OR_RETURN(std::vector<ConfigMap> items, map.ChildList("queries"));
  for (ConfigMap& item : items) {
    SCOUT_ASSIGN_OR_RETURN(CustomQuery q, ReadOne(item));
    for (const CustomQuery& earlier : *out) {
      if (earlier.name == q.name) {
        return item.ErrorAt("name", absl::StrCat("duplicate query name \"", q.name, "\""));
      }
      for (const std::string& v : q.values) {
        for (const std::string& ev : earlier.values) {
          if (absl::StrCat(q.name, "_", v) == absl::StrCat(earlier.name, "_", ev)) {
            return item.ErrorAt("values", absl::StrCat("metric \"", q.name, "_", v,
                                                       "\" is also produced by query \"",
                                                       earlier.name, "\""));
          }
        }
      }
    }
    out->push_back(std::move(q));
  }
  return absl::OkStatus();
}

// PostgreSQL type OIDs (pg_type.dat) accepted in value columns.
constexpr pqxx::oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kFloat4 = 700,
                    kFloat8 = 701, kNumeric = 1700;

bool IsNumericType(pqxx::oid type) {
  return type == kBool || type == kInt8 || type == kInt2 || type == kInt4 || type == kOid ||
         type == kFloat4 || type == kFloat8 || type == kNumeric;
}

// Names of the non-numeric types a value column most often has by mistake.
std::string TypeName(pqxx::oid type) {
  switch (type) {
    case 25: return "text";
    case 1043: return "varchar";
    case 1042: return "char";
    case 19: return "name";
    case 1082: return "date";
    case 1114: return "timestamp (use extract(epoch FROM ...))";
    case 1184: return "timestamptz (use extract(epoch FROM ...))";
    case 1186: return "interval (use extract(epoch FROM ...))";
    default: return absl::StrCat("type oid ", type);
  }
}

std::string ColumnList(const pqxx::result& r) {
  std::vector<std::string> names;
  for (pqxx::row_size_type c = 0; c < r.columns(); ++c) names.emplace_back(r.column_name(c));
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

// The result column named `name`; an error if absent or ambiguous.
absl::StatusOr<pqxx::row_size_type> Column(const pqxx::result& r, const CustomQuery& q,
                                           const std::string& name, const char* kind) {
  std::optional<pqxx::row_size_type> found;
  for (pqxx::row_size_type c = 0; c < r.columns(); ++c) {
    if (name != r.column_name(c)) continue;
    if (found) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query ", q.name, ": ", kind, " column \"", name,
          "\" appears more than once in the result; alias the columns apart"));
    }
    found = c;
  }
  if (!found) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query ", q.name, ": ", kind, " column \"", name,
        "\" is not in the result (columns: ", ColumnList(r),
        "; unquoted SQL names are lower case)"));
  }
  return *found;
}

// The value of a non-NULL cell of an accepted type; nullopt if not finite.
absl::StatusOr<std::optional<double>> CellValue(const pqxx::field& f, pqxx::oid type,
                                                const CustomQuery& q, const std::string& column) {
  const char* text = f.c_str();
  if (type == kBool) return std::optional<double>(text[0] == 't' ? 1.0 : 0.0);
  double v = 0;
  if (!absl::SimpleAtod(text, &v)) {
    return absl::InvalidArgumentError(absl::StrCat("query ", q.name, ": value column \"", column,
                                                   "\" holds \"", text, "\", not a number"));
  }
  if (!std::isfinite(v)) return std::optional<double>();
  return std::optional<double>(v);
}

absl::Status QueryError(const CustomQuery& q, const std::exception& e) {
  const std::string reason = SanitizePostgresError(e.what(), "");
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(absl::StrCat("query ", q.name, ": connection lost: ", reason));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql != nullptr) {
    if (sql->sqlstate() == "57014") {  // query_canceled: statement_timeout
      return absl::DeadlineExceededError(absl::StrCat("query ", q.name, ": ", reason));
    }
    return absl::InvalidArgumentError(absl::StrCat("query ", q.name, " failed: ", reason,
                                                   sql->sqlstate().empty() ? "" : " (SQLSTATE ",
                                                   sql->sqlstate(),
                                                   sql->sqlstate().empty() ? "" : ")"));
  }
  return absl::InvalidArgumentError(absl::StrCat("query ", q.name, " failed: ", reason));
}

}  // namespace

absl::Status ReadCustomQueries(ConfigMap& target, const std::string& config_dir,
                               std::vector<CustomQuery>* out) {
  SCOUT_RETURN_IF_ERROR(ReadList(target, out));
  // Read() leaves `file` untouched when the key is absent: tell that apart
  // from an explicit "" with a value no YAML scalar here can have.
  const std::string absent = "\x01";
  std::string file = absent;
  SCOUT_RETURN_IF_ERROR(target.Read("queries_file", &file));
  if (file == absent) return absl::OkStatus();
  if (file.empty()) return target.ErrorAt("queries_file", "empty path");

  std::filesystem::path path(file);
  if (path.is_relative() && !config_dir.empty()) path = std::filesystem::path(config_dir) / path;
  absl::StatusOr<ConfigMap> loaded = ConfigMap::LoadFile(path.string());
  if (!loaded.ok()) {
    return target.ErrorAt("queries_file", absl::StrCat("cannot read queries file: ",
                                                       std::string(loaded.status().message())));
  }
  SCOUT_RETURN_IF_ERROR(ReadList(*loaded, out));
  SCOUT_RETURN_IF_ERROR(loaded->CheckNoUnknownKeys());
  return absl::OkStatus();
}

namespace {

// Runs q.sql inside a savepoint, so a failure rolls back only to it and the
// caller's transaction goes on. This is what pqxx::subtransaction does, set
// by hand: libpqxx 6.4's exec_params() does not begin a nascent
// subtransaction, so its SAVEPOINT would never be sent. exec_params uses
// the extended protocol: exactly one statement, so the SQL cannot leave the
// caller's READ ONLY transaction with `COMMIT; ...`.
//
// The savepoint is rolled back after a query that worked too, never
// released: its rows are already here, a READ ONLY query has nothing else
// to keep, and the rollback undoes every setting the query changed. So
// `SELECT set_config('statement_timeout', '0', true)` (or a session-wide
// `false`, or `SET ROLE` through set_config) cannot switch the caller's
// timeout off, or change who runs, for the queries after it. Re-asserting
// `SET LOCAL statement_timeout` after each query would cover only the
// settings we thought of.
absl::StatusOr<pqxx::result> ExecInSavepoint(pqxx::transaction_base& tx, const CustomQuery& q) {
  const bool savepoint = dynamic_cast<pqxx::dbtransaction*>(&tx) != nullptr;
  try {
    if (savepoint) tx.exec("SAVEPOINT scout_custom_query");
    pqxx::result r = tx.exec_params(q.sql);
    if (savepoint) {
      tx.exec("ROLLBACK TO SAVEPOINT scout_custom_query; RELEASE SAVEPOINT scout_custom_query");
    }
    return r;
  } catch (const std::exception& e) {
    absl::Status error = QueryError(q, e);
    if (savepoint && error.code() != absl::StatusCode::kUnavailable) {
      try {
        tx.exec("ROLLBACK TO SAVEPOINT scout_custom_query; RELEASE SAVEPOINT scout_custom_query");
      } catch (const std::exception& rollback) {
        return absl::UnavailableError(absl::StrCat(
            error.message(), "; then the rollback to its savepoint failed, the transaction is "
            "unusable: ", SanitizePostgresError(rollback.what(), "")));
      }
    }
    return error;
  }
}

struct ValueColumn {
  pqxx::row_size_type index;
  pqxx::oid type;
  const std::string* column;
  std::string metric;
};

// The result columns named by q.labels and q.values; a value column must be
// numeric.
absl::Status ResolveColumns(const pqxx::result& r, const CustomQuery& q,
                            std::vector<pqxx::row_size_type>* label_cols,
                            std::vector<ValueColumn>* value_cols) {
  for (const std::string& l : q.labels) {
    SCOUT_ASSIGN_OR_RETURN(pqxx::row_size_type c, Column(r, q, l, "label"));
    label_cols->push_back(c);
  }
  for (const std::string& v : q.values) {
    SCOUT_ASSIGN_OR_RETURN(pqxx::row_size_type c, Column(r, q, v, "value"));
    const pqxx::oid type = r.column_type(c);
    if (!IsNumericType(type)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query ", q.name, ": value column \"", v, "\" is ", TypeName(type),
          ", not a number (smallint, integer, bigint, real, double precision, numeric, boolean); "
          "cast it in the SQL, e.g. ::float8"));
    }
    value_cols->push_back({c, type, &v, absl::StrCat(q.name, "_", v)});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> RunCustomQuery(pqxx::transaction_base& tx, const CustomQuery& q,
                                       const Labels& base, SampleSink& sink) {
  SCOUT_ASSIGN_OR_RETURN(const pqxx::result r, ExecInSavepoint(tx, q));
  std::vector<pqxx::row_size_type> label_cols;
  std::vector<ValueColumn> value_cols;
  SCOUT_RETURN_IF_ERROR(ResolveColumns(r, q, &label_cols, &value_cols));

  // Every row is checked before any sample is added: a query with duplicate
  // label values adds nothing.
  struct Pending {
    std::string metric;
    Labels labels;
    double value;
  };
  std::vector<Pending> pending;
  std::map<Labels, int64_t> rows_by_labels;  // label values -> first row, for duplicates
  int64_t row_number = 0;
  for (const pqxx::row& row : r) {
    ++row_number;
    Labels labels = base;
    Labels own;
    for (size_t i = 0; i < label_cols.size(); ++i) {
      const pqxx::field f = row[label_cols[i]];
      own.emplace_back(q.labels[i], f.is_null() ? std::string() : std::string(f.c_str()));
    }
    if (auto [it, inserted] = rows_by_labels.emplace(own, row_number); !inserted) {
      std::vector<std::string> shown;
      for (const auto& [k, v] : own) shown.push_back(absl::StrCat(k, "=\"", v, "\""));
      return absl::InvalidArgumentError(absl::StrCat(
          "query ", q.name, ": rows ", it->second, " and ", row_number,
          " have the same label values {", absl::StrJoin(shown, ","),
          "}; add a label column or aggregate"));
    }
    labels.insert(labels.end(), own.begin(), own.end());
    for (const ValueColumn& vc : value_cols) {
      const pqxx::field f = row[vc.index];
      if (f.is_null()) continue;
      SCOUT_ASSIGN_OR_RETURN(std::optional<double> v, CellValue(f, vc.type, q, *vc.column));
      if (v) pending.push_back({vc.metric, labels, *v});
    }
  }
  for (Pending& p : pending) sink.Add(std::move(p.metric), std::move(p.labels), p.value);
  return static_cast<int64_t>(r.size());
}

}  // namespace scout::agent
