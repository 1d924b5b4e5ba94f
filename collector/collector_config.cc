#include "collector/collector_config.h"

#include "shared/status_macros.h"
#include "shared/yaml_config.h"

namespace scout::collector {
namespace {

absl::StatusOr<CollectorConfig> FromMap(ConfigMap& root) {
  CollectorConfig config;
  SCOUT_RETURN_IF_ERROR(root.Read("listen", &config.listen));
  SCOUT_RETURN_IF_ERROR(root.Read("log_level", &config.log_level));
  SCOUT_RETURN_IF_ERROR(root.ReadDuration("shutdown_grace", &config.shutdown_grace));
  SCOUT_RETURN_IF_ERROR(root.ReadDuration("self_metrics_interval", &config.self_interval));
  if (config.self_interval < std::chrono::seconds(1)) {
    return root.ErrorAt("self_metrics_interval", "must be at least 1s");
  }

  SCOUT_ASSIGN_OR_RETURN(auto storage, root.Child("storage"));
  if (storage) {
    SCOUT_RETURN_IF_ERROR(storage->Read("path", &config.storage.path));
    std::string sync = "full";
    SCOUT_RETURN_IF_ERROR(storage->Read("synchronous", &sync));
    if (sync != "full" && sync != "normal") {
      return storage->ErrorAt("synchronous", "must be full or normal, got \"" + sync + "\"");
    }
    config.storage.synchronous_full = sync == "full";
    SCOUT_RETURN_IF_ERROR(storage->ReadDuration("flush_interval", &config.storage.flush_interval));
    int64_t max_head = static_cast<int64_t>(config.storage.max_head_points);
    SCOUT_RETURN_IF_ERROR(storage->Read("max_head_points", &max_head));
    if (max_head < 1000) return storage->ErrorAt("max_head_points", "must be at least 1000");
    config.storage.max_head_points = static_cast<size_t>(max_head);
    SCOUT_RETURN_IF_ERROR(storage->CheckNoUnknownKeys());
  }

  SCOUT_ASSIGN_OR_RETURN(auto ingest, root.Child("ingest"));
  if (ingest) {
    int64_t in_flight = config.ingest.max_in_flight_batches;
    SCOUT_RETURN_IF_ERROR(ingest->Read("max_in_flight_batches", &in_flight));
    if (in_flight < 1 || in_flight > 1024) {
      return ingest->ErrorAt("max_in_flight_batches", "must be between 1 and 1024");
    }
    config.ingest.max_in_flight_batches = static_cast<int>(in_flight);
    int64_t max_bytes = config.ingest.max_batch_bytes;
    SCOUT_RETURN_IF_ERROR(ingest->Read("max_batch_bytes", &max_bytes));
    if (max_bytes < 65536 || max_bytes > 256 * 1024 * 1024) {
      return ingest->ErrorAt("max_batch_bytes", "must be between 65536 and 268435456");
    }
    config.ingest.max_batch_bytes = static_cast<uint32_t>(max_bytes);
    int64_t max_streams = config.ingest.max_streams;
    SCOUT_RETURN_IF_ERROR(ingest->Read("max_streams", &max_streams));
    if (max_streams < 1) return ingest->ErrorAt("max_streams", "must be at least 1");
    config.ingest.max_streams = static_cast<int>(max_streams);
    int64_t max_pending = static_cast<int64_t>(config.max_pending_points);
    SCOUT_RETURN_IF_ERROR(ingest->Read("max_pending_points", &max_pending));
    if (max_pending < 10'000) return ingest->ErrorAt("max_pending_points", "must be at least 10000");
    config.max_pending_points = static_cast<size_t>(max_pending);
    std::chrono::milliseconds future{config.ingest.max_future_skew_ms};
    SCOUT_RETURN_IF_ERROR(ingest->ReadDuration("max_future_skew", &future));
    config.ingest.max_future_skew_ms = future.count();
    SCOUT_RETURN_IF_ERROR(ingest->Read("grpc_memory_bytes", &config.grpc_memory_bytes));
    if (config.grpc_memory_bytes < (16 << 20)) {
      return ingest->ErrorAt("grpc_memory_bytes", "must be at least 16777216");
    }
    SCOUT_RETURN_IF_ERROR(ingest->CheckNoUnknownKeys());
  }
  SCOUT_RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  return config;
}

}  // namespace

absl::StatusOr<CollectorConfig> LoadCollectorConfig(const std::string& path) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadFile(path));
  return FromMap(root);
}

absl::StatusOr<CollectorConfig> ParseCollectorConfig(const std::string& text,
                                                     const std::string& file_name) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadString(text, file_name));
  return FromMap(root);
}

}  // namespace scout::collector
