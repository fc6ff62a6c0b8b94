#include "oci/image.hpp"

#include <set>

namespace oci {

std::string Platform::str() const {
  std::string text = os + "/" + architecture;
  const bool default_variant =
      (architecture == "amd64" && variant == "v1") || (architecture == "arm64" && variant == "v8");
  if (!variant.empty() && !default_variant) text += "/" + variant;
  return text;
}

Result<Image> Image::from_parts(std::shared_ptr<const BlobSource> blobs, Descriptor descriptor,
                                std::string manifest_bytes, std::string config_bytes) {
  const std::string where = "manifest " + descriptor.digest.str() + " in " + blobs->describe();
  auto manifest = parse_json(manifest_bytes, where);
  if (!manifest) return manifest.error();
  if (!manifest->is_object()) return make_error(Errc::invalid_format, where + ": expected an object");
  auto type = optional_member(*manifest, "mediaType", JsonType::string, where, "mediaType");
  if (!type) return type.error();
  if (*type != nullptr && !is_manifest_media_type((*type)->get<std::string>())) {
    return make_error(Errc::unsupported,
                      where + ": unsupported media type `" + (*type)->get<std::string>() + "`");
  }
  if (auto annotations = optional_member(*manifest, "annotations", JsonType::object, where, "annotations");
      !annotations) {
    return annotations.error();
  } else if (*annotations != nullptr) {
    CHALK_TRY(expect_members(**annotations, JsonType::string, where, "annotations"));
  }
  auto config_json = manifest->find("config");
  if (config_json == manifest->end())
    return make_error(Errc::invalid_format, where + ": no `config` descriptor");
  auto config_descriptor = Descriptor::from_json(*config_json, where + ": config");
  if (!config_descriptor) return config_descriptor.error();
  std::vector<Descriptor> layers;
  auto list = optional_member(*manifest, "layers", JsonType::array, where, "layers");
  if (!list) return list.error();
  if (*list != nullptr) {
    for (std::size_t i = 0; i < (*list)->size(); ++i) {
      auto layer = Descriptor::from_json((**list)[i], where + ": layer " + std::to_string(i));
      if (!layer) return layer.error();
      layers.push_back(std::move(*layer));
    }
  }
  if (config_bytes.empty()) {
    auto read = read_blob(*blobs, *config_descriptor);
    if (!read) return read.error();
    config_bytes = std::move(*read);
  }
  const std::string config_what = "config " + config_descriptor->digest.str() + " in " + blobs->describe();
  auto config = parse_json(config_bytes, config_what);
  if (!config) return config.error();
  CHALK_TRY(check_image_config(*config, config_what));

  Image image;
  image.descriptor = std::move(descriptor);
  image.manifest_bytes = std::move(manifest_bytes);
  image.manifest = std::move(*manifest);
  image.config_descriptor = std::move(*config_descriptor);
  image.config_bytes = std::move(config_bytes);
  image.config = std::move(*config);
  image.layers = std::move(layers);
  image.blobs = std::move(blobs);
  const auto diff_ids = image.diff_ids();
  if (diff_ids.size() != image.layers.size()) {
    return make_error(Errc::invalid_format, where + ": " + std::to_string(image.layers.size()) +
                                                " layers but " + std::to_string(diff_ids.size()) +
                                                " diff_ids in its config");
  }
  return image;
}

Result<Image> Image::load(std::shared_ptr<const BlobSource> blobs, const Descriptor& descriptor) {
  auto bytes = read_blob(*blobs, descriptor);
  if (!bytes) return bytes.error();
  return from_parts(std::move(blobs), descriptor, std::move(*bytes), {});
}

Platform Image::platform() const {
  Platform platform;
  auto text = [&](const char* key) {
    auto it = config.find(key);
    return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  platform.os = text("os");
  platform.architecture = text("architecture");
  platform.variant = text("variant");
  return platform;
}

std::vector<std::string> Image::diff_ids() const { return config_diff_ids(config); }

std::vector<std::string> config_diff_ids(const Json& config) {
  std::vector<std::string> ids;
  auto rootfs = config.find("rootfs");
  if (rootfs == config.end() || !rootfs->is_object()) return ids;
  auto list = rootfs->find("diff_ids");
  if (list == rootfs->end() || !list->is_array()) return ids;
  for (const auto& id : *list) ids.push_back(id.get<std::string>());
  return ids;
}

namespace {

// Entrypoint and Cmd: Docker accepts a string or a list of strings (its strslice).
Status check_command(const Json& container, const char* key, std::string_view what) {
  const auto it = container.find(key);
  if (it == container.end() || it->is_null() || it->is_string()) return {};
  const std::string field = std::string("config.") + key;
  CHALK_TRY(expect_type(*it, JsonType::array, what, field));
  return expect_elements(*it, JsonType::string, what, field);
}

Status check_container_config(const Json& config, std::string_view what) {
  auto container = optional_member(config, "config", JsonType::object, what, "config");
  if (!container) return container.error();
  if (*container == nullptr) return {};
  auto labels = optional_member(**container, "Labels", JsonType::object, what, "config.Labels");
  if (!labels) return labels.error();
  if (*labels != nullptr) CHALK_TRY(expect_members(**labels, JsonType::string, what, "config.Labels"));
  CHALK_TRY(check_command(**container, "Entrypoint", what));
  CHALK_TRY(check_command(**container, "Cmd", what));
  auto on_build = optional_member(**container, "OnBuild", JsonType::array, what, "config.OnBuild");
  if (!on_build) return on_build.error();
  if (*on_build != nullptr) CHALK_TRY(expect_elements(**on_build, JsonType::string, what, "config.OnBuild"));
  auto user = optional_member(**container, "User", JsonType::string, what, "config.User");
  if (!user) return user.error();
  return {};
}

Status check_history(const Json& config, std::string_view what) {
  auto history = optional_member(config, "history", JsonType::array, what, "history");
  if (!history) return history.error();
  if (*history == nullptr) return {};
  for (std::size_t i = 0; i < (*history)->size(); ++i) {
    const Json& entry = (**history)[i];
    const std::string field = "history[" + std::to_string(i) + "]";
    CHALK_TRY(expect_type(entry, JsonType::object, what, field));
    for (const char* key : {"created", "created_by", "author", "comment"}) {
      auto text = optional_member(entry, key, JsonType::string, what, field + "." + key);
      if (!text) return text.error();
    }
    auto empty = optional_member(entry, "empty_layer", JsonType::boolean, what, field + ".empty_layer");
    if (!empty) return empty.error();
  }
  return {};
}

}  // namespace

Status check_image_config(const Json& config, std::string_view what) {
  CHALK_TRY(expect_type(config, JsonType::object, what, "config"));
  for (const char* key : {"os", "architecture", "variant"}) {
    auto text = optional_member(config, key, JsonType::string, what, key);
    if (!text) return text.error();
  }
  auto rootfs = optional_member(config, "rootfs", JsonType::object, what, "rootfs");
  if (!rootfs) return rootfs.error();
  if (*rootfs != nullptr) {
    auto diff_ids = optional_member(**rootfs, "diff_ids", JsonType::array, what, "rootfs.diff_ids");
    if (!diff_ids) return diff_ids.error();
    if (*diff_ids != nullptr)
      CHALK_TRY(expect_elements(**diff_ids, JsonType::string, what, "rootfs.diff_ids"));
  }
  CHALK_TRY(check_history(config, what));
  return check_container_config(config, what);
}

Json Image::history() const {
  auto it = config.find("history");
  return it != config.end() && it->is_array() ? *it : Json::array();
}

Node::Node(Image image)
    : m_descriptor(image.descriptor), m_value(std::make_shared<const Image>(std::move(image))) {}

Node::Node(std::shared_ptr<const Index> index) : m_descriptor(index->descriptor), m_value(std::move(index)) {}

Node Node::referred_by(const Descriptor& referrer) const {
  const Descriptor& own = is_image() ? image().descriptor : index().descriptor;
  Node node = *this;
  node.m_descriptor = referrer;
  node.m_descriptor.digest = own.digest;
  node.m_descriptor.size = own.size;
  if (!own.media_type.empty()) node.m_descriptor.media_type = own.media_type;
  return node;
}

Result<Node> NodeLoader::load(const Descriptor& descriptor) {
  auto loaded = load(descriptor, 0);
  if (!loaded) return loaded.error();
  return std::move(loaded->node);
}

Result<NodeLoader::Loaded> NodeLoader::load(const Descriptor& descriptor, int depth) {
  auto too_many = [&] {
    return make_error(Errc::invalid_format, m_blobs->describe() + ": more than " +
                                                std::to_string(k_max_descriptors) +
                                                " descriptors in all (indexes fanning out?)");
  };
  if (depth > k_max_index_depth) {
    return make_error(Errc::invalid_format, "indexes nested more than " + std::to_string(k_max_index_depth) +
                                                " deep in " + m_blobs->describe());
  }
  if (auto loaded = m_loaded.find(descriptor.digest); loaded != m_loaded.end()) {
    m_references += loaded->second.references;
    if (m_references > k_max_descriptors) return too_many();
    return Loaded{loaded->second.node.referred_by(descriptor), loaded->second.references};
  }
  if (++m_references > k_max_descriptors) return too_many();
  std::size_t references = 1;
  Result<Node> node = [&]() -> Result<Node> {
    if (is_manifest_media_type(descriptor.media_type) || descriptor.media_type.empty()) {
      auto image = Image::load(m_blobs, descriptor);
      if (!image) return image.error();
      return Node{std::move(*image)};
    }
    if (!is_index_media_type(descriptor.media_type)) {
      return make_error(Errc::unsupported, "descriptor " + descriptor.digest.str() + " in " +
                                               m_blobs->describe() + ": unsupported media type `" +
                                               descriptor.media_type + "`");
    }
    auto bytes = read_blob(*m_blobs, descriptor);
    if (!bytes) return bytes.error();
    const std::string where = "index " + descriptor.digest.str() + " in " + m_blobs->describe();
    auto json = parse_json(*bytes, where);
    if (!json) return json.error();
    auto manifests = json->find("manifests");
    if (!json->is_object() || manifests == json->end())
      return make_error(Errc::invalid_format, where + ": no `manifests` array");
    CHALK_TRY(expect_type(*manifests, JsonType::array, where, "manifests"));
    auto index = std::make_shared<Index>();
    index->descriptor = descriptor;
    index->bytes = std::move(*bytes);
    for (std::size_t i = 0; i < manifests->size(); ++i) {
      auto child_descriptor =
          Descriptor::from_json((*manifests)[i], where + ": manifest " + std::to_string(i));
      if (!child_descriptor) return child_descriptor.error();
      auto child = load(*child_descriptor, depth + 1);
      if (!child) return child.error();
      references += child->references;
      index->children.push_back(std::move(child->node));
    }
    index->json = std::move(*json);
    return Node{std::shared_ptr<const Index>(std::move(index))};
  }();
  if (!node) return node.error();
  m_loaded.emplace(descriptor.digest, Loaded{*node, references});
  return Loaded{std::move(*node), references};
}

std::string format_name(ImageSet::Format format) {
  switch (format) {
    case ImageSet::Format::docker_archive:
      return "docker-archive";
    case ImageSet::Format::oci_layout:
      return "oci";
    case ImageSet::Format::oci_archive:
      return "oci-archive";
  }
  return "unknown";
}

namespace {

void collect_images(const Node& node, std::vector<const Image*>& out, std::set<Digest>& visited) {
  if (!visited.insert(node.descriptor().digest).second) return;
  if (node.is_image()) {
    out.push_back(&node.image());
    return;
  }
  for (const auto& child : node.index().children) collect_images(child, out, visited);
}

}  // namespace

void collect_images(const Node& node, std::vector<const Image*>& out) {
  std::set<Digest> visited;
  for (const Image* image : out) visited.insert(image->descriptor.digest);
  collect_images(node, out, visited);
}

bool is_attestation(const Node& node) {
  const Json& raw = node.descriptor().raw;
  if (auto annotations = raw.find("annotations"); annotations != raw.end() && annotations->is_object() &&
                                                  annotations->contains("vnd.docker.reference.type")) {
    return true;
  }
  if (auto platform = raw.find("platform"); platform != raw.end() && platform->is_object()) {
    for (const char* key : {"os", "architecture"}) {
      if (auto value = platform->find(key); value != platform->end() && *value == "unknown") return true;
    }
  }
  return false;
}

Result<Node> rebuild_index(const Index& index, std::vector<Node> children) {
  auto rebuilt = std::make_shared<Index>();
  rebuilt->json = index.json;
  Json& manifests = rebuilt->json["manifests"];
  for (std::size_t i = 0; i < children.size(); ++i) manifests[i] = children[i].descriptor().to_json();
  rebuilt->children = std::move(children);
  if (rebuilt->json == index.json) {
    rebuilt->bytes = index.bytes;
    rebuilt->descriptor = index.descriptor;
  } else {
    rebuilt->bytes = dump_json(rebuilt->json);
    rebuilt->descriptor = index.descriptor;
    rebuilt->descriptor.digest = sha256_digest(rebuilt->bytes);
    rebuilt->descriptor.size = rebuilt->bytes.size();
  }
  return Node{std::shared_ptr<const Index>(std::move(rebuilt))};
}

}  // namespace oci
