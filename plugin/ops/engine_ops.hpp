// Chalking and reading images that live in the Docker engine (build, and insert/extract
// of a local image reference). Chalking tries the fast path first: the config rebuilt from
// inspect + history and a thin archive loaded back; if anything fails there, the whole
// image goes through docker save / docker load.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "plugin/chalk/chalker.hpp"
#include "plugin/docker/engine.hpp"
#include "plugin/ops/context.hpp"
#include "plugin/ops/image_ops.hpp"

namespace chalk::ops {

struct EngineChalked {
  std::string image_id;                   // the chalked image ("sha256:...")
  oci::Json chalks = oci::Json::array();  // `_CHALKS` entries
  std::vector<std::string> warnings;
};

// Chalks `reference` in the engine; `chalk.tags` move to the chalked image.
util::Result<EngineChalked> chalk_engine_image(docker::Engine& engine, const std::string& reference,
                                               const ChalkRequest& chalk,
                                               const std::filesystem::path& temp_directory);

// `insert` of a local image: chalks it and moves its tags to the chalked image.
util::Result<OperationOutcome> insert_engine_image(docker::Engine& engine, const InsertRequest& request,
                                                   const ReportContext& context);

// The extract report of a local image: the mark read by copying /chalk.json out of a created
// container when the history rule says the image is marked (no layer is exported).
util::Result<oci::Json> extract_engine_image(docker::Engine& engine, const std::string& reference,
                                             const ReportContext& context, int& exit_code);

// "sha256:abc" -> "abc".
std::string digest_hex(const std::string& image_id);

}  // namespace chalk::ops
