// docker-chalk: a Docker CLI plugin. Docker runs `docker-chalk chalk ARGS...` for
// `docker chalk ARGS...` and `docker-chalk docker-cli-plugin-metadata` to discover it.
#include <algorithm>
#include <cstring>
#include <iostream>

#include "plugin/chalk/report.hpp"
#include "plugin/cli/hooks.hpp"
#include "plugin/cli/runtime.hpp"

namespace {

constexpr const char* k_plugin_metadata =
    R"({"SchemaVersion":"0.1.0","Vendor":"chalk","Version":"0.1.0",)"
    R"("ShortDescription":"Build provenance and runtime visibility for container images"})";

int run(int argc, char** argv) {
  using namespace chalk::cli;
  if (argc >= 2 && std::strcmp(argv[1], "docker-cli-plugin-metadata") == 0) {
    std::cout << k_plugin_metadata << '\n';
    return 0;
  }
  if (argc >= 3 && std::strcmp(argv[1], "chalk") == 0 && std::strcmp(argv[2], k_hook_subcommand) == 0) {
    std::cout << hook_answer(argc >= 4 ? argv[3] : "") << '\n';
    return 0;
  }
  Runtime runtime(argc, argv);
  // Under docker the first argument is the plugin's own name.
  const int skip = argc >= 2 && std::strcmp(argv[1], "chalk") == 0 ? 2 : 1;

  CLI::App app{"docker chalk: build provenance and runtime visibility for container images", "docker chalk"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  app.add_option("--config", runtime.config_path(), "Use this config file for this run instead of the embedded one");
  app.footer("Run `docker chalk COMMAND --help` for a command's options.");
  add_build_command(app, runtime);
  add_push_command(app, runtime);
  add_insert_command(app, runtime);
  add_extract_command(app, runtime);
  add_config_commands(app, runtime);
  add_version_command(app, runtime);
  try {
    std::vector<std::string> arguments(argv + skip, argv + argc);
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

int main(int argc, char** argv) { return run(argc, argv); }
