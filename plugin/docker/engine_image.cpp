#include "plugin/docker/engine_image.hpp"

#include <regex>

#include "oci/file_io.hpp"
#include "oci/reference.hpp"
#include "oci/tar_writer.hpp"

namespace chalk::docker {

namespace fs = std::filesystem;

namespace {

// Layer bytes of an engine image are never read through us.
class EngineBlobs final : public oci::BlobSource {
 public:
  explicit EngineBlobs(std::string reference) : m_reference(std::move(reference)) {}
  util::Result<std::unique_ptr<oci::ByteStream>> open_raw(const oci::Descriptor& descriptor) const override {
    return util::make_error(util::Errc::not_found, "layer " + descriptor.digest.str() + " of `" +
                                                       m_reference + "` is only in the engine");
  }
  [[nodiscard]] std::string describe() const override { return "engine image `" + m_reference + "`"; }

 private:
  std::string m_reference;
};

// Instructions that never make a layer, in the classic builder's "#(nop)" form or BuildKit's.
bool metadata_only(const std::string& created_by) {
  static const std::regex k_metadata(
      R"(^(/bin/sh -c #\(nop\)|\|\d+ /bin/sh -c #\(nop\)|(CMD|ENTRYPOINT|ENV|LABEL|EXPOSE|USER|VOLUME|STOPSIGNAL|HEALTHCHECK|SHELL|ONBUILD|ARG|MAINTAINER) ))");
  return std::regex_search(created_by, k_metadata);
}

std::uint64_t history_size(const oci::Json& entry) {
  const auto size = entry.find("Size");
  if (size == entry.end()) return 0;
  if (size->is_number_unsigned()) return size->get<std::uint64_t>();
  if (size->is_string()) return std::strtoull(size->get<std::string>().c_str(), nullptr, 10);
  return 0;
}

util::Result<oci::Json> rebuild_history(const oci::Json& history, std::size_t layer_count,
                                        const std::string& reference) {
  std::vector<bool> makes_layer(history.size(), false);
  std::size_t sized = 0;
  std::size_t candidates = 0;
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (history_size(history[i]) > 0) {
      makes_layer[i] = true;
      ++sized;
    } else if (!metadata_only(history[i].value("CreatedBy", ""))) {
      ++candidates;
    }
  }
  // Empty layers (a RUN that changed nothing) have size 0 like metadata entries: take the
  // non-metadata ones only when that accounts for every layer exactly.
  if (sized > layer_count || (sized < layer_count && sized + candidates != layer_count)) {
    return util::make_error(util::Errc::unsupported,
                            "the history of `" + reference + "` does not map onto its " +
                                std::to_string(layer_count) + " layers unambiguously");
  }
  oci::Json rebuilt = oci::Json::array();
  for (std::size_t i = 0; i < history.size(); ++i) {
    const oci::Json& entry = history[i];
    const bool layer =
        makes_layer[i] || (sized < layer_count && !metadata_only(entry.value("CreatedBy", "")));
    oci::Json item = oci::Json::object();
    if (auto created = entry.value("CreatedAt", ""); !created.empty()) item["created"] = created;
    item["created_by"] = entry.value("CreatedBy", "");
    if (auto comment = entry.value("Comment", ""); !comment.empty()) item["comment"] = comment;
    if (!layer) item["empty_layer"] = true;
    rebuilt.push_back(std::move(item));
  }
  return rebuilt;
}

}  // namespace

