#include "oci/mutate.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "oci/file_io.hpp"

namespace oci {

namespace fs = std::filesystem;

namespace {

class FileStream final : public ByteStream {
 public:
  explicit FileStream(File file) : m_file(std::move(file)) {}
  Result<std::size_t> read(void* buffer, std::size_t size) override {
    auto got = m_file.read_some_at(m_position, buffer, size);
    if (got) m_position += *got;
    return got;
  }

 private:
  File m_file;
  std::uint64_t m_position = 0;
};

// Reads a stream to its end (a verified one checks its digest there).
Status read_to_end(ByteStream& stream) {
  std::vector<char> buffer(1 << 20);
  for (;;) {
    auto got = stream.read(buffer.data(), buffer.size());
    if (!got) return got.error();
    if (*got == 0) return {};
  }
}

bool is_docker_manifest(const Image& image) {
  auto type = image.manifest.find("mediaType");
  return type != image.manifest.end() && type->is_string() && *type == media_type::docker_manifest;
}

}  // namespace

namespace {

Result<BuiltLayer> build_fresh_layer(std::vector<LayerFile> files, Compression compression,
                                     const fs::path& temp_directory, std::int64_t mtime);

bool valid_cache_key(std::string_view key) {
  return !key.empty() && key.size() <= 200 && key != "." && key != ".." &&
         std::all_of(key.begin(), key.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
         });
}

// The layer kept under the cache's key, when its description and file agree.
std::optional<BuiltLayer> cached_layer(const LayerCache& cache) {
  auto text = read_small_file(cache.directory / (cache.key + ".json"), 4096);
  if (!text) return std::nullopt;
  auto json = parse_json(*text, "layer cache entry");
  if (!json || !json->is_object()) return std::nullopt;
  auto descriptor = Descriptor::from_json((*json)["blob"], "layer cache blob");
  auto diff_id = Digest::parse(json->value("diff_id", ""));
  if (!descriptor || !diff_id) return std::nullopt;
  const fs::path blob = cache.directory / (cache.key + ".blob");
  std::error_code error;
  if (!fs::is_regular_file(fs::symlink_status(blob, error)) ||
      fs::file_size(blob, error) != descriptor->size || error) {
    return std::nullopt;
  }
  return BuiltLayer{std::make_shared<const LocalBlob>(blob, *descriptor, BlobFile::kept), *diff_id};
}

// Keeps `built` under the cache's key: the blob first (read-only, flushed), its description
// last, so a description always names a complete blob.
void keep_layer(const LayerCache& cache, const BuiltLayer& built) {
  std::error_code error;
  fs::create_directories(cache.directory, error);
  if (error) return;
  const fs::path blob = cache.directory / (cache.key + ".blob");
  auto input = File::open_read(built.blob->path());
  auto output = AtomicFile::create(blob);
  if (!input || !output) return;
  FileStream stream(std::move(*input));
  if (!copy_stream(stream, output->file())) return;
  if (::fchmod(output->file().fd(), 0444) != 0 || !output->commit(true)) return;
  const Json entry = {{"blob", built.blob->descriptor().to_json()}, {"diff_id", built.diff_id.str()}};
  (void)write_file_atomically(cache.directory / (cache.key + ".json"), dump_json(entry), true);
}

}  // namespace

Result<BuiltLayer> build_layer(std::vector<LayerFile> files, Compression compression,
                               const fs::path& temp_directory, std::int64_t mtime, const LayerCache& cache) {
  return build_layer_unless_cached([&files]() -> Result<std::vector<LayerFile>> { return std::move(files); },
                                   compression, temp_directory, mtime, cache);
}

Result<BuiltLayer> build_layer_unless_cached(const std::function<Result<std::vector<LayerFile>>()>& files,
                                             Compression compression, const fs::path& temp_directory,
                                             std::int64_t mtime, const LayerCache& cache) {
  const bool cached = !cache.directory.empty() && valid_cache_key(cache.key);
  if (cached) {
    if (auto kept = cached_layer(cache)) return std::move(*kept);
  }
  auto listed = files();
  if (!listed) return listed.error();
  auto built = build_fresh_layer(std::move(*listed), compression, temp_directory, mtime);
  if (built && cached) keep_layer(cache, *built);
  return built;
}

