// Chalking one platform image and finding the mark in one: the chalk layer, labels,
// history entry, entrypoint wrapping and OnBuild trigger (REPORTS.md §1, §2, §7), as a
// function from an oci::Image to a new oci::Image. Formats and engines are elsewhere.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "oci/image.hpp"
#include "oci/mutate.hpp"

namespace chalk {

inline constexpr const char* k_history_created_by = "COPY chalk.json /chalk.json # chalk";
// The shim's own layer, just below the mark's: the same bytes for every image this plugin
// chalks, so a registry stores it once and later images upload only the small mark layer.
inline constexpr const char* k_shim_history_created_by = "COPY chalk /chalk # chalk";
inline constexpr const char* k_label_metadata_id = "run.chalk.metadata-id";
inline constexpr const char* k_label_chalk_id = "run.chalk.chalk-id";

// The static shim for the shim's layer. Its bytes are asked for only when that layer is built,
// not found in the layer cache: the plugin carries them compressed.
struct Shim {
  std::function<util::Result<std::string_view>()> bytes;  // empty: no shim, the mark only
  std::string sha256;  // hex, known when the plugin was built; "": not known (no layer cache)
  [[nodiscard]] bool present() const { return static_cast<bool>(bytes); }
  // A shim already in memory, as `bytes` (which must outlive it) spell it.
  static Shim in_memory(std::string_view bytes, std::string sha256 = {});
};

struct ChalkRequest {
  std::string chalk_id;
  std::string chalk_rand;  // CHALK_RAND
  std::int64_t timestamp_ms = 0;
  std::vector<std::string> tags;                 // DOCKER_TAGS
  oci::Json build_fields = oci::Json::object();  // build: DOCKER_FILE, DOCKER_LABELS, git keys
  std::string config_source;                     // becomes /chalk.c4m
  // Where config_source spells out credentials (literal_credentials), unless the config
  // allows them in images: chalking with the shim (which carries the config) then fails.
  std::vector<std::string> config_credentials;
  std::string ca_bundle;  // becomes /chalk.ca.pem beside the shim; "" = none
  Shim shim;
  oci::LayerCache shim_layer_cache;  // where the shim's layer is kept between runs
  bool wrap = true;                  // docker.wrap_entrypoint
  bool wrap_cmd = true;              // docker.wrap_cmd: also images with CMD only
  std::string label_prefix = "run.crashoverride.";
  std::set<std::string> label_keys;                  // docker.label_template's keys: mark values as labels
  std::map<std::string, std::string> custom_labels;  // docker.custom_labels, under label_prefix
  std::filesystem::path temp_directory;
  std::int64_t layer_mtime = 0;  // SOURCE_DATE_EPOCH or 0
};

struct ChalkResult {
  oci::Image image;
  oci::Json mark;
  std::vector<std::string> warnings;
};

util::Result<ChalkResult> chalk_image(const oci::Image& image, const ChalkRequest& request);

// The chalk layer's files (REPORTS.md §2): the mark, and with the shim its config.
std::vector<oci::LayerFile> chalk_layer_files(const oci::Json& mark, const ChalkRequest& request,
                                              bool include_shim);
// The shim layer's files: the binary (its bytes asked for now) and the CA roots it falls back
// on for HTTPS sinks in images that have none; nothing per image, so its digest is the same
// everywhere.
util::Result<std::vector<oci::LayerFile>> shim_layer_files(const ChalkRequest& request);

// What the config alone says (REPORTS.md §2): whether the last history entry is a chalk
// copy, and the metadata ID a parent's inherited label points to.
struct HistoryVerdict {
  bool history_says_marked = false;
  std::string inherited_metadata_id;
};
HistoryVerdict find_mark_in_history(const oci::Image& image);

struct FoundMark {
  std::optional<oci::Json> mark;      // the image's own mark (history rule of §2)
  std::string inherited_metadata_id;  // a parent's, seen through inherited labels
};
// The largest /chalk.json read back.
inline constexpr std::uint64_t k_max_mark_size = 4 << 20;
// The content of an image's /chalk.json, nullopt when it has none; called only when the
// history says the image is marked.
using MarkFileReader = std::function<util::Result<std::optional<std::string>>(const oci::Image&)>;
// The mark file in the image's last layer (read through its blob source).
util::Result<std::optional<std::string>> mark_file_in_last_layer(const oci::Image& image);
util::Result<FoundMark> find_mark(const oci::Image& image, const MarkFileReader& read_mark_file);
inline util::Result<FoundMark> find_mark(const oci::Image& image) {
  return find_mark(image, mark_file_in_last_layer);
}

}  // namespace chalk
