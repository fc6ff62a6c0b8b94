#include "oci/registry_image.hpp"

namespace oci {

namespace {

// The repository a blob can be mounted from: its image's own registry repository, when
// the image came from this same registry.
std::string mount_source(const BlobSource& blobs, const RegistryClient& client) {
  const BlobSource* base = &blobs;
  if (const auto* overlay = dynamic_cast<const OverlaySource*>(base)) base = overlay->base().get();
  const auto* registry = dynamic_cast<const RegistrySource*>(base);
  if (registry == nullptr || registry->client()->host() != client.host()) return {};
  return registry->repository();
}

// Whether a mutation added `blob` (rather than the image it was read from holding it).
bool added_by_mutation(const BlobSource& blobs, const Descriptor& blob) {
  const auto* overlay = dynamic_cast<const OverlaySource*>(&blobs);
  return overlay != nullptr && overlay->added().count(blob.digest) != 0;
}

Status push_blob_of(RegistryClient& client, const std::string& repository, const BlobSource& blobs,
                    const Descriptor& blob) {
  const std::string mount_from = mount_source(blobs, client);
  // A blob of the image read from this very repository: the registry keeps every blob its
  // manifests reference, so asking costs a round trip and tells nothing (were it gone, the
  // manifest PUT would name it).
  if (mount_from == repository && !added_by_mutation(blobs, blob)) return {};
  auto pushed = client.push_blob(
      repository, blob, [&]() { return open_blob(blobs, blob); }, mount_from);
  if (!pushed) return pushed.error();
  return {};
}

Status push_image(RegistryClient& client, const std::string& repository, const Image& image) {
  for (const auto& layer : image.layers) {
    if (auto ok = push_blob_of(client, repository, *image.blobs, layer); !ok) return ok;
  }
  // The config is in memory already: upload those bytes rather than fetching them again.
  auto pushed = client.push_blob(
      repository, image.config_descriptor,
      [&]() -> Result<std::unique_ptr<ByteStream>> {
        return std::unique_ptr<ByteStream>(std::make_unique<MemoryStream>(image.config_bytes));
      },
      mount_source(*image.blobs, client));
  if (!pushed) return pushed.error();
  return {};
}

// Pushes everything below `node` and the node's own manifest under `tag` ("" = its digest).
Status push_node(RegistryClient& client, const std::string& repository, const Node& node,
                 const std::string& tag) {
  const std::string reference = tag.empty() ? node.descriptor().digest.str() : tag;
  if (node.is_image()) {
    const Image& image = node.image();
    if (auto ok = push_image(client, repository, image); !ok) return ok;
    Descriptor descriptor = image.descriptor;
    if (descriptor.media_type.empty())
      descriptor.media_type = image.manifest.value("mediaType", media_type::oci_manifest);
    return client.put_manifest(repository, reference, descriptor, image.manifest_bytes);
  }
  const Index& index = node.index();
  for (const auto& child : index.children) {
    if (auto ok = push_node(client, repository, child, ""); !ok) return ok;
  }
  Descriptor descriptor = index.descriptor;
  if (descriptor.media_type.empty())
    descriptor.media_type = index.json.value("mediaType", media_type::oci_index);
  return client.put_manifest(repository, reference, descriptor, index.bytes);
}

}  // namespace

RegistrySource::RegistrySource(std::shared_ptr<RegistryClient> client, std::string repository)
    : m_client(std::move(client)), m_repository(std::move(repository)) {}

Result<std::unique_ptr<ByteStream>> RegistrySource::open_raw(const Descriptor& descriptor) const {
  if (is_manifest_media_type(descriptor.media_type) || is_index_media_type(descriptor.media_type)) {
    auto manifest = m_client->get_manifest(m_repository, descriptor.digest.str());
    if (!manifest) return manifest.error();
    return std::unique_ptr<ByteStream>(std::make_unique<MemoryStream>(std::move(manifest->bytes)));
  }
  return m_client->open_blob(m_repository, descriptor);
}

std::string RegistrySource::describe() const {
  return "registry `" + m_client->host() + "/" + m_repository + "`";
}

Result<ImageSet> read_registry_image(std::shared_ptr<RegistryClient> client, const Reference& reference) {
  const std::string wanted = reference.digest.empty() ? reference.tag : reference.digest;
  auto top = client->get_manifest(reference.repository, wanted);
  if (!top) return top.error();
  auto source = std::make_shared<const RegistrySource>(client, reference.repository);
  Result<Node> node = make_error(Errc::invalid_format, "");
  if (is_index_media_type(top->descriptor.media_type)) {
    node = NodeLoader(source).load(top->descriptor);
  } else {
    // The manifest is in hand: from_parts reads only its config (verified).
    auto built = Image::from_parts(source, top->descriptor, top->bytes, {});
    if (!built) return built.error();
    node = Node{std::move(*built)};
  }
  if (!node) return node.error();
  ImageSet set;
  set.blobs = source;
  set.entries.push_back({std::move(*node), {reference.familiar()}});
  return set;
}

Result<PushedNode> write_registry_image(RegistryClient& client, const Node& node,
                                        const Reference& reference) {
  const std::uint64_t before = client.bytes_uploaded();
  const std::string tag = reference.digest.empty() ? reference.tag : "";
  if (!reference.digest.empty() && reference.digest != node.descriptor().digest.str()) {
    return make_error(Errc::invalid_argument, "writing `" + reference.familiar() +
                                                  "`: the image's digest is " +
                                                  node.descriptor().digest.str() + ", not the one named");
  }
  if (auto ok = push_node(client, reference.repository, node, tag); !ok) {
    return ok.error().with_context("pushing `" + reference.familiar() + "`");
  }
  return PushedNode{node.descriptor(), client.bytes_uploaded() - before};
}

}  // namespace oci
