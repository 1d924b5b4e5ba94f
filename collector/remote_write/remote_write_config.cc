#include "collector/remote_write/remote_write_config.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/status_macros.h"

namespace scout::collector::remote_write {
namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::Status ReadInt(ConfigMap& map, const std::string& key, int64_t min, int64_t max,
                     int64_t* out) {
  SCOUT_RETURN_IF_ERROR(map.Read(key, out));
  if (*out < min || *out > max) {
    return map.ErrorAt(key, absl::StrCat("must be between ", min, " and ", max));
  }
  return absl::OkStatus();
}

absl::Status ReadPositiveDuration(ConfigMap& map, const std::string& key,
                                  std::chrono::milliseconds* out) {
  SCOUT_RETURN_IF_ERROR(map.ReadDuration(key, out));
  if (out->count() <= 0) return map.ErrorAt(key, "must be positive");
  return absl::OkStatus();
}

absl::Status ReadQueue(ConfigMap& target, RemoteWriteQueueConfig* q) {
  SCOUT_ASSIGN_OR_RETURN(auto queue, target.Child("queue"));
  if (!queue) return absl::OkStatus();
  int64_t max_bytes = static_cast<int64_t>(q->max_bytes);
  SCOUT_RETURN_IF_ERROR(ReadInt(*queue, "max_bytes", 1 << 20, int64_t{1} << 44, &max_bytes));
  q->max_bytes = static_cast<uint64_t>(max_bytes);
  int64_t v = q->max_samples_per_send;
  SCOUT_RETURN_IF_ERROR(ReadInt(*queue, "max_samples_per_send", 1, 100'000, &v));
  q->max_samples_per_send = static_cast<int>(v);
  v = q->shards;
  SCOUT_RETURN_IF_ERROR(ReadInt(*queue, "shards", 1, 64, &v));
  q->shards = static_cast<int>(v);
  SCOUT_RETURN_IF_ERROR(ReadPositiveDuration(*queue, "batch_send_deadline", &q->batch_send_deadline));
  SCOUT_RETURN_IF_ERROR(ReadPositiveDuration(*queue, "min_backoff", &q->min_backoff));
  SCOUT_RETURN_IF_ERROR(ReadPositiveDuration(*queue, "max_backoff", &q->max_backoff));
  if (q->max_backoff < q->min_backoff) {
    return queue->ErrorAt("max_backoff", "must not be less than min_backoff");
  }
  if (q->max_bytes / static_cast<uint64_t>(q->shards) < (1u << 20)) {
    return queue->ErrorAt("max_bytes", "must leave at least 1 MiB per shard");
  }
  return queue->CheckNoUnknownKeys();
}

absl::Status ReadMetadata(ConfigMap& target, RemoteWriteMetadataConfig* m) {
  SCOUT_ASSIGN_OR_RETURN(auto metadata, target.Child("metadata"));
  if (!metadata) return absl::OkStatus();
  SCOUT_RETURN_IF_ERROR(metadata->Read("send", &m->send));
  SCOUT_RETURN_IF_ERROR(ReadPositiveDuration(*metadata, "send_interval", &m->send_interval));
  // Below a second the rounds would be a load of their own, not metadata.
  if (m->send_interval < std::chrono::seconds(1)) {
    return metadata->ErrorAt("send_interval", "must be at least 1s");
  }
  int64_t v = m->max_samples_per_send;
  SCOUT_RETURN_IF_ERROR(ReadInt(*metadata, "max_samples_per_send", 1, 100'000, &v));
  m->max_samples_per_send = static_cast<int>(v);
  return metadata->CheckNoUnknownKeys();
}

absl::Status ReadSelectors(ConfigMap& target, const std::string& key, std::vector<Selector>* out) {
  std::vector<std::string> texts;
  SCOUT_RETURN_IF_ERROR(target.Read(key, &texts));
  for (const std::string& text : texts) {
    absl::StatusOr<Selector> s = ParseSelector(text);
    if (!s.ok()) return target.ErrorAt(key, std::string(s.status().message()));
    if (absl::Status c = CompiledSelector::Compile(*s).status(); !c.ok()) {
      return target.ErrorAt(key, std::string(c.message()));
    }
    out->push_back(*std::move(s));
  }
  return absl::OkStatus();
}

absl::Status ReadTarget(ConfigMap& map, RemoteWriteTarget* t) {
  SCOUT_RETURN_IF_ERROR(map.Read("name", &t->name));
  if (!ValidName(t->name)) {
    return map.ErrorAt("name", "required: 1 to 64 characters of [A-Za-z0-9_-]");
  }
  SCOUT_RETURN_IF_ERROR(map.Read("url", &t->url));
  if (!absl::StartsWith(t->url, "http://") && !absl::StartsWith(t->url, "https://")) {
    return map.ErrorAt("url", "required: an http:// or https:// URL");
  }
  SCOUT_RETURN_IF_ERROR(map.Read("bearer_token", &t->bearer_token_ref));
  SCOUT_ASSIGN_OR_RETURN(auto basic, map.Child("basic_auth"));
  if (basic) {
    BasicAuth b;
    SCOUT_RETURN_IF_ERROR(basic->Read("username", &b.username));
    SCOUT_RETURN_IF_ERROR(basic->Read("password", &b.password_ref));
    if (b.username.empty()) return basic->ErrorAt("username", "required");
    SCOUT_RETURN_IF_ERROR(basic->CheckNoUnknownKeys());
    if (!t->bearer_token_ref.empty()) {
      return map.ErrorAt("basic_auth", "bearer_token and basic_auth are exclusive");
    }
    t->basic_auth = std::move(b);
  }
  SCOUT_ASSIGN_OR_RETURN(auto tls, map.Child("tls"));
  if (tls) {
    SCOUT_RETURN_IF_ERROR(tls->Read("ca_file", &t->tls.ca_file));
    SCOUT_RETURN_IF_ERROR(tls->Read("cert_file", &t->tls.cert_file));
    SCOUT_RETURN_IF_ERROR(tls->Read("key_file", &t->tls.key_file));
    if (t->tls.cert_file.empty() != t->tls.key_file.empty()) {
      return tls->ErrorAt("cert_file", "cert_file and key_file go together");
    }
    bool skip = false;
    SCOUT_RETURN_IF_ERROR(tls->Read("insecure_skip_verify", &skip));
    if (skip) {
      return tls->ErrorAt("insecure_skip_verify",
                          "not supported: give the server's CA in ca_file instead");
    }
    SCOUT_RETURN_IF_ERROR(tls->CheckNoUnknownKeys());
  }
  SCOUT_RETURN_IF_ERROR(ReadPositiveDuration(map, "timeout", &t->timeout));
  SCOUT_RETURN_IF_ERROR(ReadQueue(map, &t->queue));
  SCOUT_RETURN_IF_ERROR(ReadMetadata(map, &t->metadata));
  SCOUT_RETURN_IF_ERROR(ReadSelectors(map, "keep", &t->keep));
  SCOUT_RETURN_IF_ERROR(ReadSelectors(map, "drop", &t->drop));
  return map.CheckNoUnknownKeys();
}

}  // namespace

absl::StatusOr<std::vector<RemoteWriteTarget>> ReadRemoteWriteConfig(ConfigMap& root) {
  SCOUT_ASSIGN_OR_RETURN(auto items, root.ChildList("remote_write"));
  std::vector<RemoteWriteTarget> out;
  std::set<std::string> names;
  for (ConfigMap& item : items) {
    RemoteWriteTarget t;
    SCOUT_RETURN_IF_ERROR(ReadTarget(item, &t));
    if (!names.insert(t.name).second) {
      return item.ErrorAt("name", absl::StrCat("duplicate remote_write name \"", t.name, "\""));
    }
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<SeriesFilter> SeriesFilter::Compile(const RemoteWriteTarget& target) {
  SeriesFilter f;
  for (const Selector& s : target.keep) {
    SCOUT_ASSIGN_OR_RETURN(auto c, CompiledSelector::Compile(s));
    f.keep_.push_back(std::move(c));
  }
  for (const Selector& s : target.drop) {
    SCOUT_ASSIGN_OR_RETURN(auto c, CompiledSelector::Compile(s));
    f.drop_.push_back(std::move(c));
  }
  return f;
}

bool SeriesFilter::Sends(const SeriesKey& key) const {
  bool kept = keep_.empty();
  for (const CompiledSelector& s : keep_) {
    if (s.Matches(key)) {
      kept = true;
      break;
    }
  }
  if (!kept) return false;
  for (const CompiledSelector& s : drop_) {
    if (s.Matches(key)) return false;
  }
  return true;
}

}  // namespace scout::collector::remote_write
