#include "oci/image.hpp"

namespace oci {

std::string Platform::str() const {
  std::string text = os + "/" + architecture;
  const bool default_variant = (architecture == "amd64" && variant == "v1") || (architecture == "arm64" && variant == "v8");
  if (!variant.empty() && !default_variant) text += "/" + variant;
  return text;
}

Result<Image> Image::from_parts(std::shared_ptr<const BlobSource> blobs, Descriptor descriptor, std::string manifest_bytes,
                                std::string config_bytes) {
  const std::string where = "manifest " + descriptor.digest.str() + " in " + blobs->describe();
  auto manifest = parse_json(manifest_bytes, where);
  if (!manifest) return manifest.error();
  if (!manifest->is_object()) return make_error(Errc::invalid_format, where + ": expected an object");
  if (auto type = manifest->find("mediaType"); type != manifest->end() && type->is_string() &&
                                               !is_manifest_media_type(type->get<std::string>())) {
    return make_error(Errc::unsupported, where + ": unsupported media type `" + type->get<std::string>() + "`");
  }
  auto config_json = manifest->find("config");
  if (config_json == manifest->end()) return make_error(Errc::invalid_format, where + ": no `config` descriptor");
  auto config_descriptor = Descriptor::from_json(*config_json, where + ": config");
  if (!config_descriptor) return config_descriptor.error();
  std::vector<Descriptor> layers;
  if (auto list = manifest->find("layers"); list != manifest->end()) {
    if (!list->is_array()) return make_error(Errc::invalid_format, where + ": `layers` is not an array");
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto layer = Descriptor::from_json((*list)[i], where + ": layer " + std::to_string(i));
      if (!layer) return layer.error();
      layers.push_back(std::move(*layer));
    }
  }
  if (config_bytes.empty()) {
    auto read = read_blob(*blobs, *config_descriptor);
    if (!read) return read.error();
    config_bytes = std::move(*read);
  }
  auto config = parse_json(config_bytes, "config " + config_descriptor->digest.str() + " in " + blobs->describe());
  if (!config) return config.error();
  if (!config->is_object()) {
    return make_error(Errc::invalid_format, "config " + config_descriptor->digest.str() + ": expected an object");
  }

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
    return make_error(Errc::invalid_format, where + ": " + std::to_string(image.layers.size()) + " layers but " +
                                                std::to_string(diff_ids.size()) + " diff_ids in its config");
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

std::vector<std::string> Image::diff_ids() const {
  std::vector<std::string> ids;
  auto rootfs = config.find("rootfs");
  if (rootfs == config.end() || !rootfs->is_object()) return ids;
  auto list = rootfs->find("diff_ids");
  if (list == rootfs->end() || !list->is_array()) return ids;
  for (const auto& id : *list) {
    if (id.is_string()) ids.push_back(id.get<std::string>());
  }
  return ids;
}

Json Image::history() const {
  auto it = config.find("history");
  return it != config.end() && it->is_array() ? *it : Json::array();
}

const Descriptor& Node::descriptor() const { return is_image() ? image().descriptor : index().descriptor; }

Result<Node> load_node(std::shared_ptr<const BlobSource> blobs, const Descriptor& descriptor, int depth) {
  if (depth > 4) return make_error(Errc::invalid_format, "indexes nested more than 4 deep in " + blobs->describe());
  if (is_manifest_media_type(descriptor.media_type) || descriptor.media_type.empty()) {
    auto image = Image::load(blobs, descriptor);
    if (!image) return image.error();
    return Node{std::move(*image)};
  }
  if (!is_index_media_type(descriptor.media_type)) {
    return make_error(Errc::unsupported, "descriptor " + descriptor.digest.str() + " in " + blobs->describe() +
                                             ": unsupported media type `" + descriptor.media_type + "`");
  }
  auto bytes = read_blob(*blobs, descriptor);
  if (!bytes) return bytes.error();
  const std::string where = "index " + descriptor.digest.str() + " in " + blobs->describe();
  auto json = parse_json(*bytes, where);
  if (!json) return json.error();
  auto manifests = json->find("manifests");
  if (!json->is_object() || manifests == json->end() || !manifests->is_array()) {
    return make_error(Errc::invalid_format, where + ": no `manifests` array");
  }
  auto index = std::make_shared<Index>();
  index->descriptor = descriptor;
  index->bytes = std::move(*bytes);
  for (std::size_t i = 0; i < manifests->size(); ++i) {
    auto child_descriptor = Descriptor::from_json((*manifests)[i], where + ": manifest " + std::to_string(i));
    if (!child_descriptor) return child_descriptor.error();
    auto child = load_node(blobs, *child_descriptor, depth + 1);
    if (!child) return child.error();
    index->children.push_back(std::move(*child));
  }
  index->json = std::move(*json);
  return Node{std::shared_ptr<const Index>(std::move(index))};
}

std::string format_name(ImageSet::Format format) {
  switch (format) {
    case ImageSet::Format::docker_archive: return "docker-archive";
    case ImageSet::Format::oci_layout: return "oci";
    case ImageSet::Format::oci_archive: return "oci-archive";
  }
  return "unknown";
}

void collect_images(const Node& node, std::vector<const Image*>& out) {
  if (node.is_image()) {
    out.push_back(&node.image());
    return;
  }
  for (const auto& child : node.index().children) collect_images(child, out);
}

bool is_attestation(const Node& node) {
  const Json& raw = node.descriptor().raw;
  if (auto annotations = raw.find("annotations"); annotations != raw.end() && annotations->is_object() &&
                                                  annotations->contains("vnd.docker.reference.type")) {
    return true;
  }
  if (auto platform = raw.find("platform"); platform != raw.end() && platform->is_object()) {
    if (platform->value("os", "") == "unknown" || platform->value("architecture", "") == "unknown") return true;
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
