#include "plugin/docker/engine_image.hpp"

#include <algorithm>
#include <regex>

#include "oci/file_io.hpp"
#include "oci/mutate.hpp"
#include "oci/reference.hpp"

namespace chalk::docker {

namespace fs = std::filesystem;

namespace {

// Blobs of an image read from the engine. Read in the engine, its layers stay there and
// cannot be opened; read saved, they come from the saved archive, which this keeps.
class EngineBlobs final : public oci::BlobSource {
 public:
  EngineBlobs(std::string reference, std::shared_ptr<const oci::BlobSource> saved,
              std::shared_ptr<const oci::TempPath> archive)
      : m_reference(std::move(reference)), m_saved(std::move(saved)), m_archive(std::move(archive)) {}
  util::Result<std::unique_ptr<oci::ByteStream>> open_raw(const oci::Descriptor& descriptor) const override {
    if (m_saved) return m_saved->open_raw(descriptor);
    return util::make_error(util::Errc::not_found, "layer " + descriptor.digest.str() + " of `" +
                                                       m_reference +
                                                       "` is in the engine (the image was not saved)");
  }
  util::Result<std::optional<oci::FileRange>> open_range(const oci::Descriptor& descriptor) const override {
    if (m_saved) return m_saved->open_range(descriptor);
    return std::optional<oci::FileRange>();
  }
  [[nodiscard]] std::string describe() const override {
    return m_saved ? "engine image `" + m_reference + "` (saved)" : "engine image `" + m_reference + "`";
  }

