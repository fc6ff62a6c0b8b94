// Runs the docker-chalk command line in-process, as main does after the leading `chalk`.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>
#include <vector>

#include "plugin/cli/runtime.hpp"

namespace chalk::cli::testing {

// The command line of docker-chalk: the top-level --config and every command.
struct CommandLine {
  CommandLine() : argv_storage{"docker-chalk"}, argv{argv_storage.data()}, runtime(1, argv.data()) {
    add_config_option(app, runtime);
    add_commands(app, runtime);
    app.require_subcommand(1);
  }

  // Parses and runs `args`; a command's Fatal propagates.
  void run(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());
    app.parse(args);
  }

  std::string argv_storage;
  std::vector<char*> argv;
  Runtime runtime;
  CLI::App app{"docker chalk", "docker chalk"};
};

}  // namespace chalk::cli::testing
