// Every sctl command, listed once: its place on the command line, its help,
// its flags, the check of its arguments and the function that runs it.
// main.cc builds the command line from this table and runs the one command
// that was parsed; nothing else names a command.
//
// To add a command: write its Run* function (and a Plan* if its arguments
// need checking before connecting), give its flags a field in CommandArgs,
// and add one row to Commands() in command_table.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "ctl/alert_commands.h"
#include "ctl/commands.h"
#include "ctl/db_commands.h"
#include "ctl/host_commands.h"
#include "ctl/probe_command.h"
#include "ctl/report_commands.h"
#include "ctl/rpc.h"
#include "scout/v1/alerts.grpc.pb.h"
#include "scout/v1/query.grpc.pb.h"
#include "scout/v1/reports.grpc.pb.h"

namespace scout::ctl {

// What the flags bind to (as typed), and what the Plan step made of them.
// Commands share a field when they take the same flag.
struct CommandArgs {
  std::string selector_text;  // series, latest
  v1::Selector selector;
  QueryArgs query;
  QueryPlan query_plan;
  std::string host;  // host, probes, top
  ProbeArgs probe;
  size_t top_n = 10;
  std::string db_target;
  SlowArgs slow;
  SlowFilter slow_filter;
  size_t db_tables_n = 20;
  bool alerts_all = false;
  HistoryArgs history;
  v1::AlertHistoryRequest history_request;
  SilenceAddArgs silence_add;
  v1::AddSilenceRequest silence_request;
  bool silence_all = false;
  std::string silence_id;
  ReportArgs report;
  v1::GenerateReportRequest report_request;
  std::string report_name;
};

// The collector's services, over one channel (ctl/rpc.h MakeChannel).
struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel);
  std::unique_ptr<v1::Query::StubInterface> query;
  std::unique_ptr<v1::Alerts::StubInterface> alerts;
  std::unique_ptr<v1::Reports::StubInterface> reports;
};

struct Command {
  const char* parent;  // "" for a top-level command, else the parent's name
  const char* name;
  const char* help;
  // Declares the command's flags and positionals; null: none.
  void (*add_flags)(CLI::App& cmd, CommandArgs& args);
  // Checks the arguments before any connection (errors are usage errors,
  // InvalidArgument); null: nothing to check.
  absl::Status (*plan)(CommandArgs& args, const Context& ctx, const Output& out);
  // Runs the command; null for a group that only holds subcommands. Errors
  // are the collector's (exit 1), except for a `local` command.
  absl::Status (*run)(Stubs* stubs, CommandArgs& args, const Context& ctx, const Output& out);
  // Talks to no collector (sctl probe): run gets null stubs, its
  // InvalidArgument errors are usage errors, and an error with an empty
  // message means "the answer was a failure, already printed": exit 1
  // without an error line.
  bool local = false;
};

// Every command and group, parents before their subcommands, in help order.
const std::vector<Command>& Commands();

}  // namespace scout::ctl
