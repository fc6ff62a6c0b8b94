#include "oci/formats.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "oci/file_io.hpp"
#include "oci/range_copy.hpp"
#include "oci/reference.hpp"
#include "oci/tar_index.hpp"
#include "oci/tar_writer.hpp"

namespace oci {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_layout_version = R"({"imageLayoutVersion":"1.0.0"})";
constexpr const char* k_ref_name = "org.opencontainers.image.ref.name";
constexpr const char* k_containerd_name = "io.containerd.image.name";

std::string blob_path(const Digest& digest) { return "blobs/sha256/" + std::string(digest.hex()); }

// Blobs in an OCI layout directory.
class DirectorySource final : public BlobSource {
 public:
  explicit DirectorySource(fs::path directory) : m_directory(std::move(directory)) {}
  Result<std::unique_ptr<ByteStream>> open_raw(const Descriptor& descriptor) const override {
    auto range = open_range(descriptor);
    if (!range) return range.error();
    return std::unique_ptr<ByteStream>(
        std::make_unique<FileRangeStream>((*range)->file, (*range)->offset, (*range)->size));
  }
  Result<std::optional<FileRange>> open_range(const Descriptor& descriptor) const override {
    auto file = File::open_read(m_directory / blob_path(descriptor.digest));
    if (!file && file.error().code == Errc::not_found) {
      return make_error(Errc::not_found,
                        "blob " + descriptor.digest.str() + " is missing from " + describe());
    }
    if (!file) return file.error().with_context("reading " + describe());
    auto size = file->size();
    if (!size) return size.error();
    return std::optional<FileRange>(FileRange{std::make_shared<const File>(std::move(*file)), 0, *size});
  }
  [[nodiscard]] std::string describe() const override { return "oci layout `" + m_directory.string() + "`"; }

 private:
  fs::path m_directory;
};

// Blobs inside a tar file: by explicit path (legacy docker archives) or blobs/sha256/<hex>.
class TarSource final : public BlobSource {
 public:
  TarSource(std::shared_ptr<const TarIndex> index, std::shared_ptr<const File> file, std::string description,
            std::map<Digest, std::string> paths)
      : m_index(std::move(index)),
        m_file(std::move(file)),
        m_description(std::move(description)),
        m_paths(std::move(paths)) {}
  Result<std::unique_ptr<ByteStream>> open_raw(const Descriptor& descriptor) const override {
    auto range = open_range(descriptor);
    if (!range) return range.error();
    return std::unique_ptr<ByteStream>(
        std::make_unique<FileRangeStream>((*range)->file, (*range)->offset, (*range)->size));
  }
  Result<std::optional<FileRange>> open_range(const Descriptor& descriptor) const override {
    auto mapped = m_paths.find(descriptor.digest);
    const std::string path = mapped != m_paths.end() ? mapped->second : blob_path(descriptor.digest);
    auto entry = m_index->find_file(path);
    if (!entry) {
      return make_error(Errc::not_found, "blob " + descriptor.digest.str() + " (`" + path +
                                             "`) is missing from " + describe());
    }
    return std::optional<FileRange>(FileRange{m_file, entry->data_offset, entry->size});
  }
  [[nodiscard]] std::string describe() const override { return m_description; }

