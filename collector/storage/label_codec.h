// Label sets as the storage keeps them: the one module that turns Labels
// into column values and back. Nothing else in the storage writes or reads
// a label column.
//
// Two forms, one per kind of column, because databases written by earlier
// versions hold both and old binaries must keep reading new rows:
//  * Blob (series.labels, agents.labels): `name NUL value NUL ...` in the
//    Labels' sorted order. Compact, and no escaping: names and values may
//    hold any byte but NUL, which the ingest validation refuses.
//  * Text (alerts.labels, alerts.annotations, alert_history.labels): the
//    canonical selector text `{a="x",b="y"}` (SeriesKeyString with no
//    metric), readable in sqlite3 and ordered like `sctl alerts` prints.
// Moving the alert tables to the blob form would need a new migration that
// rewrites their rows (never edit a shipped one) and would break a
// downgrade; sharing the code gives the "one codec" without that.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "shared/metric.h"

namespace scout::collector {

std::string EncodeLabelsBlob(const Labels& labels);
// A trailing name without its value (a torn blob) is dropped.
Labels DecodeLabelsBlob(std::string_view blob);

std::string EncodeLabelsText(const Labels& labels);
// Fails with InvalidArgument on text that is not `{name="value",...}`.
absl::StatusOr<Labels> DecodeLabelsText(std::string_view text);

}  // namespace scout::collector
