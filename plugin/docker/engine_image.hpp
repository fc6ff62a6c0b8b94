// Images that live in the Docker engine. The fast path rebuilds an image's config from
// the engine's inspect + history (no layer is exported) and loads back a
// "thin" archive carrying only the new layer: docker load skips every layer whose chain
// it already has. The slow path exports the image with `docker save`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "oci/file_io.hpp"
#include "oci/formats.hpp"
#include "plugin/docker/engine.hpp"

namespace chalk::docker {

struct EngineImage {
  oci::Image image;               // layers are descriptors only: their bytes stay in the engine
  std::string id;                 // the engine's image ID ("sha256:...")
  std::vector<std::string> tags;  // RepoTags
};

// Rebuilds the config of a local image. Fails (unsupported) when `docker history` cannot
// say unambiguously which history entries made layers; callers then take the slow path.
util::Result<EngineImage> read_engine_image(Engine& engine, const std::string& reference);

// Writes a docker-archive of `image` holding only the blobs the image carries itself
// (the layers mutations added, as an OverlaySource has them) plus its config; manifest.json
// lists every layer so docker load can match the rest by chain ID, and `names` as RepoTags
// the way docker load wants them (oci::docker_repo_tags: "app" becomes "app:latest").
util::Status write_thin_archive(const oci::Image& image, const std::vector<std::string>& names,
                                const std::filesystem::path& path);

// `docker save` into a temporary archive under `directory` and read it back.
struct SavedImage {
  oci::ImageSet set;
  oci::TempPath archive;  // what `set` reads: registered for signal clean-up before docker writes it
};
util::Result<SavedImage> save_engine_image(Engine& engine, const std::string& reference,
                                           const std::filesystem::path& directory);

}  // namespace chalk::docker
