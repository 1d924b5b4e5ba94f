// sctl: command-line client of the collector (Query, Alerts and Reports services).
//
// Exit codes: 0 success, 1 the collector could not answer (unreachable or
// an RPC error), 2 usage error (bad flag, selector, duration, config file).
// Every error is a single "sctl: ..." line on stderr.
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "ctl/command_table.h"
#include "ctl/format.h"
#include "ctl/global_flags.h"
#include "ctl/rpc.h"
#include "shared/clock.h"
#include "shared/duration.h"
#include "shared/version.h"
#include "shared/grpc_client_security.h"
#include "shared/mutex_mode.h"

namespace scout::ctl {
namespace {

// Global flags: ctl/global_flags.h.

// ---- Commands (ctl/command_table.h) ----

// True when the top-level `name` runs something itself (not only a group).
bool IsCommand(const char* name) {
  for (const Command& command : Commands()) {
    if (*command.parent == '\0' && std::string_view(command.name) == name) {
      return command.run != nullptr;
    }
  }
  return false;
}

// Adds every command of the table to `app`; returns each one's CLI11 node,
// in table order.
std::vector<CLI::App*> AddCommands(CLI::App& app, CommandArgs& args) {
  std::vector<CLI::App*> nodes;
  for (const Command& command : Commands()) {
    const bool top = *command.parent == '\0';
    CLI::App* parent = top ? &app : app.get_subcommand(command.parent);
    CLI::App* node = parent->add_subcommand(command.name, command.help);
    if (command.add_flags != nullptr) command.add_flags(*node, args);
    if (command.run == nullptr) node->require_subcommand(1);  // a group: one of its commands
    // A command with subcommands of its own (alerts [history]) takes at most one.
    if (!top && IsCommand(command.parent)) parent->require_subcommand(0, 1);
    nodes.push_back(node);
  }
  return nodes;
}

// The command that was parsed: the deepest parsed node.
const Command& ParsedCommand(const std::vector<CLI::App*>& nodes) {
  size_t found = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i]->parsed()) found = i;  // subcommands follow their parent
  }
  return Commands()[found];
}

// Writes the flushed output's fate: a closed pipe (EPIPE) is the reader's
// choice, any other write error is ours.
int FinishOutput() {
  std::cout.flush();
  if (!std::cout && errno != EPIPE) return Fail(std::cerr, "cannot write output", kExitRuntime);
  return std::cout ? kExitOk : kExitRuntime;
}

int Main(int argc, char** argv) {
  CLI::App app{"Ask a Scout collector: agents, series, time ranges, hosts, probes, databases, "
               "alerts, silences, reports and storage.",
               "sctl"};
  app.set_version_flag("--version", absl::StrCat("sctl ", kVersion));
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand
  GlobalFlags flags;
  AddGlobalFlags(app, flags);
  CommandArgs args;
  const std::vector<CLI::App*> nodes = AddCommands(app, args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return Fail(std::cerr, absl::StrCat(e.what(), " (see sctl --help)"), kExitUsage);
  }
  auto settings = ResolveSettings(flags, Environment::FromProcess());
  if (!settings.ok()) return Fail(std::cerr, settings.status().message(), kExitUsage);

  const Command& command = ParsedCommand(nodes);
  SystemClock clock;
  Output out{&std::cout, &std::cerr, settings->format, absl::LocalTimeZone()};
  Context ctx{settings->channel.collector, settings->timeout, &clock, /*token=*/{}};
  // Check every argument before connecting, so usage errors never depend on
  // whether the collector happens to be up.
  if (command.plan != nullptr) {
    absl::Status planned = command.plan(args, ctx, out);
    if (!planned.ok()) return Fail(std::cerr, planned.message(), kExitUsage);
  }
  std::unique_ptr<Stubs> stubs;
  if (!command.local) {
    auto channel = MakeChannel(settings->channel);
    if (!channel.ok()) return Fail(std::cerr, channel.status().message(), kExitUsage);
    auto token = ReadClientToken(settings->channel.security);
    if (!token.ok()) return Fail(std::cerr, token.status().message(), kExitUsage);
    ctx.token = *std::move(token);
    stubs = std::make_unique<Stubs>(*channel);
  }
  absl::Status status = command.run(stubs.get(), args, ctx, out);
  if (!status.ok()) {
    const bool usage = command.local && absl::IsInvalidArgument(status);
    if (status.message().empty()) return kExitRuntime;
    return Fail(std::cerr, status.message(), usage ? kExitUsage : kExitRuntime);
  }
  return FinishOutput();
}

}  // namespace
}  // namespace scout::ctl

int main(int argc, char** argv) {
  scout::DisableMutexDeadlockDetection();
  return scout::ctl::Main(argc, argv);
}