namespace {

Result<BuiltLayer> build_fresh_layer(std::vector<LayerFile> files, Compression compression,
                                     const fs::path& temp_directory, std::int64_t mtime) {
  std::sort(files.begin(), files.end(),
            [](const LayerFile& a, const LayerFile& b) { return a.name < b.name; });
  sweep_stale_temporaries(temp_directory);
  // Registered before it exists, so a termination signal never misses it.
  const fs::path tar_path = temporary_sibling(temp_directory / "layer.tar");
  TempPath tar_cleanup{tar_path};
  auto tar_file = File::create(tar_path);
  if (!tar_file) return tar_file.error();
  Descriptor tar_descriptor;
  {
    auto writer = TarWriter::open(*tar_file, Compression::none, tar_path.string(), true);
    if (!writer) return writer.error();
    for (const auto& file : files) {
      if (file.source.empty()) {
        const std::string_view bytes = file.borrowed.data() != nullptr ? file.borrowed : file.content;
        if (auto ok = (*writer)->add_bytes(file.name, file.mode, bytes, mtime); !ok) return ok.error();
        continue;
      }
      auto input = File::open_read(file.source);
      if (!input) return input.error();
      auto size = input->size();
      if (!size) return size.error();
      FileStream stream(std::move(*input));
      if (auto ok = (*writer)->add_stream(file.name, file.mode, *size, stream, mtime); !ok) return ok.error();
    }
    auto finished = (*writer)->finish();
    if (!finished) return finished.error();
    tar_descriptor = *finished;
  }
  if (auto closed = tar_file->close(); !closed) return closed.error();
  BuiltLayer built;
  built.diff_id = tar_descriptor.digest;
  if (compression == Compression::none) {
    tar_descriptor.media_type = media_type::oci_layer;
    built.blob = std::make_shared<const LocalBlob>(tar_path, tar_descriptor, BlobFile::temporary);
    tar_cleanup.release();
    return built;
  }
  const fs::path gzip_path = temporary_sibling(temp_directory / "layer.tar.gz");
  TempPath gzip_cleanup{gzip_path};
  auto gzip_output = File::create(gzip_path);
  if (!gzip_output) return gzip_output.error();
  auto tar_input = File::open_read(tar_path);
  if (!tar_input) return tar_input.error();
  auto compressed = gzip_file(*tar_input, *gzip_output, gzip_path.string());
  if (!compressed) return compressed.error();
  if (auto closed = gzip_output->close(); !closed) return closed.error();
  compressed->media_type = media_type::oci_layer_gzip;
  built.blob = std::make_shared<const LocalBlob>(gzip_path, *compressed, BlobFile::temporary);
  gzip_cleanup.release();
  return built;
}

}  // namespace

Json container_config(const Image& image) {
  auto it = image.config.find("config");
  return it != image.config.end() && it->is_object() ? *it : Json::object();
}

Result<Image> mutate(const Image& image, const Mutation& mutation) {
  Json config = image.config;
  Json manifest = image.manifest;
  std::vector<Descriptor> layers = image.layers;
  Json& rootfs = config["rootfs"];
  if (!rootfs.is_object()) rootfs = Json::object();
  if (!rootfs.contains("type")) rootfs["type"] = "layers";
  Json& diff_ids = rootfs["diff_ids"];
  if (!diff_ids.is_array()) diff_ids = Json::array();
  Json history = image.history();
  const bool had_history = config.contains("history");

  if (mutation.drop_last_layer) {
    if (layers.empty())
      return make_error(Errc::invalid_argument, "dropping the last layer: the image has no layers");
    layers.pop_back();
    diff_ids.erase(diff_ids.size() - 1);
    for (auto it = history.end(); it != history.begin();) {
      --it;
      if (!it->value("empty_layer", false)) {
        history.erase(it);
        break;
      }
    }
  }
  std::map<Digest, std::shared_ptr<const LocalBlob>> added;
  if (auto overlay = std::dynamic_pointer_cast<const OverlaySource>(image.blobs)) added = overlay->added();
  if (mutation.append) {
    const auto& blob = mutation.append->layer.blob;
    Descriptor layer = blob->descriptor();
    if (is_docker_manifest(image)) {
      layer.media_type = layer.media_type == media_type::oci_layer_gzip ? media_type::docker_layer_gzip
                                                                        : media_type::docker_layer;
    }
    layer.raw = Json::object();
    layers.push_back(layer);
    diff_ids.push_back(mutation.append->layer.diff_id.str());
    history.push_back(mutation.append->history);
    added[layer.digest] = blob;
  }
  if (had_history || mutation.append || mutation.drop_last_layer) config["history"] = history;

  const bool touches_container_config =
      !mutation.set_labels.empty() || mutation.entrypoint || mutation.cmd || mutation.on_build;
  if (touches_container_config) {
    Json& container = config["config"];
    if (!container.is_object()) container = Json::object();
    if (!mutation.set_labels.empty()) {
      Json& labels = container["Labels"];
      if (!labels.is_object()) labels = Json::object();
      for (const auto& [key, value] : mutation.set_labels) labels[key] = value;
    }
    if (mutation.entrypoint) container["Entrypoint"] = *mutation.entrypoint;
    if (mutation.cmd) container["Cmd"] = *mutation.cmd;
    if (mutation.on_build) container["OnBuild"] = *mutation.on_build;
  }

  Image result;
  result.config = std::move(config);
  result.config_bytes = result.config == image.config ? image.config_bytes : dump_json(result.config);
  result.config_descriptor = image.config_descriptor;
  result.config_descriptor.digest = sha256_digest(result.config_bytes);
  result.config_descriptor.size = result.config_bytes.size();

  manifest["config"] = result.config_descriptor.to_json();
  Json layer_list = Json::array();
  for (const auto& layer : layers) layer_list.push_back(layer.to_json());
  manifest["layers"] = std::move(layer_list);
  if (!mutation.manifest_annotations.empty()) {
    Json& annotations = manifest["annotations"];
    if (!annotations.is_object()) annotations = Json::object();
    for (const auto& [key, value] : mutation.manifest_annotations) annotations[key] = value;
  }
  result.manifest = std::move(manifest);
  result.manifest_bytes =
      result.manifest == image.manifest ? image.manifest_bytes : dump_json(result.manifest);
  result.descriptor = image.descriptor;
  result.descriptor.digest = sha256_digest(result.manifest_bytes);
  result.descriptor.size = result.manifest_bytes.size();
  result.layers = std::move(layers);
  auto base = image.blobs;
  if (auto overlay = std::dynamic_pointer_cast<const OverlaySource>(image.blobs)) base = overlay->base();
  result.blobs = added.empty() ? image.blobs : std::make_shared<const OverlaySource>(base, std::move(added));
  return result;
}

