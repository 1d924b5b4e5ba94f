#include "agent/postgres/postgres_plugin.h"

#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "agent/postgres/scrape_runner.h"
#include "agent/postgres/target_connections.h"
#include "agent/postgres/target_scheduler.h"

namespace scout::agent {
namespace {

// Wires, per target, a TargetConnections (connections and their backoff)
// and a ScrapeRunner (one scrape on them) into the TargetScheduler (what
// is due, one DeadlineCall per target, the wait up to `collect_wait`).
class PostgresPlugin final : public Plugin {
 public:
  PostgresPlugin(std::vector<PostgresTarget> targets, PostgresPluginOptions options)
      : scheduler_(options.collect_wait) {
    std::random_device seed;
    for (PostgresTarget& t : targets) {
      auto spec = std::make_shared<const PostgresTarget>(std::move(t));
      auto connections = std::make_shared<TargetConnections>(spec->dsn, options, seed());
      auto runner = std::make_shared<ScrapeRunner>(spec, std::move(connections));
      scheduler_.Add(spec, [runner](int64_t now_ms, bool core_due,
                                    const std::vector<const CustomQuery*>& due,
                                    SampleSink& sink) {
        return runner->Run(now_ms, core_due, due, sink);
      });
    }
  }

  std::string_view name() const override { return "postgres"; }

  absl::Status Collect(int64_t now_ms, SampleSink& sink) override {
    return scheduler_.Collect(now_ms, sink);
  }

 private:
  TargetScheduler scheduler_;
};

}  // namespace

std::unique_ptr<Plugin> NewPostgresPlugin(std::vector<PostgresTarget> targets,
                                          PostgresPluginOptions options) {
  return std::make_unique<PostgresPlugin>(std::move(targets), options);
}

std::unique_ptr<Plugin> NewPostgresPlugin(std::vector<PostgresTarget> targets) {
  return NewPostgresPlugin(std::move(targets), PostgresPluginOptions());
}

}  // namespace scout::agent
