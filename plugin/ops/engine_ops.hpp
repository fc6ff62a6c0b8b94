// The Docker engine as an image home: read and written through docker/engine_image (a
// source and a sink like the formats), chalked by the one insert path (chalk_and_write).
// The layers stay in the engine (its config rebuilt from inspect + history, a thin load);
// if anything fails there, the image goes through docker save and a full docker load, with
// the same chalk request.
#pragma once

#include <string>

#include "plugin/chalk/chalker.hpp"
#include "plugin/docker/engine.hpp"
#include "plugin/ops/context.hpp"
#include "plugin/ops/image_ops.hpp"

namespace chalk::ops {

struct EngineChalked {
  OperationOutcome outcome;  // the report of the operation named, with its `_CHALKS`
  std::string image_id;      // the chalked image as the engine names it ("sha256:...")
};

// Chalks `reference` in the engine: `chalk.tags`, or else the image's names that name
// `reference` itself, move to the chalked image.
util::Result<EngineChalked> chalk_engine_image(docker::Engine& engine, const std::string& reference,
                                               const ChalkRequest& chalk, const ReportContext& context,
                                               const char* operation);

// `insert` of a local image: chalks it and moves the name the user gave to the chalked image.
util::Result<OperationOutcome> insert_engine_image(docker::Engine& engine, const InsertRequest& request,
                                                   const ReportContext& context);

// `extract` of a local image: no layer leaves the engine; the mark is copied out of a created
// (never started) container when the history says the image is marked.
util::Result<OperationOutcome> extract_engine_image(docker::Engine& engine, const ExtractRequest& request,
                                                    const ReportContext& context);

// "sha256:abc" -> "abc".
std::string digest_hex(const std::string& image_id);

}  // namespace chalk::ops