 private:
  std::shared_ptr<const TarIndex> m_index;
  std::shared_ptr<const File> m_file;
  std::string m_description;
  std::map<Digest, std::string> m_paths;
};

// A tar archive's index and an open handle on it, shared by the blob sources reading it.
Result<std::pair<std::shared_ptr<const TarIndex>, std::shared_ptr<const File>>> open_tar(
    const fs::path& path) {
  auto index = TarIndex::read(path);
  if (!index) return index.error();
  auto file = File::open_read(path);
  if (!file) return file.error();
  return std::make_pair(std::make_shared<const TarIndex>(std::move(*index)),
                        std::make_shared<const File>(std::move(*file)));
}

Result<std::string> read_tar_small(const TarIndex& index, const File& file, std::string_view name) {
  auto entry = index.find_file(name);
  if (!entry) return entry.error();
  if (entry->size > k_max_metadata_blob) {
    return make_error(Errc::invalid_format, "`" + std::string(name) + "` in `" + index.path().string() +
                                                "` is " + std::to_string(entry->size) + " bytes, too large");
  }
  std::string bytes(static_cast<std::size_t>(entry->size), '\0');
  if (auto ok = file.read_at(entry->data_offset, bytes.data(), bytes.size()); !ok) return ok.error();
  return bytes;
}

// Reads index.json of a layout whose blobs are in `blobs`.
Result<ImageSet> read_layout(std::shared_ptr<const BlobSource> blobs, std::string_view index_bytes,
                             ImageSet::Format format) {
  const std::string where = "index.json in " + blobs->describe();
  auto index_json = parse_json(index_bytes, where);
  if (!index_json) return index_json.error();
  auto manifests = index_json->find("manifests");
  if (!index_json->is_object() || manifests == index_json->end()) {
    return make_error(Errc::invalid_format, where + ": no `manifests` array");
  }
  CHALK_TRY(expect_type(*manifests, JsonType::array, where, "manifests"));
  ImageSet set;
  set.format = format;
  set.blobs = blobs;
  NodeLoader loader(blobs);
  for (std::size_t i = 0; i < manifests->size(); ++i) {
    auto descriptor = Descriptor::from_json((*manifests)[i], where + ": manifest " + std::to_string(i));
    if (!descriptor) return descriptor.error();
    auto node = loader.load(*descriptor);
    if (!node) return node.error();
    ImageSet::Entry entry{std::move(*node), {}};
    if (auto name = ref_name_of(*descriptor); !name.empty()) entry.names.push_back(name);
    set.entries.push_back(std::move(entry));
  }
  set.index_json = std::move(*index_json);
  return set;
}

Result<Json> read_docker_manifest_json(const TarIndex& index, const File& file) {
  const std::string where = "manifest.json in `" + index.path().string() + "`";
  auto bytes = read_tar_small(index, file, "manifest.json");
  if (!bytes) return bytes.error();
  auto json = parse_json(*bytes, where);
  if (!json) return json.error();
  if (!json->is_array() || json->empty())
    return make_error(Errc::invalid_format, where + ": expected a non-empty array");
  for (std::size_t i = 0; i < json->size(); ++i) {
    const Json& item = (*json)[i];
    const std::string field = "[" + std::to_string(i) + "]";
    CHALK_TRY(expect_type(item, JsonType::object, where, field));
    if (!item.contains("Config") || !item.contains("Layers")) {
      return make_error(Errc::invalid_format, where + ": each entry needs `Config` and `Layers`");
    }
    CHALK_TRY(expect_type(item["Config"], JsonType::string, where, field + ".Config"));
    CHALK_TRY(expect_type(item["Layers"], JsonType::array, where, field + ".Layers"));
    CHALK_TRY(expect_elements(item["Layers"], JsonType::string, where, field + ".Layers"));
    auto tags = optional_member(item, "RepoTags", JsonType::array, where, field + ".RepoTags");
    if (!tags) return tags.error();
    if (*tags != nullptr) CHALK_TRY(expect_elements(**tags, JsonType::string, where, field + ".RepoTags"));
  }
  return json;
}

// The RepoTags of a manifest.json entry read_docker_manifest_json accepted.
std::vector<std::string> repo_tags(const Json& item) {
  std::vector<std::string> tags;
  if (auto it = item.find("RepoTags"); it != item.end() && it->is_array()) {
    for (const auto& tag : *it) tags.push_back(tag.get<std::string>());
  }
  return tags;
}

// A legacy archive's layer.tar is normally the uncompressed layer, named by its diff_id.
// docker load also accepts a gzip-compressed one (the diff_id is of what it decompresses
// to): that one is hashed as it is, and checked against the diff_id by decompressing it.
Result<Descriptor> legacy_layer_descriptor(const std::shared_ptr<const File>& file, const TarEntry& entry,
                                           const Digest& diff_id, const std::string& archive) {
  Descriptor layer;
  layer.media_type = media_type::oci_layer;
  layer.digest = diff_id;
  layer.size = entry.size;
  unsigned char magic[2] = {0, 0};
  if (entry.size < sizeof magic) return layer;
  CHALK_TRY(file->read_at(entry.data_offset, magic, sizeof magic));
  if (magic[0] != 0x1f || magic[1] != 0x8b) return layer;
  const std::string what = "layer `" + entry.name + "` in " + archive;
  FileRangeStream raw(file, entry.data_offset, entry.size);
  auto compressed = hash_stream(raw);
  if (!compressed) return compressed.error().with_context(what);
  auto stream =
      open_decompressed(std::make_unique<FileRangeStream>(file, entry.data_offset, entry.size), what);
  if (!stream) return stream.error();
  auto uncompressed = hash_stream(**stream);
  if (!uncompressed) return uncompressed.error();
  if (*uncompressed != diff_id) {
    return make_error(Errc::digest_mismatch, what + ": decompresses to " + uncompressed->str() +
                                                 ", not its diff_id " + diff_id.str());
  }
  layer.media_type = media_type::oci_layer_gzip;
  layer.digest = *compressed;
  return layer;
}

Result<ImageSet> read_legacy_docker_archive(const std::shared_ptr<const TarIndex>& index,
                                            const std::shared_ptr<const File>& file,
                                            const Json& manifest_json) {
  const std::string archive = "docker-archive `" + index->path().string() + "`";
  std::map<Digest, std::string> paths;
  struct Pending {
    std::string config_bytes;
    Json manifest;
    std::vector<std::string> names;
  };
  std::vector<Pending> pending;
  for (const auto& item : manifest_json) {
    const std::string config_path = item["Config"].get<std::string>();
    auto config_bytes = read_tar_small(*index, *file, config_path);
    if (!config_bytes) return config_bytes.error().with_context("reading " + archive);
    const Digest config_digest = sha256_digest(*config_bytes);
    const std::string config_what = "config `" + config_path + "` in " + archive;
    auto config = parse_json(*config_bytes, config_what);
    if (!config) return config.error();
    CHALK_TRY(check_image_config(*config, config_what));
    paths[config_digest] = config_path;

    const std::vector<std::string> diff_ids = config_diff_ids(*config);
    const Json& layers = item["Layers"];
    if (layers.size() != diff_ids.size()) {
      return make_error(Errc::invalid_format,
                        archive + ": manifest.json lists " + std::to_string(layers.size()) +
                            " layers but the config has " + std::to_string(diff_ids.size()) + " diff_ids");
    }
    Json manifest = Json::object();
    manifest["schemaVersion"] = 2;
    manifest["mediaType"] = media_type::oci_manifest;
    manifest["config"] = {{"mediaType", media_type::oci_config},
                          {"digest", config_digest.str()},
                          {"size", config_bytes->size()}};
    manifest["layers"] = Json::array();
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const std::string layer_path = layers[i].get<std::string>();
      auto entry = index->find_file(layer_path);
      if (!entry) return entry.error().with_context("reading " + archive);
      auto diff_id = Digest::parse(diff_ids[i]);
      if (!diff_id) return diff_id.error().with_context(archive + ": config diff_id");
      auto layer = legacy_layer_descriptor(file, *entry, *diff_id, archive);
      if (!layer) return layer.error();
      paths[layer->digest] = entry->name;
      manifest["layers"].push_back(layer->to_json());
    }
    pending.push_back({std::move(*config_bytes), std::move(manifest), repo_tags(item)});
  }
  auto source = std::make_shared<const TarSource>(index, file, archive, std::move(paths));
  ImageSet set;
  set.format = ImageSet::Format::docker_archive;
  set.blobs = source;
  for (auto& item : pending) {
    const std::string manifest_bytes = dump_json(item.manifest);
    Descriptor descriptor;
    descriptor.media_type = media_type::oci_manifest;
    descriptor.digest = sha256_digest(manifest_bytes);
    descriptor.size = manifest_bytes.size();
    descriptor.raw = Json::object();
    auto image = Image::from_parts(source, descriptor, manifest_bytes, std::move(item.config_bytes));
    if (!image) return image.error();
    set.entries.push_back({Node{std::move(*image)}, std::move(item.names)});
  }
  set.index_json = {{"schemaVersion", 2}, {"mediaType", media_type::oci_index}, {"manifests", Json::array()}};
  return set;
}

