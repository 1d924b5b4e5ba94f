#include "collector/storage/sqlite_alert_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "collector/storage/label_codec.h"
#include "collector/storage/sqlite_db.h"
#include "shared/status_macros.h"

namespace scout::collector {
namespace {

using alerting::Alert;
using alerting::AlertState;
using alerting::AlertTransition;
using alerting::Silence;

absl::Status InsertTransitions(SqliteDb& db, const std::vector<AlertTransition>& transitions) {
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement hist,
      db.Prepare("INSERT INTO alert_history(at_ms, fingerprint, rule, labels, from_state,"
                 " to_state, value) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  for (const AlertTransition& t : transitions) {
    hist.Bind(1, t.at_ms);
    hist.Bind(2, t.fingerprint);
    hist.Bind(3, t.rule);
    hist.Bind(4, EncodeLabelsText(t.labels));
    hist.Bind(5, t.from);
    hist.Bind(6, t.to);
    hist.Bind(7, t.value);
    SCOUT_RETURN_IF_ERROR(hist.Run());
  }
  return absl::OkStatus();
}

}  // namespace

SqliteAlertStore::SqliteAlertStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
SqliteAlertStore::~SqliteAlertStore() = default;

absl::StatusOr<std::unique_ptr<SqliteAlertStore>> SqliteAlertStore::Open(const std::string& path) {
  SCOUT_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, /*read_only=*/false));
  // Fails clearly on a database that was never migrated to version 2.
  SCOUT_RETURN_IF_ERROR(db->Exec("SELECT 1 FROM alerts LIMIT 0"));
  return std::unique_ptr<SqliteAlertStore>(new SqliteAlertStore(std::move(db)));
}

absl::StatusOr<std::vector<Alert>> SqliteAlertStore::LoadAlerts() {
  absl::MutexLock lock(&mu_);
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement q,
      db_->Prepare("SELECT fingerprint, rule, labels, annotations, state, active_since_ms,"
                   " fired_ms, resolved_ms, value, last_sent_ms FROM alerts ORDER BY rule, labels"));
  std::vector<Alert> out;
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    Alert a;
    a.fingerprint = q.ColumnText(0);
    a.rule = q.ColumnText(1);
    SCOUT_ASSIGN_OR_RETURN(a.labels, DecodeLabelsText(q.ColumnText(2)));
    SCOUT_ASSIGN_OR_RETURN(a.annotations, DecodeLabelsText(q.ColumnText(3)));
    if (!alerting::ParseAlertState(q.ColumnText(4), &a.state)) {
      return absl::DataLossError(absl::StrCat("alert ", a.fingerprint, ": unknown state ",
                                              q.ColumnText(4)));
    }
    a.active_since_ms = q.ColumnInt(5);
    a.fired_ms = q.ColumnInt(6);
    a.resolved_ms = q.ColumnInt(7);
    a.value = q.ColumnDouble(8);
    a.last_sent_ms = q.ColumnInt(9);
    out.push_back(std::move(a));
  }
  return out;
}

absl::Status SqliteAlertStore::Save(const std::vector<Alert>& changed,
                                    const std::vector<std::string>& removed,
                                    const std::vector<AlertTransition>& transitions) {
  if (changed.empty() && removed.empty() && transitions.empty()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  // The transaction runs under mu_, through a reference taken with it held.
  SqliteDb& db = *db_;
  return InTransaction(db, [&]() -> absl::Status {
    SCOUT_ASSIGN_OR_RETURN(
        SqliteStatement upsert,
        db.Prepare("INSERT OR REPLACE INTO alerts(fingerprint, rule, labels, annotations, state,"
                     " active_since_ms, fired_ms, resolved_ms, value, last_sent_ms)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const Alert& a : changed) {
      upsert.Bind(1, a.fingerprint);
      upsert.Bind(2, a.rule);
      upsert.Bind(3, EncodeLabelsText(a.labels));
      upsert.Bind(4, EncodeLabelsText(a.annotations));
      upsert.Bind(5, std::string(alerting::AlertStateName(a.state)));
      upsert.Bind(6, a.active_since_ms);
      upsert.Bind(7, a.fired_ms);
      upsert.Bind(8, a.resolved_ms);
      upsert.Bind(9, a.value);
      upsert.Bind(10, a.last_sent_ms);
      SCOUT_RETURN_IF_ERROR(upsert.Run());
    }
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement del,
                           db.Prepare("DELETE FROM alerts WHERE fingerprint = ?"));
    for (const std::string& f : removed) {
      del.Bind(1, f);
      SCOUT_RETURN_IF_ERROR(del.Run());
    }
    return InsertTransitions(db, transitions);
  });
}

absl::StatusOr<std::vector<AlertTransition>> SqliteAlertStore::History(int64_t since_ms,
                                                                       size_t limit) {
  absl::MutexLock lock(&mu_);
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement q,
      db_->Prepare("SELECT at_ms, fingerprint, rule, labels, from_state, to_state, value FROM"
                   " (SELECT * FROM alert_history WHERE at_ms >= ? ORDER BY at_ms DESC, id DESC"
                   " LIMIT ?) ORDER BY at_ms, id"));
  q.Bind(1, since_ms);
  q.Bind(2, static_cast<int64_t>(limit));
  std::vector<AlertTransition> out;
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    AlertTransition t;
    t.at_ms = q.ColumnInt(0);
    t.fingerprint = q.ColumnText(1);
    t.rule = q.ColumnText(2);
    SCOUT_ASSIGN_OR_RETURN(t.labels, DecodeLabelsText(q.ColumnText(3)));
    t.from = q.ColumnText(4);
    t.to = q.ColumnText(5);
    t.value = q.ColumnDouble(6);
    out.push_back(std::move(t));
  }
  return out;
}

