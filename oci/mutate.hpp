// Image mutation: pure functions from an Image to a new Image. They edit the config and
// manifest JSON, re-serialise only what changed and recompute every digest and size.
// No file format is known here; new blobs travel with the image (an OverlaySource).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oci/image.hpp"
#include "oci/tar_writer.hpp"

namespace oci {

// A file for a layer we build: `content` in memory, `borrowed` bytes the caller keeps alive
// (the embedded shim: megabytes not worth copying), or copied from `source`, whichever is set.
struct LayerFile {
  std::string name;  // relative, no leading "/" or "./"
  int mode = 0644;
  std::string content;
  std::filesystem::path source;
  std::string_view borrowed{};
};

struct BuiltLayer {
  std::shared_ptr<const LocalBlob> blob;  // the (compressed) blob and its descriptor
  Digest diff_id;                         // sha256 of the uncompressed tar
};

// Where a layer that is built again and again (the same files every time) is kept: in
// `directory` under `key`, which the caller derives from everything the layer is made of
// (contents, modes, mtime, compression). Empty directory: no cache.
struct LayerCache {
  std::filesystem::path directory;
  std::string key;  // [0-9A-Za-z._-], at most 200 characters
};

// Builds a deterministic layer: entries sorted by name, uid/gid 0, mtime `mtime`, no
// gzip name or time. Files are written under `temp_directory` and removed with the blob.
// With a cache, a layer kept under the key is returned as it is (its file read-only, never
// removed by us); a new one is kept there for next time (a cache that cannot be written
// is passed over).
Result<BuiltLayer> build_layer(std::vector<LayerFile> files, Compression compression,
                               const std::filesystem::path& temp_directory, std::int64_t mtime,
                               const LayerCache& cache = {});
// The same, with the files asked for only when the layer is not found in the cache.
Result<BuiltLayer> build_layer_unless_cached(const std::function<Result<std::vector<LayerFile>>()>& files,
                                             Compression compression,
                                             const std::filesystem::path& temp_directory, std::int64_t mtime,
                                             const LayerCache& cache);

struct Mutation {
  bool drop_last_layer = false;  // with its diff_id and its (last non-empty) history entry
  struct Append {
    BuiltLayer layer;
    Json history;  // the history entry for it
  };
  std::optional<Append> append;
  std::map<std::string, std::string> set_labels;
  std::optional<Json> entrypoint;  // JSON null clears
  std::optional<Json> cmd;
  std::optional<Json> on_build;
  std::map<std::string, std::string> manifest_annotations;
};

Result<Image> mutate(const Image& image, const Mutation& mutation);

// The config's `config` object (Entrypoint, Cmd, Labels...), or an empty object.
Json container_config(const Image& image);

// Checks an image as an independent oracle would: manifest and config digests and sizes,
// diff_ids against the (decompressed) layers, sizes, history count. Layers in `held` are
// the destination's (an engine that has them): not read, but they must be uncompressed
// layers named by their diff_id, the only way such a destination knows a layer.
Status validate(const Image& image, const std::set<Digest>& held = {});
Status validate(const ImageSet& set, const std::set<Digest>& held = {});

}  // namespace oci
