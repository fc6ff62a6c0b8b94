// The one narrow way chalk talks to Docker: running the `docker` CLI. An interface so
// operations can be tested with a fake engine; the real one spawns processes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "oci/json.hpp"
#include "oci/result.hpp"

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
  virtual oci::Result<int> stream(const std::vector<std::string>& args) = 0;
  // Runs `docker ARGS...` capturing both streams; `input` is fed to its stdin.
  virtual oci::Result<CommandResult> capture(const std::vector<std::string>& args, const std::string& input = {}) = 0;
};

// Spawns the docker executable: `docker_exe` if given, else the CLI that started this plugin
// (DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND), else `docker` on PATH.
std::unique_ptr<DockerClient> make_process_client(std::string docker_exe = {});

// Helpers over a client, each failing with Errc::docker and docker's own message.
oci::Result<oci::Json> inspect_image(DockerClient& client, const std::string& reference);
// `docker history` of an image, oldest first: {"CreatedAt","CreatedBy","Comment","Size"}.
oci::Result<oci::Json> image_history(DockerClient& client, const std::string& reference);
oci::Status save_image(DockerClient& client, const std::string& reference, const std::string& path);
// `docker load -q -i PATH`; returns docker's report of what it loaded.
oci::Result<std::string> load_image(DockerClient& client, const std::string& path);

}  // namespace chalk::docker