// The image an archive's manifest.json should list for a node: itself, or an index's
// first runnable platform.
const Image* primary_image(const Node& node) {
  if (node.is_image()) return &node.image();
  for (const auto& child : node.index().children) {
    if (is_attestation(child)) continue;
    if (const Image* image = primary_image(child)) return image;
  }
  return nullptr;
}

// A Docker 25+ archive describes its images twice: index.json (what we read and write)
// and manifest.json (what docker load reads). Each manifest.json entry must name the
// config of an image in index.json, and each index.json entry must have an image listed
// in manifest.json; otherwise what we would check or chalk is not what docker loads.
// Configs are compared (docker checks the layers against the config's diff_ids).
Status check_descriptions_agree(const ImageSet& set, const Json& manifest_json, const fs::path& path) {
  const std::string where = "docker-archive `" + path.string() + "`";
  std::set<std::string> index_configs;
  for (const auto& entry : set.entries) {
    std::vector<const Image*> images;
    collect_images(entry.node, images);
    for (const Image* image : images) index_configs.insert(blob_path(image->config_descriptor.digest));
  }
  std::set<std::string> listed_configs;
  for (std::size_t i = 0; i < manifest_json.size(); ++i) {
    const std::string config = manifest_json[i]["Config"].get<std::string>();
    const std::string normalized = normalize_archive_path(config).value_or(config);
    if (index_configs.count(normalized) == 0) {
      return make_error(Errc::invalid_format,
                        where + ": manifest.json and index.json describe different images " +
                            "(manifest.json entry " + std::to_string(i) + " has config `" + config +
                            "`, which no image in index.json has; docker load reads manifest.json)");
    }
    listed_configs.insert(normalized);
  }
  for (std::size_t i = 0; i < set.entries.size(); ++i) {
    std::vector<const Image*> images;
    collect_images(set.entries[i].node, images);
    const bool listed = std::any_of(images.begin(), images.end(), [&](const Image* image) {
      return listed_configs.count(blob_path(image->config_descriptor.digest)) != 0;
    });
    if (!listed) {
      return make_error(Errc::invalid_format,
                        where + ": manifest.json and index.json describe different images " +
                            "(index.json entry " + std::to_string(i) +
                            " has no image in manifest.json; docker load reads manifest.json)");
    }
  }
  return {};
}

}  // namespace

