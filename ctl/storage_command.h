// `sctl storage`: what the collector keeps, per tier (raw chunks, hourly
// and daily rollups, points still in memory): rows, samples, time span,
// retention, bytes on disk and bytes per sample, plus the file size.
#pragma once

#include "absl/status/status.h"
#include "ctl/commands.h"

namespace scout::ctl {

// RPC errors only (see commands.h).
absl::Status RunStorage(v1::Query::StubInterface& stub, const Context& ctx, const Output& out);

}  // namespace scout::ctl
