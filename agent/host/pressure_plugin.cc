#include "agent/host/pressure_plugin.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "agent/host/proc_parsers.h"

namespace scout::agent {
namespace {

constexpr double kMicrosPerSecond = 1e6;

class PressurePlugin final : public Plugin {
 public:
  explicit PressurePlugin(const HostFs& host) : host_(host) {}

  std::string_view name() const override { return "pressure"; }

  absl::Status Collect(int64_t /*now_ms*/, SampleSink& sink) override {
    struct Resource {
      const char* name;
      bool has_full;  // cpu's "full" line is not part of the contract
    };
    absl::Status first;
    for (const Resource r : {Resource{"cpu", false}, Resource{"memory", true},
                             Resource{"io", true}}) {
      const std::string file = absl::StrCat("pressure/", r.name);
      absl::StatusOr<std::string> text = host_.ReadProc(file);
      if (!text.ok() && absl::IsNotFound(text.status())) continue;  // no PSI: not an error
      absl::StatusOr<Pressure> p =
          text.ok() ? ParsePressure(*text, file) : absl::StatusOr<Pressure>(text.status());
      if (!p.ok()) {
        if (first.ok()) first = p.status();
        continue;
      }
      const std::string prefix = absl::StrCat("node_pressure_", r.name);
      sink.Add(absl::StrCat(prefix, "_waiting_seconds_total"), {},
               static_cast<double>(p->some.total_us) / kMicrosPerSecond);
      if (r.has_full && p->full) {
        sink.Add(absl::StrCat(prefix, "_stalled_seconds_total"), {},
                 static_cast<double>(p->full->total_us) / kMicrosPerSecond);
      }
      sink.Add(absl::StrCat(prefix, "_some_avg10_ratio"), {}, p->some.avg10 / 100.0);
    }
    return first;
  }

 private:
  const HostFs& host_;
};

}  // namespace

std::unique_ptr<Plugin> NewPressurePlugin(const HostFs& host) {
  return std::make_unique<PressurePlugin>(host);
}

}  // namespace scout::agent