std::string ref_name_of(const Descriptor& descriptor) {
  auto annotations = descriptor.raw.find("annotations");
  if (annotations == descriptor.raw.end() || !annotations->is_object()) return "";
  for (const char* key : {k_containerd_name, k_ref_name}) {
    if (auto it = annotations->find(key); it != annotations->end() && it->is_string())
      return it->get<std::string>();
  }
  return "";
}

std::string ImageRef::str() const {
  std::string text = format_name(format) + ":" + path.string();
  if (!tag.empty()) text += ":" + tag;
  return text;
}

Result<ImageRef> parse_image_ref(const std::string& text) {
  ImageRef ref;
  auto split_tag = [&](std::string rest) {
    // oci:DIR:TAG - the tag is after the last ':' unless that leaves an existing path whole.
    const auto colon = rest.rfind(':');
    if (colon != std::string::npos && !fs::exists(status_of(rest)) &&
        rest.find('/', colon) == std::string::npos) {
      ref.tag = rest.substr(colon + 1);
      rest.resize(colon);
    }
    ref.path = rest;
  };
  if (text.rfind("docker-archive:", 0) == 0) {
    ref.format = ImageSet::Format::docker_archive;
    ref.path = text.substr(15);
  } else if (text.rfind("oci-archive:", 0) == 0) {
    ref.format = ImageSet::Format::oci_archive;
    split_tag(text.substr(12));
  } else if (text.rfind("oci:", 0) == 0) {
    ref.format = ImageSet::Format::oci_layout;
    split_tag(text.substr(4));
  } else {
    ref.path = text;
    std::error_code error;
    const auto status = fs::status(ref.path, error);
    if (error || !fs::exists(status))
      return make_error(Errc::not_found, "`" + text + "`: no such file or directory");
    if (fs::is_directory(status)) {
      ref.format = ImageSet::Format::oci_layout;
    } else {
      auto index = TarIndex::read(ref.path);
      if (!index) return index.error();
      if (index->contains("manifest.json")) {
        ref.format = ImageSet::Format::docker_archive;
      } else if (index->contains("index.json")) {
        ref.format = ImageSet::Format::oci_archive;
      } else {
        return make_error(
            Errc::invalid_format,
            "`" + text + "`: a tar with neither manifest.json nor index.json is not an image archive");
      }
    }
  }
  if (ref.path.empty()) return make_error(Errc::invalid_argument, "`" + text + "`: no path given");
  return ref;
}

Result<OutputRef> parse_output_ref(const std::string& text) {
  static const std::pair<std::string_view, ImageSet::Format> k_transports[] = {
      {"docker-archive:", ImageSet::Format::docker_archive},
      {"oci-archive:", ImageSet::Format::oci_archive},
      {"oci:", ImageSet::Format::oci_layout},
  };
  OutputRef out;
  std::string path = text;
  for (const auto& [prefix, format] : k_transports) {
    if (text.rfind(prefix, 0) == 0) {
      out.format = format;
      path = text.substr(prefix.size());
      break;
    }
  }
  if (out.format && fs::path(path).filename().string().find(':') != std::string::npos) {
    return make_error(Errc::invalid_argument,
                      "output `" + text +
                          "`: an output takes no `:TAG` (it keeps the input's names); "
                          "name the file or directory only");
  }
  if (path.empty()) return make_error(Errc::invalid_argument, "output `" + text + "`: no path given");
  out.path = path;
  return out;
}

Result<ImageSet> read_oci_layout(const fs::path& directory) {
  const std::string what = "oci layout `" + directory.string() + "`";
  const auto status = status_of(directory);
  if (!fs::exists(status)) return make_error(Errc::not_found, what + ": no such directory");
  if (!fs::is_directory(status)) return make_error(Errc::not_found, what + ": not a directory");
  auto layout = read_small_file(directory / "oci-layout", 4096);
  if (!layout) return layout.error().with_context("reading " + what);
  auto index_bytes = read_small_file(directory / "index.json", k_max_metadata_blob);
  if (!index_bytes) return index_bytes.error().with_context("reading " + what);
  return read_layout(std::make_shared<const DirectorySource>(directory), *index_bytes,
                     ImageSet::Format::oci_layout);
}

Result<ImageSet> read_oci_archive(const fs::path& path) {
  auto opened = open_tar(path);
  if (!opened) return opened.error();
  auto& [shared_index, shared_file] = *opened;
  auto index_bytes = read_tar_small(*shared_index, *shared_file, "index.json");
  if (!index_bytes) return index_bytes.error().with_context("reading oci-archive `" + path.string() + "`");
  auto source = std::make_shared<const TarSource>(
      shared_index, shared_file, "oci-archive `" + path.string() + "`", std::map<Digest, std::string>{});
  return read_layout(source, *index_bytes, ImageSet::Format::oci_archive);
}

