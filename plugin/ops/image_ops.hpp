// `insert` and `extract`, one each, whatever the image's home: an archive or layout, the
// Docker engine (engine_ops) or a registry (registry_ops). Each home is a source and a sink of
// the same oci::ImageSet; insert reads a set, chalks every platform image (chalk_set) and
// writes the set back, extract reads the marks. No printing here: the command layer hands
// reports to sinks and warnings to stderr.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/formats.hpp"
#include "plugin/chalk/chalker.hpp"
#include "plugin/docker/engine.hpp"
#include "plugin/ops/context.hpp"

namespace chalk::ops {

struct OperationOutcome {
  oci::Json report;                   // the report object (sinks wrap it in an array)
  std::vector<std::string> warnings;  // one line each, for stderr
  int exit_code = 0;
};

struct InsertRequest {
  std::string target;                                  // image reference (oci:, docker-archive:, path)
  std::filesystem::path output;                        // empty: rewrite the target itself
  std::optional<oci::ImageSet::Format> output_format;  // empty: the target's format
  std::string config_source;                           // the config carried in the chalk layer
  Shim shim;                                           // absent: mark only
  bool wrap = true;
  oci::ProgressFn progress;
  std::filesystem::path temp_directory;  // engine images: where save/load archives go
};

// Where a target's image lives: `docker://REF` in a registry; `docker-archive:`, `oci:`,
// `oci-archive:` or an existing path in a file; any other name in the engine.
enum class ImageHome { file, engine, registry };
ImageHome home_of(std::string_view target);

struct RegistryAccess;  // registry_ops.hpp
// What operations reach images beyond files with (null: that home is refused).
struct Homes {
  docker::Engine* engine = nullptr;
  const RegistryAccess* registry = nullptr;
};

// Chalks the target's image and writes it back: archives replaced atomically, layouts
// updated in place, or written to `output`; an engine image loaded back with its name moved;
// a registry image pushed (or to `-o docker://OTHER`), its tag moved last.
util::Result<OperationOutcome> insert(const InsertRequest& request, const ReportContext& context,
                                      const Homes& homes = {});

struct ExtractRequest {
  std::string target;
  std::filesystem::path temp_directory;  // engine images that must be saved go here
};

util::Result<OperationOutcome> extract(const ExtractRequest& request, const ReportContext& context,
                                       const Homes& homes = {});

// How extract reads an image whose layers it cannot open (an engine's): its mark file and
// the ID to report. The defaults read the last layer and report the config digest.
struct ExtractAccess {
  MarkFileReader read_mark_file = mark_file_in_last_layer;
  std::function<std::string(const oci::Image&)> image_id;  // hex; empty: the config digest's
};
// The extract report of a set already read (`target` names unnamed entries); only the mark
// file of an image whose history says it is marked is read.
util::Result<OperationOutcome> extract_set(const oci::ImageSet& set, const std::string& target,
                                           const ReportContext& context, const ExtractAccess& access = {});

// One insert's steps, whatever the home: `read` the set, chalk it (chalk_set: only the
// entry `only_tag` names when set), `write` the chalked set (which may add keys to the
// `_CHALKS` entries, the registry's digests say), and the report of `operation`.
struct InsertSteps {
  std::function<util::Result<oci::ImageSet>()> read;
  std::function<util::Status(const oci::ImageSet& chalked, oci::Json& chalks)> write;
  std::string only_tag;
};
util::Result<OperationOutcome> chalk_and_write(const InsertSteps& steps, const ChalkRequest& chalk,
                                               const ReportContext& context, const char* operation);

// A chalk request for one invocation: a fresh CHALK_ID and time, the config and shim the
// layer carries, wrapping as asked and as the settings allow.
// The shim's sha256 (known when the plugin was built) names its layer in the layer cache
// ($XDG_CACHE_HOME/chalk/layers, or ~/.cache/chalk/layers); unknown, it is built every time.
ChalkRequest new_chalk_request(const ReportContext& context, std::string config_source, Shim shim, bool wrap,
                               std::filesystem::path temp_directory);

// Chalks every platform image of a set with one request (one CHALK_ID, one mark each);
// entries get their own names as DOCKER_TAGS unless the request names tags, and with
// `only_tag` (oci:DIR:TAG) only that entry is chalked. Appends one `_CHALKS` entry per
// platform to `chalks`.
util::Result<oci::ImageSet> chalk_set(const oci::ImageSet& set, const ChalkRequest& chalk,
                                      const std::string& only_tag, oci::Json& chalks,
                                      std::vector<std::string>& warnings);

}  // namespace chalk::ops
