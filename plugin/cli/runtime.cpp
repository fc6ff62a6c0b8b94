#include "plugin/cli/runtime.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "oci/file_io.hpp"
#include "plugin/cli/config_option.hpp"
#include "plugin/config/interpreter.hpp"
#include "plugin/docker/endpoint.hpp"
#include "plugin/embedded/embedded.hpp"
#include "plugin/sinks/curl_transport.hpp"
#include "plugin/sinks/publisher.hpp"

namespace chalk::cli {

namespace {}

void fail(const util::Error& error) {
  const bool bad_input =
      error.code != util::Errc::io && error.code != util::Errc::docker && error.code != util::Errc::registry;
  throw Fatal(bad_input ? k_exit_bad_input : k_exit_failure, error.message);
}

Runtime::Runtime(int argc, char** argv) {
  m_context.argv = absolute_argv(argc, argv);
  m_context.environment = process_environment();
  m_context.effects = process_effects();
}

Runtime::~Runtime() = default;

Shim Runtime::shim() {
  if (!embedded::has_shim()) return {};
  return Shim{[] { return embedded::shim(); }, std::string(embedded::shim_sha256())};
}

config::Source Runtime::read_config_source() const {
  if (!m_config_path.empty()) {
    auto text = oci::read_small_file(m_config_path, config::k_max_config_size);
    if (!text) throw Fatal(k_exit_failure, "--config: " + text.error().message);
    return {m_config_path, std::move(*text)};
  }
  auto text = embedded::current_config(embedded::self_path());
  if (!text) throw Fatal(k_exit_failure, "reading the embedded config: " + text.error().message);
  return {"(embedded)", std::move(*text)};
}

void Runtime::begin(const std::string& command) {
  config::Source source = read_config_source();
  auto settings =
      config::evaluate(source, config::current_environment(command, m_context.argv), config::Host::plugin);
  if (!settings) throw Fatal(k_exit_failure, settings.error().message, Fatal::Style::bare);
  for (const auto& message : settings->messages) std::cerr << message.line << '\n';
  m_context.settings = std::move(*settings);
  m_config_source = std::move(source.text);
  if (m_docker_globals.debugging()) {
    auto endpoint = docker::resolve_endpoint(m_docker_globals, m_context.environment);
    debug(endpoint ? "engine " + endpoint->host + " (context " + endpoint->context + ")"
                   : endpoint.error().message);
  }
}

void add_config_option(CLI::App& command, Runtime& runtime) {
  command
      .add_option(
          "--config,--config-file", runtime.config_path(),
          "Use this config FILE for this run instead of the embedded one (before or after the command)")
      ->type_name("FILE");
}

void pass_arguments_to_docker(CLI::App& command, Runtime& runtime) {
  add_config_option(command, runtime);
  command.prefix_command();
  command.allow_extras();
}

std::vector<std::string> docker_arguments(const CLI::App& command, Runtime& runtime) {
  std::vector<std::string> args = command.remaining();
  auto config_file = take_config_option(args);
  if (!config_file) fail(config_file.error());
  if (*config_file) runtime.config_path() = **config_file;
  return args;
}

std::string command_footer(const std::string& details, const std::string& exit_codes,
                           const std::string& example) {
  return details + "\n\nExit codes: " + exit_codes + "\n\nExample:\n  " + example;
}

void add_commands(CLI::App& app, Runtime& runtime) {
  add_build_command(app, runtime);
  add_push_command(app, runtime);
  add_insert_command(app, runtime);
  add_extract_command(app, runtime);
  add_config_commands(app, runtime);
  add_version_command(app, runtime);
  add_deployments_command(app, runtime);
}

sinks::Publisher& Runtime::publisher() {
  if (!m_publisher) {
    m_transport = std::make_unique<sinks::CurlTransport>(sinks::find_ca_bundle());
    sinks::PublisherDeps deps = sinks::system_deps(m_transport.get());
    if (m_reports_to_stderr) deps.sinks.stdout_fd = STDERR_FILENO;
    m_publisher =
        std::make_unique<sinks::Publisher>(m_context.settings, deps, sinks::DeliveryMode::synchronous);
  }
  return *m_publisher;
}

void Runtime::publish(const oci::Json& report) {
  end_progress();
  publisher().publish(nlohmann::json::parse(oci::dump_json(report)));
}

void Runtime::publish_to_topic(const std::string& topic, const oci::Json& report) {
  end_progress();
  publisher().publish_to_topic(topic, nlohmann::json::parse(oci::dump_json(report)));
}

ops::RegistryAccess Runtime::registry_access(ops::RegistryAccess options) const {
  options.docker_config_directory = docker::config_directory(m_docker_globals, m_context.environment);
  return ops::with_environment(std::move(options), m_context.environment);
}

docker::DockerClient& Runtime::docker_client() {
  if (!m_docker_client)
    m_docker_client = docker::make_process_client(m_context.settings.docker_exe, m_docker_globals);
  return *m_docker_client;
}

std::filesystem::path Runtime::temp_directory() const {
  const std::string tmp = util::env_value(m_context.environment, "TMPDIR");
  return tmp.empty() ? std::filesystem::path("/tmp") : std::filesystem::path(tmp);
}

docker::Engine& Runtime::engine() {
  if (!m_engine) {
    auto endpoint = docker::resolve_endpoint(m_docker_globals, m_context.environment);
    if (!endpoint) fail(endpoint.error());
    docker::DebugLog log;
    if (m_docker_globals.debugging()) log = [this](const std::string& line) { debug(line); };
    m_engine = docker::make_engine(*endpoint, docker_client(), std::move(log));
  }
  return *m_engine;
}

void Runtime::debug(const std::string& line) {
  if (!m_docker_globals.debugging()) return;
  end_progress();
  std::cerr << "docker chalk: debug: " << line << '\n';
}

void Runtime::warn(const std::string& line) {
  end_progress();
  const config::Settings& settings = m_context.settings;
  if (!config::level_shows("warn", settings.log_level)) return;
  const bool color =
      settings.color.value_or(isatty(STDERR_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr);
  std::cerr << "docker chalk: " << (color ? "\033[33mwarning:\033[0m " : "warning: ") << line << '\n';
}

oci::ProgressFn Runtime::progress(const std::string& label) {
  if (!isatty(STDERR_FILENO)) return {};
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [this, label, last](std::uint64_t bytes) {
    const auto now = std::chrono::steady_clock::now();
    if (now - *last < std::chrono::milliseconds(100)) return;
    *last = now;
    std::fprintf(stderr, "\r%s: %.1f MB", label.c_str(), static_cast<double>(bytes) / 1e6);
    std::fflush(stderr);
    m_progress_shown = true;
  };
}

void Runtime::end_progress() {
  if (m_progress_shown) {
    std::fputs("\r\033[K", stderr);
    m_progress_shown = false;
  }
}

}  // namespace chalk::cli
