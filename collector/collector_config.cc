#include "collector/collector_config.h"

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/time/time.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "collector/remote_write/remote_write_config.h"
#include "collector/reports/time_zone_names.h"
#include "shared/duration.h"
#include "shared/logging.h"
#include "shared/net_address.h"
#include "shared/status_macros.h"
#include "shared/yaml_config.h"

namespace scout::collector {
namespace {

absl::Status ReadReceivers(ConfigMap& alerting, const std::string& key,
                           alerting::ReceiverConfig::Kind kind,
                           std::vector<alerting::ReceiverConfig>* out) {
  SCOUT_ASSIGN_OR_RETURN(auto items, alerting.ChildList(key));
  for (ConfigMap& m : items) {
    alerting::ReceiverConfig r;
    r.kind = kind;
    r.name = key == "alertmanagers" ? "alertmanager" : "webhook";
    SCOUT_RETURN_IF_ERROR(m.Read("name", &r.name));
    SCOUT_RETURN_IF_ERROR(m.Read("url", &r.url));
    // Never echo the URL: it may carry credentials.
    if (r.url.empty()) return m.ErrorAt("url", "missing (may be ${ENV_VAR} or @file:PATH)");
    SCOUT_RETURN_IF_ERROR(m.Read("headers", &r.headers));
    SCOUT_RETURN_IF_ERROR(m.ReadDuration("timeout", &r.timeout));
    if (r.timeout.count() <= 0) return m.ErrorAt("timeout", "must be positive");
    for (const alerting::ReceiverConfig& earlier : *out) {
      if (earlier.name == r.name) return m.ErrorAt("name", "duplicate receiver name");
    }
    SCOUT_RETURN_IF_ERROR(m.CheckNoUnknownKeys());
    out->push_back(std::move(r));
  }
  return absl::OkStatus();
}

// `config_dir` resolves a relative rules_file against the config's directory.
absl::Status ReadAlerting(ConfigMap& root, const std::string& config_dir, AlertingConfig* out) {
  SCOUT_ASSIGN_OR_RETURN(auto a, root.Child("alerting"));
  if (!a) return absl::OkStatus();
  SCOUT_RETURN_IF_ERROR(a->Read("rules_file", &out->rules_file));
  if (out->rules_file.empty()) return a->ErrorAt("rules_file", "missing (e.g. rules/default.yaml)");
  if (!config_dir.empty() && out->rules_file.front() != '/') {
    out->rules_file = (std::filesystem::path(config_dir) / out->rules_file).string();
  }
  alerting::EngineOptions& e = out->engine;
  SCOUT_RETURN_IF_ERROR(a->ReadDuration("evaluation_interval", &e.evaluation_interval));
  if (e.evaluation_interval < std::chrono::milliseconds(100)) {
    return a->ErrorAt("evaluation_interval", "must be at least 100ms");
  }
  SCOUT_RETURN_IF_ERROR(a->ReadDuration("resend_interval", &e.resend_interval));
  if (e.resend_interval.count() <= 0) return a->ErrorAt("resend_interval", "must be positive");
  SCOUT_RETURN_IF_ERROR(a->ReadDuration("resolved_retention", &e.resolved_retention));
  if (e.resolved_retention.count() < 0) return a->ErrorAt("resolved_retention", "must not be negative");
  SCOUT_RETURN_IF_ERROR(a->ReadDuration("startup_grace", &e.startup_grace));
  if (e.startup_grace.count() < 0) return a->ErrorAt("startup_grace", "must not be negative");
  SCOUT_RETURN_IF_ERROR(a->ReadDuration("lookback", &e.eval.lookback));
  if (e.eval.lookback.count() <= 0) return a->ErrorAt("lookback", "must be positive");
  SCOUT_RETURN_IF_ERROR(a->Read("external_url", &e.generator_url));
  SCOUT_RETURN_IF_ERROR(ReadReceivers(*a, "alertmanagers", alerting::ReceiverConfig::Kind::kAlertmanager,
                                      &out->receivers));
  SCOUT_RETURN_IF_ERROR(ReadReceivers(*a, "webhooks", alerting::ReceiverConfig::Kind::kWebhook,
                                      &out->receivers));
  return a->CheckNoUnknownKeys();
}

// "HH:MM" -> minutes since midnight.
bool ParseClock(const std::string& text, std::chrono::minutes* out) {
  int h = 0, m = 0;
  char colon = 0;
  std::istringstream in(text);
  if (!(in >> h >> colon >> m) || colon != ':' || !in.eof() || h < 0 || h > 23 || m < 0 || m > 59 ||
      text.size() != 5) {
    return false;
  }
  *out = std::chrono::minutes(h * 60 + m);
  return true;
}

absl::Status ReadReports(ConfigMap& root, const std::string& config_dir, ReportsConfig* out) {
  SCOUT_ASSIGN_OR_RETURN(auto r, root.Child("reports"));
  if (!r) return absl::OkStatus();
  SCOUT_RETURN_IF_ERROR(r->Read("enabled", &out->enabled));
  SCOUT_RETURN_IF_ERROR(r->Read("dir", &out->dir));
  if (!out->dir.empty() && !config_dir.empty() && out->dir.front() != '/') {
    out->dir = (std::filesystem::path(config_dir) / out->dir).string();
  }
  SCOUT_RETURN_IF_ERROR(r->Read("timezone", &out->timezone));
  // The same check as a report request's zone (reports/time_zone_names.h):
  // an IANA name the system knows, never a path.
  if (absl::Status zone = reports::CheckTimeZoneName(out->timezone, reports::SystemTimeZoneNames());
      !zone.ok()) {
    return r->ErrorAt("timezone", std::string(zone.message()));
  }
  std::string daily, weekly;
  SCOUT_RETURN_IF_ERROR(r->Read("daily_at", &daily));
  if (!daily.empty() && !ParseClock(daily, &out->daily_at)) return r->ErrorAt("daily_at", "expected HH:MM");
  SCOUT_RETURN_IF_ERROR(r->Read("weekly_at", &weekly));
  if (!weekly.empty() && !ParseClock(weekly, &out->weekly_at)) return r->ErrorAt("weekly_at", "expected HH:MM");
  SCOUT_RETURN_IF_ERROR(r->Read("formats", &out->formats));
  if (out->formats.empty()) return r->ErrorAt("formats", "give at least one of html, md, json");
  for (const std::string& f : out->formats) {
    if (f != "html" && f != "md" && f != "json") {
      return r->ErrorAt("formats", "\"" + f + "\" is not html, md or json");
    }
  }
  return r->CheckNoUnknownKeys();
}

// The `storage:` section: the SQLite backend's options.
absl::Status ReadStorage(ConfigMap& root, SqliteOptions* out) {
  SCOUT_ASSIGN_OR_RETURN(auto storage, root.Child("storage"));
  if (!storage) return absl::OkStatus();
  SCOUT_RETURN_IF_ERROR(storage->Read("path", &out->path));
  std::string sync = "full";
  SCOUT_RETURN_IF_ERROR(storage->Read("synchronous", &sync));
  if (sync != "full" && sync != "normal") {
    return storage->ErrorAt("synchronous", "must be full or normal, got \"" + sync + "\"");
  }
  out->synchronous_full = sync == "full";
  SCOUT_RETURN_IF_ERROR(storage->ReadDuration("flush_interval", &out->flush_interval));
  int64_t max_head = static_cast<int64_t>(out->max_head_points);
  SCOUT_RETURN_IF_ERROR(storage->Read("max_head_points", &max_head));
  if (max_head < 1000) return storage->ErrorAt("max_head_points", "must be at least 1000");
  out->max_head_points = static_cast<size_t>(max_head);
  // Retention per tier (0s keeps a tier forever); see docs/architecture.md.
  SCOUT_RETURN_IF_ERROR(storage->ReadDuration("raw_retention", &out->raw_retention));
  SCOUT_RETURN_IF_ERROR(storage->ReadDuration("hourly_retention", &out->hour_retention));
  SCOUT_RETURN_IF_ERROR(storage->ReadDuration("daily_retention", &out->day_retention));
  const struct {
    const char* key;
    std::chrono::milliseconds value;
    std::chrono::milliseconds minimum;
  } retentions[] = {{"raw_retention", out->raw_retention, std::chrono::hours(1)},
                    {"hourly_retention", out->hour_retention, std::chrono::hours(2)},
                    {"daily_retention", out->day_retention, std::chrono::hours(48)}};
  for (const auto& r : retentions) {
    // Shorter than two buckets would delete rows while they still fill.
    if (r.value.count() != 0 && r.value < r.minimum) {
      return storage->ErrorAt(r.key, "must be 0s (keep forever) or at least " +
                                         FormatDuration(r.minimum));
    }
  }
  int64_t housekeeping_rows = static_cast<int64_t>(out->housekeeping_rows);
  SCOUT_RETURN_IF_ERROR(storage->Read("housekeeping_rows", &housekeeping_rows));
  if (housekeeping_rows < 1) return storage->ErrorAt("housekeeping_rows", "must be at least 1");
  out->housekeeping_rows = static_cast<size_t>(housekeeping_rows);
  SCOUT_RETURN_IF_ERROR(storage->CheckNoUnknownKeys());
  return absl::OkStatus();
}

// An integer key within [min, max]; errors name file:line:key.
template <typename T>
absl::Status ReadBounded(ConfigMap& map, const std::string& key, int64_t min, int64_t max, T* out) {
  int64_t value = static_cast<int64_t>(*out);
  SCOUT_RETURN_IF_ERROR(map.Read(key, &value));
  if (value < min || value > max) {
    return map.ErrorAt(key, absl::StrCat("must be between ", min, " and ", max));
  }
  *out = static_cast<T>(value);
  return absl::OkStatus();
}

// A duration key within [min, max].
absl::Status ReadDurationBounded(ConfigMap& map, const std::string& key,
                                 std::chrono::milliseconds min, std::chrono::milliseconds max,
                                 std::chrono::milliseconds* out) {
  SCOUT_RETURN_IF_ERROR(map.ReadDuration(key, out));
  if (*out < min || *out > max) {
    return map.ErrorAt(key, "must be between " + FormatDuration(min) + " and " + FormatDuration(max));
  }
  return absl::OkStatus();
}

// After ReadStorage: max_sample_age defaults to storage.raw_retention.
// The `query:` section (QueryLimits, docs/limits.md).
absl::Status ReadQuery(ConfigMap& root, QueryLimits* out) {
  SCOUT_ASSIGN_OR_RETURN(auto query, root.Child("query"));
  if (!query) return absl::OkStatus();
  SCOUT_RETURN_IF_ERROR(query->ReadDuration("timeout", &out->timeout));
  if (out->timeout < std::chrono::milliseconds(100)) {
    return query->ErrorAt("timeout", "must be at least 100ms");
  }
  SCOUT_RETURN_IF_ERROR(query->Read("max_samples", &out->max_samples));
  if (out->max_samples < 1) return query->ErrorAt("max_samples", "must be at least 1");
  int64_t max_series = static_cast<int64_t>(out->max_series);
  SCOUT_RETURN_IF_ERROR(query->Read("max_series", &max_series));
  if (max_series < 1) return query->ErrorAt("max_series", "must be at least 1");
  out->max_series = static_cast<size_t>(max_series);
  int64_t max_concurrent = out->max_concurrent;
  SCOUT_RETURN_IF_ERROR(query->Read("max_concurrent", &max_concurrent));
  if (max_concurrent < 1 || max_concurrent > 1024) {
    return query->ErrorAt("max_concurrent", "must be between 1 and 1024");
  }
  out->max_concurrent = static_cast<int>(max_concurrent);
  return query->CheckNoUnknownKeys();
}

absl::Status ReadIngest(ConfigMap& root, CollectorConfig* config) {
  IngestOptions& o = config->ingest;
  o.points.max_sample_age_ms = config->storage.raw_retention.count();
  SCOUT_ASSIGN_OR_RETURN(auto ingest, root.Child("ingest"));
  if (!ingest) return absl::OkStatus();
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  SCOUT_RETURN_IF_ERROR(ReadBounded(*ingest, "max_in_flight_batches", 1, 1024, &o.max_in_flight_batches));
  SCOUT_RETURN_IF_ERROR(
      ReadBounded(*ingest, "max_batch_bytes", 65536, 256 * 1024 * 1024, &o.max_batch_bytes));
  SCOUT_RETURN_IF_ERROR(ReadBounded(*ingest, "max_streams", 1, kMax, &o.max_streams));
  SCOUT_RETURN_IF_ERROR(
      ReadBounded(*ingest, "max_streams_per_peer", 1, kMax, &o.max_streams_per_peer));
  SCOUT_RETURN_IF_ERROR(ReadDurationBounded(*ingest, "hello_timeout", std::chrono::milliseconds(10),
                                            std::chrono::hours(1), &o.hello_timeout));
  SCOUT_RETURN_IF_ERROR(ReadDurationBounded(*ingest, "idle_stream_timeout",
                                            std::chrono::milliseconds(10), std::chrono::hours(24),
                                            &o.idle_stream_timeout));
  // The bytes budget, and the deprecated point budget (still honoured).
  SCOUT_RETURN_IF_ERROR(ReadBounded(*ingest, "max_pending_bytes", 1 << 20,
                                    std::numeric_limits<int64_t>::max(),
                                    &config->max_pending_bytes));
  SCOUT_RETURN_IF_ERROR(ReadBounded(*ingest, "max_new_series_per_commit", 1, 1'000'000,
                                    &config->max_new_series_per_commit));
  int64_t max_pending_points = -1;
  SCOUT_RETURN_IF_ERROR(ingest->Read("max_pending_points", &max_pending_points));
  if (max_pending_points != -1) {
    if (max_pending_points < 10'000) {
      return ingest->ErrorAt("max_pending_points", "must be at least 10000");
    }
    config->max_pending_points = static_cast<size_t>(max_pending_points);
    spdlog::warn("{}deprecated: the queue is budgeted in bytes (max_pending_bytes); this point "
                 "budget still applies as well",
                 ingest->ErrorAt("max_pending_points", "").message());
  }
  std::chrono::milliseconds future{o.max_future_skew_ms};
  SCOUT_RETURN_IF_ERROR(ingest->ReadDuration("max_future_skew", &future));
  if (future.count() < 0) return ingest->ErrorAt("max_future_skew", "must not be negative");
  o.max_future_skew_ms = future.count();
  std::chrono::milliseconds age{o.points.max_sample_age_ms};
  SCOUT_RETURN_IF_ERROR(ingest->ReadDuration("max_sample_age", &age));
  if (age.count() != 0 && age < std::chrono::minutes(1)) {
    return ingest->ErrorAt("max_sample_age", "must be 0s (off) or at least 1m");
  }
  o.points.max_sample_age_ms = age.count();
  SCOUT_RETURN_IF_ERROR(
      ReadBounded(*ingest, "max_labels_per_series", 1, 10'000, &o.points.max_labels_per_series));
  SCOUT_RETURN_IF_ERROR(ReadBounded(*ingest, "max_label_name_length", 1, 1 << 20,
                                    &o.points.max_label_name_length));
  SCOUT_RETURN_IF_ERROR(ReadBounded(*ingest, "max_metric_name_length", 1, 1 << 20,
                                    &o.points.max_metric_name_length));
  SCOUT_RETURN_IF_ERROR(ReadBounded(*ingest, "max_label_value_length", 1, 1 << 24,
                                    &o.points.max_label_value_length));
  constexpr int64_t kMaxSeries = int64_t{1} << 40;
  SCOUT_RETURN_IF_ERROR(
      ReadBounded(*ingest, "max_series_per_agent", 1, kMaxSeries, &o.series.max_series_per_agent));
  SCOUT_RETURN_IF_ERROR(ReadBounded(*ingest, "max_new_series_per_agent_per_hour", 1, kMaxSeries,
                                    &o.series.max_new_series_per_agent_per_hour));
  SCOUT_RETURN_IF_ERROR(ReadBounded(*ingest, "max_series", 1, kMaxSeries, &o.series.max_series));
  SCOUT_RETURN_IF_ERROR(ingest->Read("grpc_memory_bytes", &config->grpc_memory_bytes));
  if (config->grpc_memory_bytes < (16 << 20)) {
    return ingest->ErrorAt("grpc_memory_bytes", "must be at least 16777216");
  }
  SCOUT_RETURN_IF_ERROR(ingest->CheckNoUnknownKeys());
  return absl::OkStatus();
}

// "file:line:col: key 'k'": where `key` is (or would be) in `map`.
std::string Origin(const ConfigMap& map, const std::string& key) {
  std::string text(map.ErrorAt(key, "").message());
  return std::string(absl::StripSuffix(text, ": "));
}

std::string Resolve(const std::string& config_dir, const std::string& path) {
  if (path.empty() || config_dir.empty() || path.front() == '/') return path;
  return (std::filesystem::path(config_dir) / path).string();
}

absl::Status ReadTls(ConfigMap& root, const std::string& config_dir, CollectorConfig* config) {
  SCOUT_ASSIGN_OR_RETURN(auto t, root.Child("tls"));
  if (!t) return absl::OkStatus();
  TlsConfig tls;
  SCOUT_RETURN_IF_ERROR(t->Read("cert_file", &tls.cert_file));
  if (tls.cert_file.empty()) return t->ErrorAt("cert_file", "missing (the server certificate chain, PEM)");
  SCOUT_RETURN_IF_ERROR(t->Read("key_file", &tls.key_file));
  if (tls.key_file.empty()) return t->ErrorAt("key_file", "missing (the server's private key, PEM)");
  SCOUT_RETURN_IF_ERROR(t->Read("client_ca_file", &tls.client_ca_file));
  tls.cert_file = Resolve(config_dir, tls.cert_file);
  tls.key_file = Resolve(config_dir, tls.key_file);
  tls.client_ca_file = Resolve(config_dir, tls.client_ca_file);
  std::string client_auth = tls.client_ca_file.empty() ? "none" : "require";
  SCOUT_RETURN_IF_ERROR(t->Read("client_auth", &client_auth));
  absl::StatusOr<ClientAuth> mode = ParseClientAuth(client_auth);
  if (!mode.ok()) return t->ErrorAt("client_auth", std::string(mode.status().message()));
  tls.client_auth = *mode;
  if (tls.client_auth != ClientAuth::kNone && tls.client_ca_file.empty()) {
    return t->ErrorAt("client_auth", client_auth + " needs client_ca_file (the CA that signs "
                                                   "client certificates)");
  }
  SCOUT_RETURN_IF_ERROR(t->ReadDuration("reload_interval", &tls.reload_interval));
  if (tls.reload_interval < std::chrono::seconds(1)) {
    return t->ErrorAt("reload_interval", "must be at least 1s");
  }
  SCOUT_RETURN_IF_ERROR(t->CheckNoUnknownKeys());
  config->tls = std::move(tls);
  config->origin["tls"] = Origin(root, "tls");
  return absl::OkStatus();
}

absl::Status ReadAuth(ConfigMap& root, const std::string& config_dir, CollectorConfig* config) {
  SCOUT_ASSIGN_OR_RETURN(auto a, root.Child("auth"));
  if (!a) return absl::OkStatus();
  SCOUT_ASSIGN_OR_RETURN(config->auth,
                         auth::ReadAuthConfig(*a, config_dir, &config->max_silence_duration));
  config->origin["auth"] = Origin(root, "auth");
  return absl::OkStatus();
}

absl::StatusOr<CollectorConfig> FromMap(ConfigMap& root, const std::string& config_dir) {
  CollectorConfig config;
  SCOUT_RETURN_IF_ERROR(root.Read("listen", &config.listen));
  config.origin["listen"] = Origin(root, "listen");
  SCOUT_RETURN_IF_ERROR(root.Read("insecure", &config.insecure));
  SCOUT_RETURN_IF_ERROR(root.Read("health_listen", &config.health_listen));
  SCOUT_RETURN_IF_ERROR(ReadTls(root, config_dir, &config));
  SCOUT_RETURN_IF_ERROR(ReadAuth(root, config_dir, &config));
  // Issue 17: the HTTP port (collector/http/http_config.h).
  SCOUT_RETURN_IF_ERROR(ReadHttpConfig(root, &config.http));
  if (config.http.listen != HttpConfig().listen) config.origin["http.listen"] = Origin(root, "http");
  SCOUT_RETURN_IF_ERROR(root.Read("log_level", &config.log_level));
  SCOUT_RETURN_IF_ERROR(root.ReadDuration("shutdown_grace", &config.shutdown_grace));
  SCOUT_RETURN_IF_ERROR(root.ReadDuration("self_metrics_interval", &config.self_interval));
  if (config.self_interval < std::chrono::seconds(1)) {
    return root.ErrorAt("self_metrics_interval", "must be at least 1s");
  }

  SCOUT_RETURN_IF_ERROR(ReadStorage(root, &config.storage));
  SCOUT_RETURN_IF_ERROR(ReadIngest(root, &config));
  SCOUT_RETURN_IF_ERROR(ReadQuery(root, &config.query));
  SCOUT_RETURN_IF_ERROR(ReadAlerting(root, config_dir, &config.alerting));
  SCOUT_RETURN_IF_ERROR(ReadReports(root, config_dir, &config.reports));
  // issue 17 (H4): the `remote_write:` list.
  SCOUT_ASSIGN_OR_RETURN(config.remote_write, remote_write::ReadRemoteWriteConfig(root));
  SCOUT_RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  return config;
}

absl::Status CheckReadable(const std::string& origin, const char* what, const std::string& path) {
  std::ifstream in(path);
  if (!in || in.peek() == std::ifstream::traits_type::eof()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": ", what, " ", path, " is missing, unreadable or empty"));
  }
  return absl::OkStatus();
}

std::string OriginOf(const CollectorConfig& config, const std::string& key) {
  auto it = config.origin.find(key);
  return it == config.origin.end() ? std::string("default") : it->second;
}

}  // namespace

absl::StatusOr<ClientAuth> ParseClientAuth(const std::string& text) {
  if (text == "none") return ClientAuth::kNone;
  if (text == "request") return ClientAuth::kRequest;
  if (text == "require") return ClientAuth::kRequire;
  return absl::InvalidArgumentError("must be none, request or require, got \"" + text + "\"");
}

absl::Status CheckTlsFiles(const CollectorConfig& config) {
  if (!config.tls) return absl::OkStatus();
  const TlsConfig& tls = *config.tls;
  const std::string origin = OriginOf(config, "tls");
  SCOUT_RETURN_IF_ERROR(CheckReadable(origin, "cert_file", tls.cert_file));
  SCOUT_RETURN_IF_ERROR(CheckReadable(origin, "key_file", tls.key_file));
  if (tls.client_ca_file.empty()) return absl::OkStatus();
  return CheckReadable(origin, "client_ca_file", tls.client_ca_file);
}

absl::Status CheckSecurity(const CollectorConfig& config) {
  auto origin = [&](const std::string& key) { return OriginOf(config, key); };
  if (config.tls) {
    const TlsConfig& tls = *config.tls;
    if (tls.client_auth != ClientAuth::kNone && tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin("tls"), ": client_auth request/require needs client_ca_file"));
    }
  }
  // Issue 17: the HTTP port follows the same rule as the gRPC port.
  if (!config.insecure && !config.http.listen.empty() && !IsLocalAddress(config.http.listen)) {
    if (!config.tls) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin("http.listen"), ": http listen address ", config.http.listen,
          " is not local; refusing to serve plaintext HTTP: configure tls (or set insecure: true)"));
    }
    if (!config.auth) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin("http.listen"), ": http listen address ", config.http.listen,
          " is not local; refusing to serve without authentication: configure auth "
          "(or set insecure: true)"));
    }
  }
  if (config.insecure || IsLocalAddress(config.listen)) return absl::OkStatus();
  if (!config.tls) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin("listen"), ": listen address ", config.listen,
        " is not local; refusing to serve plaintext: configure tls (or set insecure: true)"));
  }
  if (!config.auth) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin("listen"), ": listen address ", config.listen,
        " is not local; refusing to serve without authentication: configure auth "
        "(or set insecure: true)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<CollectorConfig> LoadCollectorConfig(const std::string& path) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadFile(path));
  return FromMap(root, std::filesystem::path(path).parent_path().string());
}

absl::StatusOr<CollectorConfig> ParseCollectorConfig(const std::string& text,
                                                     const std::string& file_name) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadString(text, file_name));
  return FromMap(root, "");
}

}  // namespace scout::collector
