#include "plugin/ops/engine_ops.hpp"

#include "oci/file_io.hpp"
#include "plugin/chalk/mark.hpp"
#include "plugin/docker/engine_image.hpp"

namespace chalk::ops {

namespace {

// `loading` says whether a failure came from docker load (the one step another way may pass).
util::Result<EngineChalked> chalk_once(docker::Engine& engine, const std::string& reference,
                                       const ChalkRequest& chalk, const ReportContext& context,
                                       const char* operation, docker::EngineLayers layers,
                                       docker::EngineLoad load, bool& loading) {
  EngineChalked chalked;
  InsertSteps steps;
  steps.read = [&]() -> util::Result<oci::ImageSet> {
    auto read = docker::read_engine_image(engine, reference, layers, chalk.temp_directory);
    if (!read) return read.error();
    if (!chalk.tags.empty()) read->set.entries.front().names = chalk.tags;
    return std::move(read->set);
  };
  steps.write = [&](const oci::ImageSet& set, oci::Json&) -> util::Status {
    loading = true;
    auto id = docker::write_engine_image(engine, set, load, chalk.temp_directory);
    if (!id) return id.error();
    chalked.image_id = std::move(*id);
    return {};
  };
  auto outcome = chalk_and_write(steps, chalk, context, operation);
  if (!outcome) return outcome.error();
  chalked.outcome = std::move(*outcome);
  return chalked;
}

// /chalk.json of a local image, copied out of a created (never started) container.
util::Result<std::optional<std::string>> copy_mark_file(docker::Engine& engine,
                                                        const std::string& reference) {
  auto copied = engine.copy_from_image(reference, "/chalk.json");
  if (!copied) return copied.error();
  if (!*copied) return std::optional<std::string>();
  return oci::read_file_from_layer(std::make_unique<oci::MemoryStream>(std::move(**copied)), "chalk.json",
                                   k_max_mark_size, "/chalk.json of `" + reference + "`");
}

}  // namespace

std::string digest_hex(const std::string& image_id) {
  return image_id.rfind("sha256:", 0) == 0 ? image_id.substr(7) : image_id;
}

util::Result<EngineChalked> chalk_engine_image(docker::Engine& engine, const std::string& reference,
                                               const ChalkRequest& chalk, const ReportContext& context,
                                               const char* operation) {
  bool loading = false;
  auto chalked = chalk_once(engine, reference, chalk, context, operation, docker::EngineLayers::in_engine,
                            docker::EngineLoad::thin, loading);
  // An image that cannot be read or chalked fails the other way too; a refused load may not.
  if (chalked || !loading) return chalked;
  const std::string thin_failure = chalked.error().message;
  chalked = chalk_once(engine, reference, chalk, context, operation, docker::EngineLayers::saved,
                       docker::EngineLoad::full, loading);
  if (!chalked) return chalked.error().with_context("thin load: " + thin_failure + "; save and full load");
  return chalked;
}

util::Result<OperationOutcome> insert_engine_image(docker::Engine& engine, const InsertRequest& request,
                                                   const ReportContext& context) {
  if (!request.output.empty() || request.output_format) {
    return util::make_error(
        util::Errc::invalid_argument,
        "`" + request.target + "` is a local image: -o and --format apply to archives and layouts");
  }
  const ChalkRequest chalk =
      new_chalk_request(context, request.config_source, request.shim, request.wrap, request.temp_directory);
  auto chalked = chalk_engine_image(engine, request.target, chalk, context, "insert");
  if (!chalked) return chalked.error();
  return std::move(chalked->outcome);
}

util::Result<OperationOutcome> extract_engine_image(docker::Engine& engine, const ExtractRequest& request,
                                                    const ReportContext& context) {
  const std::string& reference = request.target;
  auto read =
      docker::read_engine_image(engine, reference, docker::EngineLayers::in_engine, request.temp_directory);
  if (!read) return read.error();
  ExtractAccess access;
  access.read_mark_file = [&](const oci::Image&) { return copy_mark_file(engine, reference); };
  access.image_id = [&](const oci::Image&) { return digest_hex(read->id); };
  return extract_set(read->set, reference, context, access);
}

}  // namespace chalk::ops