util::Result<EngineImage> read_engine_image(Engine& engine, const std::string& reference) {
  auto inspect = engine.inspect_image(reference);
  if (!inspect) return inspect.error();
  auto history = engine.image_history(reference);
  if (!history) return history.error();

  const oci::Json& rootfs = (*inspect)["RootFS"];
  if (!rootfs.is_object() || !rootfs.contains("Layers") || !rootfs["Layers"].is_array()) {
    return util::make_error(util::Errc::unsupported,
                            "`" + reference + "` has no layer list in docker image inspect");
  }
  const oci::Json& layers = rootfs["Layers"];
  auto rebuilt_history = rebuild_history(*history, layers.size(), reference);
  if (!rebuilt_history) return rebuilt_history.error();

  oci::Json config = oci::Json::object();
  config["architecture"] = inspect->value("Architecture", "");
  if (auto variant = inspect->value("Variant", ""); !variant.empty()) config["variant"] = variant;
  config["os"] = inspect->value("Os", "");
  if (auto version = inspect->value("OsVersion", ""); !version.empty()) config["os.version"] = version;
  config["created"] = inspect->value("Created", "");
  if (auto author = inspect->value("Author", ""); !author.empty()) config["author"] = author;
  if (auto version = inspect->value("DockerVersion", ""); !version.empty())
    config["docker_version"] = version;
  config["config"] = inspect->contains("Config") ? (*inspect)["Config"] : oci::Json::object();
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", layers}};
  config["history"] = *rebuilt_history;

  oci::Json manifest = {{"schemaVersion", 2}, {"mediaType", oci::media_type::oci_manifest}};
  const std::string config_bytes = oci::dump_json(config);
  manifest["config"] = {{"mediaType", oci::media_type::oci_config},
                        {"digest", oci::sha256_digest(config_bytes).str()},
                        {"size", config_bytes.size()}};
  manifest["layers"] = oci::Json::array();
  for (const auto& diff_id : layers) {
    manifest["layers"].push_back(
        {{"mediaType", oci::media_type::oci_layer}, {"digest", diff_id}, {"size", 0}});
  }
  const std::string manifest_bytes = oci::dump_json(manifest);
  oci::Descriptor descriptor;
  descriptor.media_type = oci::media_type::oci_manifest;
  descriptor.digest = oci::sha256_digest(manifest_bytes);
  descriptor.size = manifest_bytes.size();
  auto image = oci::Image::from_parts(std::make_shared<EngineBlobs>(reference), descriptor, manifest_bytes,
                                      config_bytes);
  if (!image) return image.error().with_context("rebuilding `" + reference + "` from docker image inspect");

  EngineImage engine_image;
  engine_image.image = std::move(*image);
  engine_image.id = inspect->value("Id", "");
  if (auto tags = inspect->find("RepoTags"); tags != inspect->end() && tags->is_array()) {
    for (const auto& tag : *tags) engine_image.tags.push_back(tag.get<std::string>());
  }
  return engine_image;
}

util::Status write_thin_archive(const oci::Image& image, const std::vector<std::string>& names,
                                const fs::path& path) {
  auto tags = oci::docker_repo_tags(names);
  if (!tags) return tags.error().with_context("writing `" + path.string() + "`: RepoTags");
  auto overlay = std::dynamic_pointer_cast<const oci::OverlaySource>(image.blobs);
  auto output = oci::AtomicFile::create(path);
  if (!output) return output.error();
  auto writer = oci::TarWriter::open(output->file(), oci::Compression::none, path.string());
  if (!writer) return writer.error();
  const std::string config_name = std::string(image.config_descriptor.digest.hex()) + ".json";
  if (auto ok = (*writer)->add_bytes(config_name, 0644, image.config_bytes, 0); !ok) return ok;
  oci::Json layers = oci::Json::array();
  for (const auto& layer : image.layers) {
    const std::string name = std::string(layer.digest.hex()) + "/layer.tar";
    layers.push_back(name);
    if (!overlay || overlay->added().count(layer.digest) == 0) continue;  // docker has it already
    auto stream = oci::open_blob(*image.blobs, layer);
    if (!stream) return stream.error();
    if (auto ok = (*writer)->add_stream(name, 0644, layer.size, **stream, 0); !ok) return ok;
  }
  oci::Json manifest = oci::Json::array();
  manifest.push_back({{"Config", config_name},
                      {"RepoTags", tags->empty() ? oci::Json(nullptr) : oci::Json(*tags)},
                      {"Layers", layers}});
  if (auto ok = (*writer)->add_bytes("manifest.json", 0644, oci::dump_json(manifest), 0); !ok) return ok;
  auto finished = (*writer)->finish();
  if (!finished) return finished.error();
  return output->commit();
}

util::Result<SavedImage> save_engine_image(Engine& engine, const std::string& reference,
                                           const fs::path& directory) {
  SavedImage saved;
  saved.archive = oci::TempPath{oci::temporary_sibling(directory / "saved.tar")};
  if (auto ok = engine.save_image(reference, saved.archive.path()); !ok) return ok.error();
  auto set = oci::read_docker_archive(saved.archive.path());
  if (!set) return set.error();
  saved.set = std::move(*set);
  return saved;
}

}  // namespace chalk::docker
