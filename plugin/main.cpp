// docker-chalk: a Docker CLI plugin. Docker runs `docker-chalk [GLOBAL OPTIONS] chalk ARGS...`
// for `docker [GLOBAL OPTIONS] chalk ARGS...` and `docker-chalk docker-cli-plugin-metadata` to
// discover it.
#include <algorithm>
#include <cstring>
#include <iostream>

#include "chalk_version.hpp"
#include "plugin/chalk/report.hpp"
#include "plugin/cli/hooks.hpp"
#include "plugin/cli/runtime.hpp"
#include "plugin/cli/termination.hpp"

namespace {

// SchemaVersion is the plugin protocol's; Version is ours.
std::string plugin_metadata() {
  return std::string(R"({"SchemaVersion":"0.1.0","Vendor":"chalk","Version":")") + chalk::k_project_version +
         R"(","ShortDescription":"Build provenance and runtime visibility for container images"})";
}

int run(int argc, char** argv) {
  using namespace chalk::cli;
  if (argc >= 2 && std::strcmp(argv[1], "docker-cli-plugin-metadata") == 0) {
    std::cout << plugin_metadata() << '\n';
    return 0;
  }
  if (argc >= 3 && std::strcmp(argv[1], "chalk") == 0 && std::strcmp(argv[2], k_hook_subcommand) == 0) {
    std::cout << hook_answer(argc >= 4 ? argv[3] : "") << '\n';
    return 0;
  }
  Runtime runtime(argc, argv);
  // Under docker, docker's global options come first, then the plugin's own name.
  auto invocation = chalk::docker::split_plugin_invocation(std::vector<std::string>(argv + 1, argv + argc));
  if (!invocation) {
    std::cerr << "docker chalk: error: " << invocation.error().message << '\n';
    return k_exit_bad_input;
  }
  runtime.docker_globals() = invocation->globals;

  CLI::App app{"docker chalk: build provenance and runtime visibility for container images", "docker chalk"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  add_config_option(app, runtime);
  app.footer("Run `docker chalk COMMAND --help` for a command's options.");
  add_commands(app, runtime);
  try {
    std::vector<std::string> arguments = std::move(invocation->arguments);
    std::reverse(arguments.begin(), arguments.end());
    app.parse(arguments);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : k_exit_bad_input;
  } catch (const Fatal& error) {
    runtime.end_progress();
    if (std::strlen(error.what()) > 0) {
      std::cerr << (error.style == Fatal::Style::bare ? "" : "docker chalk: error: ") << error.what() << '\n';
    }
    return error.exit_code;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any thread exists: an interrupted run removes its temporaries, then dies
  // of the signal.
  const sigset_t termination = chalk::cli::block_termination_signals();
  chalk::cli::start_termination_cleanup(termination, oci::TempRegistry::process());
  return run(argc, argv);
}