absl::Status SqliteAlertStore::AddSilence(const Silence& s, const std::string& principal) {
  absl::MutexLock lock(&mu_);
  SqliteDb& db = *db_;
  return InTransaction(db, [&]() -> absl::Status {
    SCOUT_ASSIGN_OR_RETURN(
        SqliteStatement q,
        db.Prepare("INSERT INTO silences(id, matchers, starts_ms, ends_ms, comment, created_by,"
                   " created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    q.Bind(1, s.id);
    q.Bind(2, s.matchers);
    q.Bind(3, s.starts_ms);
    q.Bind(4, s.ends_ms);
    q.Bind(5, s.comment);
    q.Bind(6, s.created_by);
    q.Bind(7, s.created_ms);
    SCOUT_RETURN_IF_ERROR(q.Run());
    return InsertTransitions(db, {alerting::SilenceTransition(s, principal, true, s.created_ms)});
  });
}

absl::StatusOr<std::vector<Silence>> SqliteAlertStore::Silences(int64_t since_ms) {
  absl::MutexLock lock(&mu_);
  SCOUT_ASSIGN_OR_RETURN(
      SqliteStatement q,
      db_->Prepare("SELECT id, matchers, starts_ms, ends_ms, comment, created_by, created_ms"
                   " FROM silences WHERE ends_ms > ? ORDER BY starts_ms, id"));
  q.Bind(1, since_ms);
  std::vector<Silence> out;
  while (true) {
    SCOUT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    Silence s;
    s.id = q.ColumnText(0);
    s.matchers = q.ColumnText(1);
    s.starts_ms = q.ColumnInt(2);
    s.ends_ms = q.ColumnInt(3);
    s.comment = q.ColumnText(4);
    s.created_by = q.ColumnText(5);
    s.created_ms = q.ColumnInt(6);
    out.push_back(std::move(s));
  }
  return out;
}

absl::Status SqliteAlertStore::ExpireSilence(const std::string& id, int64_t now_ms,
                                             const std::string& principal) {
  absl::MutexLock lock(&mu_);
  SqliteDb& db = *db_;
  return InTransaction(db, [&]() -> absl::Status {
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement find,
                           db.Prepare("SELECT matchers, ends_ms FROM silences WHERE id = ?"));
    find.Bind(1, id);
    SCOUT_ASSIGN_OR_RETURN(bool found, find.Step());
    if (!found) return absl::NotFoundError(absl::StrCat("no silence with id ", id));
    Silence s;
    s.id = id;
    s.matchers = find.ColumnText(0);
    const int64_t ends = find.ColumnInt(1);
    find.Reset();
    if (ends <= now_ms) return absl::OkStatus();  // already over
    SCOUT_ASSIGN_OR_RETURN(SqliteStatement q,
                           db.Prepare("UPDATE silences SET ends_ms = ? WHERE id = ?"));
    q.Bind(1, now_ms);
    q.Bind(2, id);
    SCOUT_RETURN_IF_ERROR(q.Run());
    return InsertTransitions(db, {alerting::SilenceTransition(s, principal, false, now_ms)});
  });
}

}  // namespace scout::collector
