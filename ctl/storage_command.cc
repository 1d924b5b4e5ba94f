#include "ctl/storage_command.h"

#include <string>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "shared/duration.h"

namespace scout::ctl {
namespace {

// Bytes on disk per sample the tier stores (raw) or summarises (rollups):
// the cost of keeping a sample's information in that tier.
double BytesPerSample(const v1::StorageTier& t) {
  return t.points() > 0 && t.bytes() > 0
             ? static_cast<double>(t.bytes()) / static_cast<double>(t.points())
             : 0;
}

std::string Retention(const v1::StorageTier& t) {
  if (t.tier() == "memory") return "-";
  return t.retention_ms() == 0 ? "forever"
                               : FormatDuration(std::chrono::milliseconds(t.retention_ms()));
}

}  // namespace

absl::Status RunStorage(v1::Query::StubInterface& stub, const Context& ctx, const Output& out) {
  v1::StorageStatsResponse response;
  {
    absl::Status status = Call(ctx, stub, &v1::Query::StubInterface::StorageStats,
                               v1::StorageStatsRequest(), &response);
    if (!status.ok()) return status;
  }
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject()
        .Key("series").Int(response.series())
        .Key("file_bytes").Int(response.file_bytes())
        .Key("free_bytes").Int(response.free_bytes())
        .Key("tiers").BeginArray();
    for (const v1::StorageTier& t : response.tiers()) {
      json.BeginObject()
          .Key("tier").String(t.tier())
          .Key("rows").Int(t.rows())
          .Key("points").Int(t.points())
          .Key("oldest_ms").Int(t.oldest_ms())
          .Key("newest_ms").Int(t.newest_ms())
          .Key("retention_ms").Int(t.retention_ms())
          .Key("bytes").Int(t.bytes())
          .Key("bytes_per_sample").Number(BytesPerSample(t))
          .EndObject();
    }
    json.EndArray().EndObject();
    *out.out << '\n';
  } else if (out.format == OutputFormat::kCsv) {
    WriteCsvRow(*out.out, {"tier", "rows", "points", "oldest_ms", "newest_ms", "retention_ms",
                           "bytes", "bytes_per_sample"});
    for (const v1::StorageTier& t : response.tiers()) {
      WriteCsvRow(*out.out, {t.tier(), absl::StrCat(t.rows()), absl::StrCat(t.points()),
                             absl::StrCat(t.oldest_ms()), absl::StrCat(t.newest_ms()),
                             absl::StrCat(t.retention_ms()), absl::StrCat(t.bytes()),
                             FormatRawNumber(BytesPerSample(t))});
    }
    WriteCsvRow(*out.out, {"file", "", "", "", "", "", absl::StrCat(response.file_bytes()), ""});
  } else {
    using Align = TextTable::Align;
    TextTable table({{"TIER"},
                     {"ROWS", Align::kRight},
                     {"SAMPLES", Align::kRight},
                     {"OLDEST"},
                     {"NEWEST"},
                     {"RETENTION"},
                     {"SIZE", Align::kRight},
                     {"BYTES/SAMPLE", Align::kRight}});
    for (const v1::StorageTier& t : response.tiers()) {
      const bool empty = t.points() == 0;
      const double per_sample = BytesPerSample(t);
      table.AddRow({t.tier(), t.tier() == "memory" ? "-" : FormatNumber(static_cast<double>(t.rows())),
                    FormatNumber(static_cast<double>(t.points())),
                    empty || t.oldest_ms() == 0 ? "-" : FormatLocalTime(t.oldest_ms(), out.tz),
                    empty || t.newest_ms() == 0 ? "-" : FormatLocalTime(t.newest_ms(), out.tz),
                    Retention(t), t.bytes() > 0 ? FormatBytes(static_cast<double>(t.bytes())) : "-",
                    per_sample > 0 ? absl::StrFormat("%.2f", per_sample) : "-"});
    }
    table.Write(*out.out);
    *out.out << "\nfile: " << FormatBytes(static_cast<double>(response.file_bytes()))
             << " (free inside: " << FormatBytes(static_cast<double>(response.free_bytes()))
             << "), " << response.series() << " series\n";
  }
  return absl::OkStatus();
}

}  // namespace scout::ctl
