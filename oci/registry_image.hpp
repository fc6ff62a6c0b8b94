// The registry as a source and a sink of the same image values as the archive and layout
// formats. Reading is lazy: the manifest (or index and its manifests) and configs are
// fetched, a layer only when someone opens it. Writing uploads only blobs the repository
// lacks (mounting them from the source repository when it is on the same registry), then
// child manifests by digest, then the top manifest or index under its tag last: a tag
// never points at something half pushed.
#pragma once

#include <memory>
#include <string>

#include "oci/image.hpp"
#include "oci/reference.hpp"
#include "oci/registry.hpp"

namespace oci {

// Blobs of one repository; manifests and indexes are read from /manifests/, the rest
// from /blobs/. Every read is verified by open_blob.
class RegistrySource final : public BlobSource {
 public:
  RegistrySource(std::shared_ptr<RegistryClient> client, std::string repository);
  Result<std::unique_ptr<ByteStream>> open_raw(const Descriptor& descriptor) const override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] const std::shared_ptr<RegistryClient>& client() const { return m_client; }
  [[nodiscard]] const std::string& repository() const { return m_repository; }

 private:
  std::shared_ptr<RegistryClient> m_client;
  std::string m_repository;
};

// The image (or index) `reference` names, as a one-entry set named by its familiar name.
Result<ImageSet> read_registry_image(std::shared_ptr<RegistryClient> client, const Reference& reference);

struct PushedNode {
  Descriptor descriptor;  // of what the tag now points to
  std::uint64_t bytes_uploaded = 0;
};

// Pushes `node` to `reference`'s repository and points its tag (or digest) at it.
Result<PushedNode> write_registry_image(RegistryClient& client, const Node& node, const Reference& reference);

}  // namespace oci
