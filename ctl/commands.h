// The sctl subcommands: each sends one Query RPC and renders the answer as
// a table, JSON or CSV (see ctl/format.h for the building blocks).
//
// Contract:
//  * Arguments are checked before any RPC by the Plan*/ParseSelectorArg
//    functions; their errors (InvalidArgument) are usage errors. Run*
//    functions only fail because of the RPC, so callers can tell the two
//    apart without inspecting status codes.
//  * Every RPC goes through ctl/rpc.h (deadline, error mapping).
//  * Output goes to Output::out; notes for humans (truncated results, empty
//    matches in table mode) go to Output::err so pipelines stay clean.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ctl/format.h"
#include "ctl/rpc.h"
#include "scout/v1/query.grpc.pb.h"
#include "shared/clock.h"

namespace scout::ctl {

struct Output {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  OutputFormat format = OutputFormat::kTable;
  absl::TimeZone tz;  // for table timestamps; sctl passes the local zone
};

// ---- Argument checking (usage errors) ----

// Parses the selector text and compiles its regexes, so a bad selector is
// reported locally instead of by the collector.
absl::StatusOr<v1::Selector> ParseSelectorArg(const std::string& text);

// "avg", "min", "max", "sum", "count", "last", "rate", "p50", "p95", "p99".
absl::StatusOr<v1::Aggregation> ParseAggregation(const std::string& text);

struct QueryArgs {
  std::string selector;
  TimeRangeArgs range;
  std::string step;  // duration; empty lets the collector choose
  std::string agg = "avg";
  bool long_form = false;  // table output: one SERIES/TIME/VALUE table
};

struct QueryPlan {
  v1::QueryRangeRequest request;
  bool long_form = false;
};

absl::StatusOr<QueryPlan> PlanQuery(const QueryArgs& args, int64_t now_ms,
                                    absl::TimeZone tz);

// ---- Commands (RPC errors only) ----

absl::Status RunAgents(v1::Query::StubInterface& stub, const Context& ctx,
                       const Output& out);
absl::Status RunSeries(v1::Query::StubInterface& stub, const Context& ctx,
                       const v1::Selector& selector, const Output& out);
absl::Status RunQuery(v1::Query::StubInterface& stub, const Context& ctx,
                      const QueryPlan& plan, const Output& out);
absl::Status RunLatest(v1::Query::StubInterface& stub, const Context& ctx,
                       const v1::Selector& selector, const Output& out);

}  // namespace scout::ctl