Result<ImageSet> read_docker_archive(const fs::path& path) {
  auto opened = open_tar(path);
  if (!opened) return opened.error();
  auto& [shared_index, shared_file] = *opened;
  auto manifest_json = read_docker_manifest_json(*shared_index, *shared_file);
  if (!manifest_json) return manifest_json.error();
  if (!shared_index->contains("index.json"))
    return read_legacy_docker_archive(shared_index, shared_file, *manifest_json);

  // Docker 25+: the OCI layout inside is the truth; manifest.json adds the tags.
  auto index_bytes = read_tar_small(*shared_index, *shared_file, "index.json");
  if (!index_bytes) return index_bytes.error();
  auto source = std::make_shared<const TarSource>(
      shared_index, shared_file, "docker-archive `" + path.string() + "`", std::map<Digest, std::string>{});
  auto set = read_layout(source, *index_bytes, ImageSet::Format::docker_archive);
  if (!set) return set;
  CHALK_TRY(check_descriptions_agree(*set, *manifest_json, path));
  std::map<std::string, std::vector<std::string>> tags_by_config;
  for (const auto& item : *manifest_json) {
    auto config_path = normalize_archive_path(item["Config"].get<std::string>());
    if (config_path) tags_by_config[*config_path] = repo_tags(item);
  }
  for (auto& entry : set->entries) {
    if (const Image* image = primary_image(entry.node)) {
      auto tags = tags_by_config.find(blob_path(image->config_descriptor.digest));
      if (tags != tags_by_config.end() && !tags->second.empty()) entry.names = tags->second;
    }
  }
  return set;
}

Result<ImageSet> read_image_set(const ImageRef& ref) {
  Result<ImageSet> set = [&]() -> Result<ImageSet> {
    switch (ref.format) {
      case ImageSet::Format::docker_archive:
        return read_docker_archive(ref.path);
      case ImageSet::Format::oci_archive:
        return read_oci_archive(ref.path);
      case ImageSet::Format::oci_layout:
        return read_oci_layout(ref.path);
    }
    return make_error(Errc::invalid_argument, "unknown format");
  }();
  if (!set || ref.tag.empty()) return set;
  // Keep the set whole (other tags pass through unchanged) but make sure the tag exists.
  const bool found = std::any_of(set->entries.begin(), set->entries.end(), [&](const ImageSet::Entry& entry) {
    const auto name = ref_name_of(entry.node.descriptor());
    return name == ref.tag || (name.size() > ref.tag.size() && name.ends_with(":" + ref.tag));
  });
  if (!found) return make_error(Errc::not_found, ref.str() + ": no image tagged `" + ref.tag + "`");
  return set;
}

namespace {

// The path an output really names: a symbolic link's target (so `insert link.tar`
// chalks what the link names and the link stays), otherwise the path itself.
Result<fs::path> resolve_output(const fs::path& path) {
  std::error_code error;
  if (!fs::is_symlink(fs::symlink_status(path, error))) return path;
  auto target = fs::canonical(path, error);
  if (error)
    return make_error(Errc::invalid_argument, "output `" + path.string() + "`: a symbolic link to nothing");
  return target;
}

// Every blob an ImageSet references, once, in a stable order: layers and configs first,
// then manifests and indexes (children before parents).
struct BlobPlan {
  struct Item {
    Descriptor descriptor;
    const BlobSource* source = nullptr;  // stream from here, unless bytes are set
    std::optional<std::string> bytes;
  };
  std::vector<Item> items;
  std::set<Digest> seen;

