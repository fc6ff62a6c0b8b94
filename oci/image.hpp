// Images as immutable values: the raw manifest and config bytes (the truth, hashed as
// they are) plus parsed views, the layer descriptors and where the blobs live. Indexes
// hold their children; an ImageSet is what a source yields and a sink writes.
#pragma once

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

struct Index;
struct Node {
  std::variant<Image, std::shared_ptr<const Index>> value;

  [[nodiscard]] const Descriptor& descriptor() const;
  [[nodiscard]] bool is_image() const { return value.index() == 0; }
  [[nodiscard]] const Image& image() const { return std::get<0>(value); }
  [[nodiscard]] const Index& index() const { return *std::get<1>(value); }
};

struct Index {
  Descriptor descriptor;
  std::string bytes;
  Json json;
  std::vector<Node> children;  // same order as json["manifests"]
};

// Loads the manifest or index a descriptor points to, and everything below it.
Result<Node> load_node(std::shared_ptr<const BlobSource> blobs, const Descriptor& descriptor, int depth = 0);

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

// Calls `visit` on every platform image below `node` (attestations and unknown platforms
// are skipped); the visitor returns the replacement image. Returns the rebuilt node.
template <typename Visitor>
Result<Node> transform_images(const Node& node, Visitor&& visit);

// Every image manifest below a node, depth first, including ones `transform_images` skips.
void collect_images(const Node& node, std::vector<const Image*>& out);

// True for manifests that describe no runnable platform (buildx attestations, unknown/unknown).
bool is_attestation(const Node& node);

// Re-serialises an index after its children changed.
Result<Node> rebuild_index(const Index& index, std::vector<Node> children);

template <typename Visitor>
Result<Node> transform_images(const Node& node, Visitor&& visit) {
  if (node.is_image()) {
    if (is_attestation(node)) return node;
    Result<Image> replaced = visit(node.image());
    if (!replaced) return replaced.error();
    return Node{std::move(*replaced)};
  }
  std::vector<Node> children;
  for (const auto& child : node.index().children) {
    auto rebuilt = transform_images(child, visit);
    if (!rebuilt) return rebuilt.error();
    children.push_back(std::move(*rebuilt));
  }
  return rebuild_index(node.index(), std::move(children));
}

}  // namespace oci