Status validate(const Image& image, const std::set<Digest>& held) {
  const std::string what = "image " + image.descriptor.digest.str();
  if (sha256_digest(image.manifest_bytes) != image.descriptor.digest ||
      image.manifest_bytes.size() != image.descriptor.size) {
    return make_error(Errc::digest_mismatch, what + ": manifest bytes do not match its descriptor");
  }
  if (sha256_digest(image.config_bytes) != image.config_descriptor.digest ||
      image.config_bytes.size() != image.config_descriptor.size) {
    return make_error(Errc::digest_mismatch, what + ": config bytes do not match the config descriptor");
  }
  auto reparsed = Image::from_parts(image.blobs, image.descriptor, image.manifest_bytes, image.config_bytes);
  if (!reparsed) return reparsed.error();
  if (reparsed->config_descriptor.digest != image.config_descriptor.digest) {
    return make_error(Errc::digest_mismatch,
                      what + ": manifest names config " + reparsed->config_descriptor.digest.str());
  }
  const auto diff_ids = image.diff_ids();
  if (diff_ids.size() != image.layers.size()) {
    return make_error(Errc::invalid_format, what + ": " + std::to_string(image.layers.size()) + " layers, " +
                                                std::to_string(diff_ids.size()) + " diff_ids");
  }
  const Json history = image.history();
  if (image.config.contains("history")) {
    const auto non_empty = std::count_if(
        history.begin(), history.end(), [](const Json& entry) { return !entry.value("empty_layer", false); });
    if (static_cast<std::size_t>(non_empty) != image.layers.size()) {
      return make_error(Errc::invalid_format, what + ": " + std::to_string(non_empty) +
                                                  " non-empty history entries for " +
                                                  std::to_string(image.layers.size()) + " layers");
    }
  }
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    if (held.contains(image.layers[i].digest)) {
      if (image.layers[i].digest.str() != diff_ids[i]) {
        return make_error(Errc::digest_mismatch,
                          what + ": layer " + std::to_string(i) + " (" + image.layers[i].digest.str() +
                              ", held by the destination) is not diff_id " + diff_ids[i]);
      }
      continue;
    }
    auto blob = open_blob(*image.blobs, image.layers[i]);
    if (!blob) return blob.error();
    if (image.layers[i].digest.str() == diff_ids[i]) {
      // An uncompressed layer: the verified read of its bytes checks the diff_id already.
      CHALK_TRY(read_to_end(**blob));
      continue;
    }
    auto uncompressed = open_decompressed(std::move(*blob), "layer " + image.layers[i].digest.str());
    if (!uncompressed) return uncompressed.error();
    auto digest = hash_stream(**uncompressed);
    if (!digest) return digest.error();
    if (digest->str() != diff_ids[i]) {
      return make_error(Errc::digest_mismatch,
                        what + ": layer " + std::to_string(i) + " does not match diff_id " + diff_ids[i]);
    }
  }
  return {};
}

Status validate(const ImageSet& set, const std::set<Digest>& held) {
  for (const auto& entry : set.entries) {
    std::vector<const Image*> images;
    collect_images(entry.node, images);
    for (const Image* image : images) {
      if (auto ok = validate(*image, held); !ok) return ok;
    }
  }
  return {};
}

}  // namespace oci