  void add_bytes(const Descriptor& descriptor, const std::string& bytes) {
    if (seen.insert(descriptor.digest).second) items.push_back({descriptor, nullptr, bytes});
  }
  void add_stream(const Descriptor& descriptor, const BlobSource& source) {
    if (seen.insert(descriptor.digest).second) items.push_back({descriptor, &source, std::nullopt});
  }
  void add_node(const Node& node) {
    // A manifest or index referenced again adds nothing (and its subtree was walked).
    if (seen.count(node.descriptor().digest) != 0) return;
    if (node.is_image()) {
      const Image& image = node.image();
      for (const auto& layer : image.layers) add_stream(layer, *image.blobs);
      add_bytes(image.config_descriptor, image.config_bytes);
      add_bytes(image.descriptor, image.manifest_bytes);
      return;
    }
    for (const auto& child : node.index().children) add_node(child);
    add_bytes(node.index().descriptor, node.index().bytes);
  }
};

Json top_index_json(const ImageSet& set) {
  Json index = set.index_json.is_object() ? set.index_json : Json::object();
  if (!index.contains("schemaVersion")) index["schemaVersion"] = 2;
  if (!index.contains("mediaType")) index["mediaType"] = media_type::oci_index;
  index["manifests"] = Json::array();
  for (const auto& entry : set.entries) {
    Json descriptor = entry.node.descriptor().to_json();
    if (!entry.names.empty() && ref_name_of(entry.node.descriptor()).empty()) {
      const std::string& name = entry.names.front();
      const auto colon = name.rfind(':');
      descriptor["annotations"][k_containerd_name] = name;
      descriptor["annotations"][k_ref_name] =
          colon != std::string::npos && name.find('/', colon) == std::string::npos ? name.substr(colon + 1)
                                                                                   : name;
    }
    index["manifests"].push_back(std::move(descriptor));
  }
  return index;
}

Result<Json> docker_manifest_json(const ImageSet& set) {
  Json manifest = Json::array();
  for (const auto& entry : set.entries) {
    const Image* image = primary_image(entry.node);
    if (image == nullptr) continue;
    auto tags = docker_repo_tags(entry.names);
    if (!tags) return tags.error().with_context("manifest.json: RepoTags");
    Json item = Json::object();
    item["Config"] = blob_path(image->config_descriptor.digest);
    item["RepoTags"] = tags->empty() ? Json(nullptr) : Json(*tags);
    item["Layers"] = Json::array();
    for (const auto& layer : image->layers) item["Layers"].push_back(blob_path(layer.digest));
    manifest.push_back(std::move(item));
  }
  return manifest;
}

// `repositories` of legacy archives: {"repo": {"tag": "<top layer id>"}}; docker load
// only needs it for old clients, so it is written when tags exist.
std::optional<Json> docker_repositories_json(const ImageSet& set) {
  Json repositories = Json::object();
  for (const auto& entry : set.entries) {
    const Image* image = primary_image(entry.node);
    if (image == nullptr || image->layers.empty()) continue;
    for (const auto& name : entry.names) {
      auto ref = parse_reference(name);
      if (!ref || ref->tag.empty() || !ref->digest.empty())
        continue;  // docker_manifest_json refused or skipped it
      repositories[ref->familiar_name()][ref->tag] = std::string(image->layers.back().digest.hex());
    }
  }
  if (repositories.empty()) return std::nullopt;
  return repositories;
}

// The local file of a blob a mutation built (hashed as it was written, or kept in the layer
// cache under its digest), or null for any other blob: those are not read again to be checked.
const LocalBlob* built_blob(const BlobPlan::Item& item) {
  const auto* overlay = dynamic_cast<const OverlaySource*>(item.source);
  if (overlay == nullptr) return nullptr;
  const auto added = overlay->added().find(item.descriptor.digest);
  return added == overlay->added().end() ? nullptr : added->second.get();
}

// Hard-links a blob built by a mutation into place and returns it; nullptr when it is not
// such a blob or linking is impossible (another filesystem), so the caller copies instead.
const LocalBlob* link_local_blob(const BlobPlan::Item& item, const fs::path& target) {
  const LocalBlob* built = built_blob(item);
  return built != nullptr && ::link(built->path().c_str(), target.c_str()) == 0 ? built : nullptr;
}

Status write_archive(const ImageSet& set, const WriteOptions& options) {
  const std::string what = options.path.string();
  // Before any blob is copied: names docker load would refuse fail the write at once.
  Result<Json> docker_manifest = Json::array();
  if (options.format == ImageSet::Format::docker_archive) docker_manifest = docker_manifest_json(set);
  if (!docker_manifest) return docker_manifest.error().with_context("writing docker-archive `" + what + "`");
  BlobPlan plan;
  plan.seen = options.held_by_destination;
  for (const auto& entry : set.entries) plan.add_node(entry.node);
  auto output = AtomicFile::create(options.path);
  if (!output) return output.error();
  auto writer = TarWriter::open(output->file(), Compression::none, what);
  if (!writer) return writer.error();
  std::uint64_t done = 0;
  constexpr std::int64_t k_mtime = 0;
  RangeVerifier verifier;
  for (const auto& item : plan.items) {
    CHALK_TRY(verifier.failed_so_far());
    const std::string name = blob_path(item.descriptor.digest);
    const std::uint64_t base = done;
    auto progress = [&](std::uint64_t bytes) {
      if (options.progress) options.progress(base + bytes);
    };
    if (item.bytes) {
      if (auto ok = (*writer)->add_bytes(name, 0644, *item.bytes, k_mtime); !ok) return ok;
    } else {
      auto range = item.source->open_range(item.descriptor);
      if (!range) return range.error();
      if (*range) {
        // The kernel copies the layer while a pool thread checks the same source range
        // (whichever reads a page first brings it into the page cache for the other).
        const std::string blob = describe_blob(*item.source, item.descriptor);
        if ((*range)->size != item.descriptor.size) return verify_range(**range, item.descriptor, blob);
        if (built_blob(item) == nullptr) verifier.submit(**range, item.descriptor, blob);
        CHALK_TRY((*writer)->add_file_range(name, 0644, **range, k_mtime, progress));
      } else {
        auto stream = open_blob(*item.source, item.descriptor);
        if (!stream) return stream.error();
        CHALK_TRY((*writer)->add_stream(name, 0644, item.descriptor.size, **stream, k_mtime, progress));
      }
    }
    done += item.descriptor.size;
  }
  CHALK_TRY(verifier.finish());
  if (auto ok = (*writer)->add_bytes("oci-layout", 0644, k_layout_version, k_mtime); !ok) return ok;
  if (auto ok = (*writer)->add_bytes("index.json", 0644, dump_json(top_index_json(set)), k_mtime); !ok)
    return ok;
  if (options.format == ImageSet::Format::docker_archive) {
    if (auto ok = (*writer)->add_bytes("manifest.json", 0644, dump_json(*docker_manifest), k_mtime); !ok)
      return ok;
    if (auto repositories = docker_repositories_json(set)) {
      if (auto ok = (*writer)->add_bytes("repositories", 0644, dump_json(*repositories), k_mtime); !ok)
        return ok;
    }
  }
  auto finished = (*writer)->finish();
  if (!finished) return finished.error();
  return output->commit();
}

// The new files of a layout update (its blobs, then index.json), committed into place in the
// order added. When durable (an update in place), they are flushed to disk together before
// any is renamed in: fsyncs issued at once share one journal commit (ext4, xfs), so three new
// blobs and the index cost one flush, not four, and still no name appears before its data is
// on disk. At most k_most_open files wait.
class NewBlobs {
 public:
  explicit NewBlobs(bool durable) : m_durable(durable) {}
  Status add(AtomicFile file) {
    if (!m_durable) return file.commit();
    m_files.push_back(std::move(file));
    return m_files.size() + m_linked.size() >= k_most_open ? flush() : Status{};
  }
  // A new file at `path` holding `bytes`.
  Status add_bytes(const fs::path& path, std::string_view bytes) {
    auto file = AtomicFile::create(path);
    if (!file) return file.error();
    CHALK_TRY(file->file().write_all(bytes));
    return add(std::move(*file));
  }
  // A blob hard-linked in (its name exists already; its data is flushed with the others).
  Status add_linked(const fs::path& path) {
    if (!m_durable) return {};
    m_linked.push_back(path);
    return m_files.size() + m_linked.size() >= k_most_open ? flush() : Status{};
  }
  Status flush() {
    const std::size_t count = m_files.size() + m_linked.size();
    if (count == 0) return {};
    std::vector<std::optional<Error>> failures(count);
    {
      // A flush waits on the disk, not on a core: a thread per file lets them overlap.
      WorkerPool pool(static_cast<unsigned>(std::min(count, k_most_flushing)));
      for (std::size_t i = 0; i < m_files.size(); ++i) {
        pool.submit([this, i, &failures] {
          if (auto ok = m_files[i].file().sync(); !ok) failures[i] = ok.error();
        });
      }
      for (std::size_t i = 0; i < m_linked.size(); ++i) {
        pool.submit([this, i, &failures, slot = m_files.size() + i] {
          auto file = File::open_read(m_linked[i]);
          Status ok = file ? file->sync() : Status{file.error()};
          if (!ok) failures[slot] = ok.error();
        });
      }
      pool.wait();
    }
    for (const auto& failure : failures) {
      if (failure) return *failure;
    }
    for (auto& file : m_files) CHALK_TRY(file.commit());
    m_files.clear();
    m_linked.clear();
    return {};
  }

