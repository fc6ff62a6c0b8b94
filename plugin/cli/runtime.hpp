// What every command gets: the config in force (embedded, or --config for this run), the
// report context, and the ways out (reports to sinks, warnings and progress to stderr).
// Commands throw Fatal; only main catches it.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "oci/formats.hpp"
#include "plugin/chalk/chalker.hpp"
#include "plugin/config/config.hpp"
#include "plugin/docker/docker_client.hpp"
#include "plugin/docker/engine.hpp"
#include "plugin/ops/context.hpp"
#include "plugin/ops/registry_ops.hpp"

namespace chalk::sinks {
class Publisher;
class HttpTransport;
}  // namespace chalk::sinks

namespace chalk::cli {

// Exit codes: 1 for operational failures (and a rejected config), 2 for bad input
// (archives, references, usage).
inline constexpr int k_exit_failure = 1;
inline constexpr int k_exit_bad_input = 2;

struct Fatal : std::runtime_error {
  // bare: the message is already a complete diagnostic (a config's `FILE:LINE:COL: phase: ...`).
  enum class Style { prefixed, bare };
  Fatal(int code, const std::string& message, Style how = Style::prefixed)
      : std::runtime_error(message), exit_code(code), style(how) {}
  int exit_code;
  Style style;
};

// Throws Fatal for a library error: bad input -> 2, the rest -> 1.
[[noreturn]] void fail(const util::Error& error);

class Runtime {
 public:
  Runtime(int argc, char** argv);
  ~Runtime();

  // --config FILE: a config for this run only (set while parsing, before any command runs).
  std::string& config_path() { return m_config_path; }
  // docker's global options (given before `chalk`), set by main before parsing.
  docker::Globals& docker_globals() { return m_docker_globals; }
  // Spawns `docker` with the config's docker_exe and docker's global options (after begin).
  docker::DockerClient& docker_client();
  // The engine docker's options, environment and contexts name: its HTTP API, or the docker
  // CLI for endpoints the API client cannot speak. An unusable endpoint is Fatal.
  docker::Engine& engine();
  // `options` (from a command's flags) with docker's client config directory filled in: the
  // credentials docker itself would use.
  ops::RegistryAccess registry_access(ops::RegistryAccess options = {}) const;
  // Where temporaries go: $TMPDIR, else /tmp.
  std::filesystem::path temp_directory() const;
  // One stderr line when docker's --debug (or --log-level debug) asked for them.
  void debug(const std::string& line);

  // The config in force, unevaluated: --config's file, else the embedded one. Fatal (exit 1)
  // when it cannot be read.
  config::Source read_config_source() const;
  // Evaluates the config for `command` (printing its messages) and prepares the sinks;
  // a rejected config is Fatal (exit 1) before any work. Every command calls it first.
  void begin(const std::string& command);
  // Reports go to stderr instead of stdout (build -q keeps stdout for the image ID).
  void reports_to_stderr() { m_reports_to_stderr = true; }

  const config::Settings& settings() const { return m_context.settings; }
  // The config source in force: what the chalk layer carries as /chalk.c4m.
  const std::string& config_source() const { return m_config_source; }
  // The shim this plugin carries (absent in a build without one), unpacked when first needed.
  static Shim shim();
  ops::ReportContext& context() { return m_context; }

  // The command's primary report: topic `report` and the matching custom reports.
  void publish(const oci::Json& report);
  // Another topic (`fail`...).
  void publish_to_topic(const std::string& topic, const oci::Json& report);
  // A warning on stderr, when the config's log_level shows warnings; in yellow when `color`
  // says so (unset: stderr is a terminal and NO_COLOR is not set).
  void warn(const std::string& line);
  // A progress callback for `label` when stderr is a terminal, else empty.
  oci::ProgressFn progress(const std::string& label);
  void end_progress();

 private:
  sinks::Publisher& publisher();

  ops::ReportContext m_context;
  std::string m_config_path;
  docker::Globals m_docker_globals;
  std::unique_ptr<docker::DockerClient> m_docker_client;
  std::unique_ptr<docker::Engine> m_engine;
  std::string m_config_source;
  bool m_reports_to_stderr = false;
  bool m_progress_shown = false;
  std::unique_ptr<sinks::HttpTransport> m_transport;
  std::unique_ptr<sinks::Publisher> m_publisher;
};

// `--config FILE` / `--config-file FILE` on `command` (the top-level app or a subcommand): the
// config for this run, kept in `runtime`.
void add_config_option(CLI::App& command, Runtime& runtime);
// For a command whose arguments go on to docker (`build`, `push`): --config where CLI11 reads
// it, every other argument kept for docker.
void pass_arguments_to_docker(CLI::App& command, Runtime& runtime);
// That command's arguments for docker: --config/--config-file taken out (CLI11 reads it only
// before docker's first argument) and made the run's config. Fatal (bad input) without a FILE.
std::vector<std::string> docker_arguments(const CLI::App& command, Runtime& runtime);

// A command's --help footer: what it does in detail, its exit codes, and one example.
std::string command_footer(const std::string& details, const std::string& exit_codes,
                           const std::string& example);
// The exit codes of a command that reads images (insert, extract).
inline constexpr const char* k_image_exit_codes =
    "0 done; 1 failure (a rejected config, a failed write, an engine error); 2 bad input (usage, a\n"
    "truncated or hostile archive, a wrong digest, an unknown image)";

// Every command on `app`; main and the tests use it, so both see the same command set.
void add_commands(CLI::App& app, Runtime& runtime);

// Each command declares its options on `app` and, when chosen, runs with `runtime`.
void add_version_command(CLI::App& app, Runtime& runtime);
void add_insert_command(CLI::App& app, Runtime& runtime);
void add_extract_command(CLI::App& app, Runtime& runtime);
void add_config_commands(CLI::App& app, Runtime& runtime);
void add_build_command(CLI::App& app, Runtime& runtime);
void add_deployments_command(CLI::App& app, Runtime& runtime);
void add_push_command(CLI::App& app, Runtime& runtime);

}  // namespace chalk::cli
