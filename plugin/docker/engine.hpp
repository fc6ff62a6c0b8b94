// What chalk asks of a Docker engine, whoever answers it: the engine's HTTP API
// (engine_api.hpp, the usual way) or the `docker` CLI (for endpoints the API client cannot
// speak: ssh://, npipe://...). Operations take an Engine, so tests give a fake one.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "oci/json.hpp"
#include "oci/util/result.hpp"
#include "plugin/docker/docker_client.hpp"
#include "plugin/docker/endpoint.hpp"

namespace chalk::docker {

// Where an engine says what it does when asked (docker --debug): one line per call.
using DebugLog = std::function<void(const std::string&)>;

class Engine {
 public:
  virtual ~Engine() = default;
  // `docker image inspect`'s object. An unknown name fails with not_found.
  virtual util::Result<oci::Json> inspect_image(const std::string& reference) = 0;
  // The image's history, oldest first: {"CreatedAt" (RFC 3339), "CreatedBy", "Comment", "Size"}.
  virtual util::Result<oci::Json> image_history(const std::string& reference) = 0;
  // `docker save` of one image into a docker-archive at `path`.
  virtual util::Status save_image(const std::string& reference, const std::filesystem::path& path) = 0;
  // `docker load` of a docker-archive; returns the engine's report of what it loaded.
  virtual util::Result<std::string> load_image(const std::filesystem::path& archive) = 0;
  // `path` of the image's filesystem as a tar archive (what `docker cp` gives), through a
  // container created and removed, never started; nullopt when the image has no such path.
  virtual util::Result<std::optional<std::string>> copy_from_image(const std::string& reference,
                                                                   const std::string& path) = 0;
};

// The Engine spawning `docker` through `client` (its global options included).
std::unique_ptr<Engine> make_cli_engine(DockerClient& client);

// The engine at `endpoint`: its HTTP API for unix:// and tcp:// (TLS as the endpoint says),
// else the docker CLI through `fallback`, saying so only to `debug`. `fallback` must outlive it.
std::unique_ptr<Engine> make_engine(const Endpoint& endpoint, DockerClient& fallback, DebugLog debug);

}  // namespace chalk::docker