 private:
  static constexpr std::size_t k_most_open = 64;
  static constexpr std::size_t k_most_flushing = 16;
  bool m_durable;
  std::vector<AtomicFile> m_files;
  std::vector<fs::path> m_linked;
};

// An existing layout is updated in place: new blobs first (flushed to disk), index.json
// replaced last, so a crash leaves the previous image intact. A new layout is written in a
// temporary sibling directory renamed into place at the end: all or nothing.
Status write_layout(const ImageSet& set, const WriteOptions& options) {
  BlobPlan plan;
  for (const auto& entry : set.entries) plan.add_node(entry.node);
  const fs::path& destination = options.path;
  const bool in_place = fs::exists(status_of(destination / "index.json"));
  std::error_code error;
  const auto destination_status = status_of(destination);
  if (!in_place && fs::exists(destination_status) &&
      !(fs::is_directory(destination_status) && fs::is_empty(destination, error))) {
    return make_error(Errc::invalid_argument,
                      "`" + destination.string() + "` exists and is not an OCI layout");
  }
  fs::path directory = destination;
  TempPath cleanup;
  if (!in_place) {
    const fs::path named = destination.has_filename() ? destination : destination.parent_path();
    sweep_stale_temporaries(named.has_parent_path() ? named.parent_path() : fs::path("."));
    directory = temporary_sibling(named);
    cleanup = TempPath{directory};
  }
  fs::create_directories(directory / "blobs" / "sha256", error);
  if (error)
    return make_error(Errc::io,
                      "creating `" + (directory / "blobs/sha256").string() + "`: " + error.message());
  std::uint64_t done = 0;
  NewBlobs new_blobs(in_place);
  for (const auto& item : plan.items) {
    const fs::path target = directory / blob_path(item.descriptor.digest);
    struct stat info {};
    // A blob already present under its digest name is that blob: content addressing
    // is what makes an in-place update cheap (no existing layer is read).
    if (::stat(target.c_str(), &info) == 0 &&
        static_cast<std::uint64_t>(info.st_size) == item.descriptor.size) {
      done += item.descriptor.size;
      continue;
    }
    if (item.bytes) {
      CHALK_TRY(new_blobs.add_bytes(target, *item.bytes));
    } else if (const LocalBlob* linked = link_local_blob(item, target)) {
      // a blob we just built, on the same filesystem: linked, not copied (and not flushed
      // again when it is the layer cache's, flushed when it was kept)
      if (!linked->flushed()) CHALK_TRY(new_blobs.add_linked(target));
    } else {
      auto range = item.source->open_range(item.descriptor);
      if (!range) return range.error();
      auto output = AtomicFile::create(target);
      if (!output) return output.error();
      if (*range) {
        // Checked before the copy: once committed, a blob's name vouches for its bytes.
        CHALK_TRY(verify_range(**range, item.descriptor, describe_blob(*item.source, item.descriptor)));
        CHALK_TRY(copy_range(**range, output->file()));
      } else {
        auto stream = open_blob(*item.source, item.descriptor);
        if (!stream) return stream.error();
        auto copied = copy_stream(**stream, output->file());
        if (!copied) return copied.error();
      }
      CHALK_TRY(new_blobs.add(std::move(*output)));
    }
    done += item.descriptor.size;
    if (options.progress) options.progress(done);
  }
  if (!fs::exists(status_of(directory / "oci-layout"))) {
    CHALK_TRY(new_blobs.add_bytes(directory / "oci-layout", k_layout_version));
  }
  // Last into the last batch: flushed alongside the new blobs, renamed after them.
  CHALK_TRY(new_blobs.add_bytes(directory / "index.json", dump_json(top_index_json(set))));
  CHALK_TRY(new_blobs.flush());
  if (in_place) return {};
  if (fs::exists(destination_status)) fs::remove(destination, error);  // an empty directory, checked above
  fs::rename(directory, destination, error);
  if (error) return make_error(Errc::io, "renaming into `" + destination.string() + "`: " + error.message());
  cleanup.release();
  return {};
}

}  // namespace

