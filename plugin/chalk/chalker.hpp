// Chalking one platform image and finding the mark in one: the chalk layer, labels,
// history entry, entrypoint wrapping and OnBuild trigger (REPORTS.md §1, §2, §7), as a
// function from an oci::Image to a new oci::Image. Formats and engines are elsewhere.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "oci/image.hpp"
#include "oci/mutate.hpp"

namespace chalk {

inline constexpr const char* k_history_created_by = "COPY chalk.json /chalk.json # chalk";
inline constexpr const char* k_label_metadata_id = "run.chalk.metadata-id";
inline constexpr const char* k_label_chalk_id = "run.chalk.chalk-id";

struct ChalkRequest {
  std::string chalk_id;
  std::int64_t timestamp_ms = 0;
  std::vector<std::string> tags;                  // DOCKER_TAGS
  oci::Json build_fields = oci::Json::object();  // build: DOCKER_FILE, DOCKER_LABELS, git keys
  std::string config_source;                      // becomes /chalk.c4m
  // Where config_source spells out credentials (literal_credentials), unless the config
  // allows them in images: chalking with the shim (which carries the config) then fails.
  std::vector<std::string> config_credentials;
  std::string ca_bundle;                          // becomes /chalk.ca.pem beside the shim; "" = none
  std::string_view shim;                          // the static shim's bytes; empty: mark only
  bool wrap = true;                               // docker.wrap_entrypoint
  std::string label_prefix = "run.crashoverride.";
  std::filesystem::path temp_directory;
  std::int64_t layer_mtime = 0;  // SOURCE_DATE_EPOCH or 0
};

struct ChalkResult {
  oci::Image image;
  oci::Json mark;
  std::vector<std::string> warnings;
};

oci::Result<ChalkResult> chalk_image(const oci::Image& image, const ChalkRequest& request);

// The chalk layer's files (REPORTS.md §2): the mark, and with the shim its config, its
// binary and the CA roots it falls back on for HTTPS sinks in images that have none.
std::vector<oci::LayerFile> chalk_layer_files(const oci::Json& mark, const ChalkRequest& request, bool include_shim);

// What the config alone says (REPORTS.md §2): whether the last history entry is a chalk
// copy, and the metadata ID a parent's inherited label points to.
struct HistoryVerdict {
  bool history_says_marked = false;
  std::string inherited_metadata_id;
};
HistoryVerdict find_mark_in_history(const oci::Image& image);

struct FoundMark {
  std::optional<oci::Json> mark;        // the image's own mark (history rule of §2)
  std::string inherited_metadata_id;    // a parent's, seen through inherited labels
};
oci::Result<FoundMark> find_mark(const oci::Image& image);

// The SOURCE_DATE_EPOCH environment variable as seconds, or 0.
std::int64_t source_date_epoch();

}  // namespace chalk
