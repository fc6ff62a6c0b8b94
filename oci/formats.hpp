// Image formats on disk: readers turn each into an ImageSet, writers turn an ImageSet
// back into bytes. Nothing here knows what a mutation did; nothing in mutate knows these.
//
//   docker-archive  `docker save` output: legacy (manifest.json, <id>/layer.tar, <hex>.json)
//                   or Docker 25+ (an OCI layout inside the tar, plus manifest.json)
//   oci             an OCI image layout directory (oci-layout, index.json, blobs/sha256/)
//   oci-archive     a tar of an OCI image layout
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "oci/image.hpp"

namespace oci {

// An image reference as skopeo users write it: `docker-archive:FILE`, `oci:DIR[:TAG]`,
// `oci-archive:FILE[:TAG]`, or a bare path whose format is detected.
struct ImageRef {
  ImageSet::Format format = ImageSet::Format::oci_layout;
  std::filesystem::path path;
  std::string tag;  // oci/oci-archive: selects index.json entries by ref name; "" = all

  [[nodiscard]] std::string str() const;
};

// Parses a reference; a bare path is detected from what is on disk (not_found if nothing is).
Result<ImageRef> parse_image_ref(const std::string& text);

// An output as `-o` names it: skopeo's transport prefixes (docker-archive:, oci-archive:,
// oci:) set the format; a bare path leaves it to --format or the input's. No tag: an output
// keeps the input's names, so `oci:DIR:TAG` is refused rather than read as a directory.
struct OutputRef {
  std::optional<ImageSet::Format> format;
  std::filesystem::path path;
};
Result<OutputRef> parse_output_ref(const std::string& text);

Result<ImageSet> read_image_set(const ImageRef& ref);
Result<ImageSet> read_oci_layout(const std::filesystem::path& directory);
Result<ImageSet> read_oci_archive(const std::filesystem::path& file);
Result<ImageSet> read_docker_archive(const std::filesystem::path& file);

// Called with bytes written so far, for progress display.
using ProgressFn = std::function<void(std::uint64_t bytes_done)>;

struct WriteOptions {
  ImageSet::Format format = ImageSet::Format::docker_archive;
  std::filesystem::path path;
  ProgressFn progress;  // may be empty
  // Blobs the destination already holds: a docker-archive for `docker load` into an engine
  // that has an image's lower layers (it matches them by their chain of diff_ids) lists
  // them in manifest.json but leaves their bytes out. Only docker-archive takes it.
  std::set<Digest> held_by_destination;
};

// Checks an output before any work: an existing archive output must be a regular file
// (never a device, FIFO or directory) and a layout output a directory whose blobs/ is no
// symbolic link (writes would land outside it); the directory holding a new output must
// exist. A symbolic link is followed (its target is what gets replaced). Errors name the
// output and what is wrong with it.
Status check_output(ImageSet::Format format, const std::filesystem::path& path);

// Writes the set atomically (after check_output): archives go to a temporary file renamed over `path`; an OCI
// layout directory gets its new blobs first and index.json replaced last, so a crash
// leaves the previous image intact (blobs already present are not copied again).
Status write_image_set(const ImageSet& set, const WriteOptions& options);

// The name recorded for an index.json entry (`org.opencontainers.image.ref.name`, or the
// containerd image name), "" if none.
std::string ref_name_of(const Descriptor& descriptor);

}  // namespace oci