 private:
  std::string m_reference;
  std::shared_ptr<const oci::BlobSource> m_saved;
  std::shared_ptr<const oci::TempPath> m_archive;
};

// The fields of `docker image inspect` read here, type-checked first: a broken or hostile
// engine gets one error line, never an exception.
util::Status check_inspect(const oci::Json& inspect, const std::string& reference) {
  const std::string what = "docker image inspect of `" + reference + "`";
  auto wrong = [&](const std::string& field, const char* expected) {
    return util::make_error(util::Errc::docker, what + ": " + field + " is not " + expected);
  };
  auto string_array = [](const oci::Json& value) {
    return value.is_array() &&
           std::all_of(value.begin(), value.end(), [](const oci::Json& v) { return v.is_string(); });
  };
  if (!inspect.is_object()) return wrong("the answer", "an object");
  for (const char* key :
       {"Id", "Architecture", "Variant", "Os", "OsVersion", "Created", "Author", "DockerVersion"}) {
    if (auto field = inspect.find(key); field != inspect.end() && !field->is_string())
      return wrong(key, "a string");
  }
  if (auto tags = inspect.find("RepoTags"); tags != inspect.end() && !tags->is_null() && !string_array(*tags))
    return wrong("RepoTags", "a list of names");
  if (auto config = inspect.find("Config");
      config != inspect.end() && !config->is_null() && !config->is_object())
    return wrong("Config", "an object");
  if (auto rootfs = inspect.find("RootFS"); rootfs != inspect.end()) {
    if (!rootfs->is_object()) return wrong("RootFS", "an object");
    if (auto layers = rootfs->find("Layers"); layers != rootfs->end() && !string_array(*layers))
      return wrong("RootFS.Layers", "a list of digests");
  }
  return {};
}

// The same for the history (oldest first, as Engine::image_history gives it).
util::Status check_history(const oci::Json& history, const std::string& reference) {
  const std::string what = "the history of `" + reference + "`";
  if (!history.is_array()) return util::make_error(util::Errc::docker, what + " is not a list");
  for (const auto& entry : history) {
    if (!entry.is_object()) return util::make_error(util::Errc::docker, what + ": an entry is not an object");
    for (const char* key : {"CreatedAt", "CreatedBy", "Comment"}) {
      if (auto field = entry.find(key); field != entry.end() && !field->is_string())
        return util::make_error(util::Errc::docker, what + ": an entry's " + key + " is not a string");
    }
    if (auto size = entry.find("Size"); size != entry.end() && !size->is_number() && !size->is_string())
      return util::make_error(util::Errc::docker, what + ": an entry's Size is not a number");
  }
  return {};
}

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

// The image's config rebuilt from inspect + history; its layers stay in the engine.
util::Result<oci::Node> rebuild_engine_image(const oci::Json& inspect, const oci::Json& history,
                                             const std::string& reference) {
  const oci::Json& rootfs = inspect["RootFS"];
  if (!rootfs.is_object() || !rootfs.contains("Layers") || !rootfs["Layers"].is_array()) {
    return util::make_error(util::Errc::unsupported,
                            "`" + reference + "` has no layer list in docker image inspect");
  }
  const oci::Json& layers = rootfs["Layers"];
  auto rebuilt_history = rebuild_history(history, layers.size(), reference);
  if (!rebuilt_history) return rebuilt_history.error();

  oci::Json config = oci::Json::object();
  config["architecture"] = inspect.value("Architecture", "");
  if (auto variant = inspect.value("Variant", ""); !variant.empty()) config["variant"] = variant;
  config["os"] = inspect.value("Os", "");
  if (auto version = inspect.value("OsVersion", ""); !version.empty()) config["os.version"] = version;
  config["created"] = inspect.value("Created", "");
  if (auto author = inspect.value("Author", ""); !author.empty()) config["author"] = author;
  if (auto version = inspect.value("DockerVersion", ""); !version.empty()) config["docker_version"] = version;
  config["config"] = inspect.contains("Config") ? inspect["Config"] : oci::Json::object();
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", layers}};
  config["history"] = *rebuilt_history;

  // The engine tells no layer's size: a layer here is known by its diff_id alone, which is
  // all docker load needs of a layer it holds (layers_in_engine, write_engine_image).
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
  auto image = oci::Image::from_parts(std::make_shared<EngineBlobs>(reference, nullptr, nullptr), descriptor,
                                      manifest_bytes, config_bytes);
  if (!image) return image.error().with_context("rebuilding `" + reference + "` from docker image inspect");
  return oci::Node{std::move(*image)};
}

// `docker save` into a temporary archive, read back; its images' blobs are the engine's.
util::Result<oci::Node> save_engine_image(Engine& engine, const std::string& reference,
                                          const fs::path& temp_directory) {
  auto archive = std::make_shared<oci::TempPath>(oci::temporary_sibling(temp_directory / "saved.tar"));
  if (auto ok = engine.save_image(reference, archive->path()); !ok) return ok.error();
  auto saved = oci::read_docker_archive(archive->path());
  if (!saved) return saved.error();
  if (saved->entries.size() != 1) {
    return util::make_error(
        util::Errc::invalid_format,
        "docker save of `" + reference + "` gave " + std::to_string(saved->entries.size()) + " images");
  }
  return oci::transform_images(saved->entries.front().node, [&](const oci::Image& image) {
    return oci::Image::from_parts(std::make_shared<EngineBlobs>(reference, image.blobs, archive),
                                  image.descriptor, image.manifest_bytes, image.config_bytes);
  });
}

}  // namespace

util::Result<EngineRead> read_engine_image(Engine& engine, const std::string& reference, EngineLayers layers,
                                           const fs::path& temp_directory) {
  auto inspect = engine.inspect_image(reference);
  if (!inspect) return inspect.error();
  CHALK_TRY(check_inspect(*inspect, reference));
  util::Result<oci::Node> node = util::make_error(util::Errc::unsupported, "");
  if (layers == EngineLayers::in_engine) {
    auto history = engine.image_history(reference);
    if (!history) return history.error();
    CHALK_TRY(check_history(*history, reference));
    node = rebuild_engine_image(*inspect, *history, reference);
    if (!node && node.error().code != util::Errc::unsupported) return node.error();
  }
  if (!node) node = save_engine_image(engine, inspect->value("Id", reference), temp_directory);
  if (!node) return node.error().with_context("reading engine image `" + reference + "`");
  EngineRead read;
  read.id = inspect->value("Id", "");
  read.set.format = oci::ImageSet::Format::docker_archive;
  oci::ImageSet::Entry entry{std::move(*node), {}};
  if (auto tags = inspect->find("RepoTags"); tags != inspect->end() && tags->is_array()) {
    for (const auto& tag : *tags) {
      if (tag.is_string() && oci::same_reference(tag.get<std::string>(), reference))
        entry.names.push_back(tag.get<std::string>());
    }
  }
  read.set.entries.push_back(std::move(entry));
  return read;
}

std::set<oci::Digest> layers_in_engine(const oci::Image& image) {
  const oci::BlobSource* base = image.blobs.get();
  const auto* overlay = dynamic_cast<const oci::OverlaySource*>(base);
  if (overlay != nullptr) base = overlay->base().get();
  std::set<oci::Digest> held;
  if (dynamic_cast<const EngineBlobs*>(base) == nullptr) return held;
  // A saved layer stored compressed (a containerd image store's save) is sent as it is.
  const auto diff_ids = image.diff_ids();
  for (std::size_t i = 0; i < image.layers.size() && i < diff_ids.size(); ++i) {
    const oci::Digest& digest = image.layers[i].digest;
    if ((overlay == nullptr || !overlay->added().contains(digest)) && digest.str() == diff_ids[i])
      held.insert(digest);
  }
  return held;
}

util::Result<std::string> write_engine_image(Engine& engine, const oci::ImageSet& set, EngineLoad load,
                                             const fs::path& temp_directory) {
  std::vector<const oci::Image*> images;
  for (const auto& entry : set.entries) oci::collect_images(entry.node, images);
  if (images.empty())
    return util::make_error(util::Errc::invalid_argument, "no image to load into the engine");
  std::set<oci::Digest> held;
  if (load == EngineLoad::thin) {
    for (const oci::Image* image : images) held.merge(layers_in_engine(*image));
  }
  if (auto valid = oci::validate(set, held); !valid) return valid.error().with_context("before docker load");

  oci::WriteOptions write;
  write.format = oci::ImageSet::Format::docker_archive;
  write.path = oci::temporary_sibling(temp_directory / "load.tar");
  write.held_by_destination = std::move(held);
  oci::TempPath archive{write.path};
  if (auto written = oci::write_image_set(set, write); !written) return written.error();
  if (auto loaded = engine.load_image(archive.path()); !loaded) return loaded.error();

  // The classic image store keeps the config digest as the image ID, the containerd store
  // the manifest's; either way the layers must be the config's diff_ids.
  const oci::Image& first = *images.front();
  const std::string config_id = first.config_descriptor.digest.str();
  const auto& names = set.entries.front().names;
  const std::string loaded = names.empty() ? config_id : names.front();
  auto inspect = engine.inspect_image(loaded);
  if (!inspect) return inspect.error().with_context("after docker load");
  if (auto checked = check_inspect(*inspect, loaded); !checked)
    return checked.error().with_context("after docker load");
  const std::string id = inspect->value("Id", "");
  oci::Json layers = oci::Json::array();
  if (auto rootfs = inspect->find("RootFS"); rootfs != inspect->end() && rootfs->is_object())
    layers = rootfs->value("Layers", oci::Json::array());
  if ((id != config_id && id != first.descriptor.digest.str()) || layers != oci::Json(first.diff_ids())) {
    return util::make_error(util::Errc::digest_mismatch, "after docker load: the engine's image " + id +
                                                             " is not the image written (config " +
                                                             config_id + ")");
  }
  return id;
}

}  // namespace chalk::docker
