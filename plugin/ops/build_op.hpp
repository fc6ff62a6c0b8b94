// `docker chalk build`: docker build with the user's arguments untouched, then the built
// image chalked in place (fast path: rebuilt config + thin load; slow path: save/load).
// Fail open: whatever goes wrong after docker succeeded, the user keeps docker's image and
// exit code, with one warning.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/docker/docker_client.hpp"
#include "plugin/docker/engine.hpp"
#include "plugin/ops/context.hpp"
#include "plugin/ops/registry_ops.hpp"

namespace chalk::ops {

struct BuildRequest {
  std::vector<std::string> args;  // as typed after `docker chalk build`
  std::string config_source;      // carried in the chalk layer
  Shim shim;                      // absent: mark only
  std::filesystem::path cwd;
  std::filesystem::path temp_directory;
  RegistryAccess registry;  // --push: how the push report reads the registry back
};

struct BuildOutcome {
  int exit_code = 0;                  // always docker's
  std::optional<oci::Json> report;    // for the `report` topic (chalked)
  std::optional<oci::Json> failure;   // for the `fail` topic (docker or chalking failed)
  std::optional<oci::Json> push;      // for the `report` topic: the push report of --push
  std::vector<std::string> warnings;  // one stderr line each
  std::string image_id;               // the final image ("sha256:..."), chalked or docker's
  std::string quiet_output;           // docker's stdout under -q (what to print instead)
  std::string docker_stderr;          // docker's stderr under -q (build, push), for stderr
  bool quiet = false;
  std::int64_t docker_build_ms = 0;  // how long docker's own build ran (by the context's clock)
};

// `client` runs the user's `docker build`; `engine` then reads and loads the image.
BuildOutcome build(const BuildRequest& request, docker::DockerClient& client, docker::Engine& engine,
                   const ReportContext& context);

}  // namespace chalk::ops
