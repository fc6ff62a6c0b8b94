#include "plugin/docker/docker_client.hpp"

#include <cstdlib>

#include "oci/util/process.hpp"

namespace chalk::docker {

namespace {

class ProcessClient final : public DockerClient {
 public:
  ProcessClient(std::string executable, std::vector<std::string> global_arguments)
      : m_executable(std::move(executable)), m_global_arguments(std::move(global_arguments)) {}

  util::Result<int> stream(const std::vector<std::string>& args) override {
    util::ProcessSpec spec = command(args);
    spec.stdin_mode = spec.stdout_mode = spec.stderr_mode = util::Stream::inherit;
    auto result = util::run_process(spec);
    if (!result) return failed(result.error());
    return result->exit_code;
  }

  util::Result<CommandResult> capture(const std::vector<std::string>& args,
                                      const std::string& input) override {
    util::ProcessSpec spec = command(args);
    spec.stdin_mode = input.empty() ? util::Stream::null : util::Stream::pipe;
    spec.input = input;
    auto result = util::run_process(spec);
    if (!result) return failed(result.error());
    return CommandResult{result->exit_code, std::move(result->out), std::move(result->err)};
  }

 private:
  // `docker [GLOBAL OPTIONS] ARGS...`
  util::ProcessSpec command(const std::vector<std::string>& args) const {
    util::ProcessSpec spec;
    spec.program = m_executable;
    spec.args = m_global_arguments;
    spec.args.insert(spec.args.end(), args.begin(), args.end());
    return spec;
  }

  static util::Error failed(const util::Error& error) {
    return util::make_error(util::Errc::docker, error.message);
  }

  std::string m_executable;
  std::vector<std::string> m_global_arguments;
};

}  // namespace

std::unique_ptr<DockerClient> make_process_client(std::string docker_exe, const Globals& globals) {
  if (docker_exe.empty()) {
    const char* original = std::getenv("DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND");
    docker_exe = original != nullptr && *original != '\0' ? original : "docker";
  }
  return std::make_unique<ProcessClient>(std::move(docker_exe), globals.cli_arguments());
}

}  // namespace chalk::docker
