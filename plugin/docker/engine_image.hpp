// The Docker engine as a source and a sink of image sets, a peer of the archive and layout
// formats (oci/formats.hpp) and of the registry (oci/registry_image.hpp).
//
// Reading gives a one-entry set. `EngineLayers::in_engine` rebuilds the config from inspect +
// history and leaves every layer in the engine: nothing is exported, enough to chalk an image
// or read its history. `EngineLayers::saved` takes the image through `docker save`: the config
// as the engine keeps it and every layer readable. A history that cannot say which entries
// made layers is read `saved`.
//
// Writing is `docker load` of a docker-archive that leaves out the layers the engine already
// holds (those of an image read from it), validated before it is loaded, and checked after:
// the engine must give the config digest as the image ID and the same diff_ids.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "oci/formats.hpp"
#include "plugin/docker/engine.hpp"

namespace chalk::docker {

enum class EngineLayers { in_engine, saved };

// `reference` as a set whose entry is named by the image's tags that name `reference` itself
// (`app` gives app:latest, not the other tags of the same image; an ID gives none).
// Temporary files (the saved archive) go under `temp_directory` and live as long as the set.
struct EngineRead {
  oci::ImageSet set;
  std::string id;  // the engine's image ID ("sha256:...")
};
util::Result<EngineRead> read_engine_image(Engine& engine, const std::string& reference, EngineLayers layers,
                                           const std::filesystem::path& temp_directory);

// The layers of `image` the engine holds: every layer of an image read from the engine that no
// mutation added; none for an image from elsewhere.
std::set<oci::Digest> layers_in_engine(const oci::Image& image);

// How much a load sends: `thin` leaves out the layers the engine holds (layers_in_engine);
// `full` sends every layer (for an engine that cannot match layers it holds).
enum class EngineLoad { thin, full };

// Loads every entry of `set` under its names (docker load moves those tags) and returns the
// engine's ID of the first entry's image. Fails (digest_mismatch) when the engine's image is
// not the one written.
util::Result<std::string> write_engine_image(Engine& engine, const oci::ImageSet& set, EngineLoad load,
                                             const std::filesystem::path& temp_directory);

}  // namespace chalk::docker
