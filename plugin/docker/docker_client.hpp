// Running the `docker` CLI: the user's own `docker build`, and engine calls for endpoints the
// HTTP API client cannot speak (cli_engine.cpp). An interface so tests can give a fake one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "oci/util/result.hpp"
#include "plugin/docker/globals.hpp"

namespace chalk::docker {

struct CommandResult {
  int exit_code = 0;
  std::string out;  // captured stdout (empty when streamed)
  std::string err;  // captured stderr (empty when streamed)
};

class DockerClient {
 public:
  virtual ~DockerClient() = default;
  // Runs `docker ARGS...`, output streamed to our own stdout/stderr (the user's build).
  virtual util::Result<int> stream(const std::vector<std::string>& args) = 0;
  // Runs `docker ARGS...` capturing both streams; `input` is fed to its stdin.
  virtual util::Result<CommandResult> capture(const std::vector<std::string>& args,
                                              const std::string& input = {}) = 0;
};

// Spawns the docker executable: `docker_exe` if given, else the CLI that started this plugin
// (DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND), else `docker` on PATH; every command gets the
// global options docker gave the plugin (`docker --context prod chalk build` runs
// `docker --context=prod build`).
std::unique_ptr<DockerClient> make_process_client(std::string docker_exe, const Globals& globals);

}  // namespace chalk::docker
