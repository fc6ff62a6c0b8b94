// Images as immutable values: the raw manifest and config bytes (the truth, hashed as
// they are) plus parsed views, the layer descriptors and where the blobs live. Indexes
// hold their children; an ImageSet is what a source yields and a sink writes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "oci/blob.hpp"

namespace oci {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  // "linux/amd64", "linux/arm/v7"; the amd64 "v1" and arm64 "v8" variants are dropped.
  [[nodiscard]] std::string str() const;
};

struct Image {
  Descriptor descriptor;  // of the manifest (synthesised for legacy docker archives)
  std::string manifest_bytes;
  Json manifest;
  Descriptor config_descriptor;
  std::string config_bytes;
  Json config;
  std::vector<Descriptor> layers;
  std::shared_ptr<const BlobSource> blobs;

  // Parses and checks a manifest and its config, read from `blobs`.
  static Result<Image> load(std::shared_ptr<const BlobSource> blobs, const Descriptor& descriptor);
  // Builds an image from bytes already read (a manifest we synthesised, say).
  static Result<Image> from_parts(std::shared_ptr<const BlobSource> blobs, Descriptor descriptor,
                                  std::string manifest_bytes, std::string config_bytes);

  [[nodiscard]] Platform platform() const;
  [[nodiscard]] std::vector<std::string> diff_ids() const;
  // The config's `history`, or an empty array.
  [[nodiscard]] Json history() const;
};

// Checks the type of every config field anything here or above reads (os, architecture,
// variant, rootfs.diff_ids, history and its entries, the container config's Labels,
// Entrypoint, Cmd, OnBuild, User), so later reads need no checks and cannot throw.
Status check_image_config(const Json& config, std::string_view what);
// The config's rootfs.diff_ids (a config check_image_config accepted).
std::vector<std::string> config_diff_ids(const Json& config);

struct Index;
// An image or an index as one descriptor refers to it. The value is shared by copies, so
// a manifest referenced from many places is held once; the descriptor is this
// reference's own (its platform and annotations are the referrer's).
class Node {
 public:
  Node(Image image);                         // NOLINT: implicit by design
  Node(std::shared_ptr<const Index> index);  // NOLINT: implicit by design

  // This node as `referrer` refers to it: the referrer's fields (platform, annotations...)
  // with this content's digest, size and media type.
  [[nodiscard]] Node referred_by(const Descriptor& referrer) const;

  [[nodiscard]] const Descriptor& descriptor() const { return m_descriptor; }
  [[nodiscard]] bool is_image() const { return m_value.index() == 0; }
  [[nodiscard]] const Image& image() const { return *std::get<0>(m_value); }
  [[nodiscard]] const Index& index() const { return *std::get<1>(m_value); }

 private:
  Descriptor m_descriptor;
  std::variant<std::shared_ptr<const Image>, std::shared_ptr<const Index>> m_value;
};

struct Index {
  Descriptor descriptor;
  std::string bytes;
  Json json;
  std::vector<Node> children;  // same order as json["manifests"]
};

// The most descriptors one image set may hold, counting every reference (index.json
// entries, index children, at any depth; a manifest referenced twice counts twice). Real
// multi-platform images hold tens; the limit stops a small layout whose indexes all point
// at each other's digests from fanning out into millions of references.
inline constexpr std::size_t k_max_descriptors = 10000;
// Indexes nest at most this deep below index.json.
inline constexpr int k_max_index_depth = 4;

// Loads manifests and indexes of one source, each digest read and parsed once however
// often it is referenced, and at most k_max_descriptors references in all.
class NodeLoader {
 public:
  explicit NodeLoader(std::shared_ptr<const BlobSource> blobs) : m_blobs(std::move(blobs)) {}
  // Loads the manifest or index a descriptor points to, and everything below it.
  Result<Node> load(const Descriptor& descriptor);

 private:
  struct Loaded {
    Node node;
    std::size_t references;  // descriptors in its subtree, itself included, as if unshared
  };
  Result<Loaded> load(const Descriptor& descriptor, int depth);

  std::shared_ptr<const BlobSource> m_blobs;
  std::map<Digest, Loaded> m_loaded;
  std::size_t m_references = 0;
};

struct ImageSet {
  enum class Format { docker_archive, oci_layout, oci_archive };
  struct Entry {
    Node node;
    std::vector<std::string> names;  // repo tags ("app:1") as the source records them
  };
  Format format = Format::oci_layout;
  std::vector<Entry> entries;
  Json index_json = Json::object();  // top-level index.json as read (its other fields survive)
  std::shared_ptr<const BlobSource> blobs;
};

std::string format_name(ImageSet::Format format);

// What a transform already produced, by the digest of the node it replaced: a manifest
// or index referenced from many places is transformed once. Share one across entries
// that should get the same result.
using TransformMemo = std::map<Digest, Node>;

// Calls `visit` on every platform image below `node` (attestations and unknown platforms
// are skipped), once per manifest digest; the visitor returns the replacement image.
// Returns the rebuilt node.
template <typename Visitor>
Result<Node> transform_images(const Node& node, Visitor&& visit, TransformMemo& memo);
template <typename Visitor>
Result<Node> transform_images(const Node& node, Visitor&& visit) {
  TransformMemo memo;
  return transform_images(node, visit, memo);
}

// Every image manifest below a node, depth first, each digest once (also across calls
// with the same `out`), including ones `transform_images` skips.
void collect_images(const Node& node, std::vector<const Image*>& out);

// True for manifests that describe no runnable platform (buildx attestations, unknown/unknown).
bool is_attestation(const Node& node);

// Re-serialises an index after its children changed.
Result<Node> rebuild_index(const Index& index, std::vector<Node> children);

template <typename Visitor>
Result<Node> transform_images(const Node& node, Visitor&& visit, TransformMemo& memo) {
  if (node.is_image() && is_attestation(node)) return node;
  // Attestation status belongs to the referring descriptor: checked before the memo.
  if (auto done = memo.find(node.descriptor().digest); done != memo.end()) {
    return done->second.referred_by(node.descriptor());
  }
  Result<Node> result = [&]() -> Result<Node> {
    if (node.is_image()) {
      Result<Image> replaced = visit(node.image());
      if (!replaced) return replaced.error();
      return Node{std::move(*replaced)};
    }
    std::vector<Node> children;
    for (const auto& child : node.index().children) {
      auto rebuilt = transform_images(child, visit, memo);
      if (!rebuilt) return rebuilt.error();
      children.push_back(std::move(*rebuilt));
    }
    return rebuild_index(node.index(), std::move(children));
  }();
  if (!result) return result;
  memo.emplace(node.descriptor().digest, *result);
  return result->referred_by(node.descriptor());
}

}  // namespace oci