Status check_output(ImageSet::Format format, const fs::path& path) {
  auto resolved = resolve_output(path);
  if (!resolved) return resolved.error();
  const std::string what = "output `" + path.string() + "`";
  struct stat info {};
  if (::stat(resolved->c_str(), &info) != 0) {
    if (errno != ENOENT) return make_error(Errc::io, what + ": " + errno_text(errno));
    const fs::path parent = resolved->has_parent_path() ? resolved->parent_path() : fs::path(".");
    struct stat parent_info {};
    if (::stat(parent.c_str(), &parent_info) != 0) {
      return make_error(Errc::invalid_argument,
                        what + ": directory `" + parent.string() + "` does not exist");
    }
    if (!S_ISDIR(parent_info.st_mode)) {
      return make_error(Errc::invalid_argument, what + ": `" + parent.string() + "` is not a directory");
    }
    return {};
  }
  if (format != ImageSet::Format::oci_layout) {
    if (!S_ISREG(info.st_mode)) {
      return make_error(Errc::invalid_argument,
                        what + " is " + describe_file_type(info.st_mode) + ", not a regular file");
    }
    return {};
  }
  if (!S_ISDIR(info.st_mode)) {
    return make_error(Errc::invalid_argument,
                      what + " is " + describe_file_type(info.st_mode) + ", not a directory");
  }
  for (const char* inside : {"blobs", "blobs/sha256"}) {
    struct stat link {};
    if (::lstat((*resolved / inside).c_str(), &link) == 0 && !S_ISDIR(link.st_mode)) {
      return make_error(Errc::invalid_argument,
                        what + ": `" + inside + "` is " + describe_file_type(link.st_mode) +
                            ", not a directory (writes would land outside the layout)");
    }
  }
  return {};
}

Status write_image_set(const ImageSet& set, const WriteOptions& options) {
  if (!options.held_by_destination.empty() && options.format != ImageSet::Format::docker_archive) {
    return make_error(Errc::invalid_argument, "writing " + format_name(options.format) + " `" +
                                                  options.path.string() +
                                                  "`: only a docker-archive may leave out blobs");
  }
  CHALK_TRY(check_output(options.format, options.path));
  auto resolved = resolve_output(options.path);
  if (!resolved) return resolved.error();
  WriteOptions resolved_options = options;
  resolved_options.path = *resolved;
  if (options.format == ImageSet::Format::oci_layout) return write_layout(set, resolved_options);
  return write_archive(set, resolved_options);
}

}  // namespace oci
