#include "plugin/ops/engine_ops.hpp"

#include "oci/file_io.hpp"
#include "oci/reference.hpp"
#include "oci/tar_writer.hpp"
#include "plugin/chalk/host_facts.hpp"
#include "plugin/chalk/ids.hpp"
#include "plugin/chalk/mark.hpp"
#include "plugin/docker/engine_image.hpp"
#include "plugin/ops/image_ops.hpp"

namespace chalk::ops {

namespace fs = std::filesystem;

namespace {

// Fast path: no layer leaves the engine.
util::Result<EngineChalked> chalk_by_thin_load(docker::Engine& engine, const std::string& built_id,
                                               const ChalkRequest& chalk, const fs::path& temp_directory) {
  auto built = docker::read_engine_image(engine, built_id);
  if (!built) return built.error();
  auto result = chalk_image(built->image, chalk);
  if (!result) return result.error();
  oci::TempPath archive{oci::temporary_sibling(temp_directory / "thin.tar")};
  if (auto ok = docker::write_thin_archive(result->image, chalk.tags, archive.path()); !ok) return ok.error();
  auto loaded = engine.load_image(archive.path());
  if (!loaded) return loaded.error();
  EngineChalked chalked;
  // docker load keeps the config digest as the image ID.
  chalked.image_id = result->image.config_descriptor.digest.str();
  chalked.chalks.push_back(
      artifact_entry(result->mark, result->image, std::string(digest_hex(chalked.image_id))));
  chalked.warnings = std::move(result->warnings);
  return chalked;
}

// Slow path: the whole image through docker save and docker load.
util::Result<EngineChalked> chalk_by_save_load(docker::Engine& engine, const std::string& built_id,
                                               const ChalkRequest& chalk, const fs::path& temp_directory) {
  auto saved = docker::save_engine_image(engine, built_id, temp_directory);
  if (!saved) return saved.error();
  EngineChalked chalked;
  auto set = chalk_set(saved->set, chalk, "", chalked.chalks, chalked.warnings);
  if (!set) return set.error();
  for (auto& entry : set->entries) entry.names = chalk.tags;
  oci::TempPath archive{oci::temporary_sibling(temp_directory / "chalked.tar")};
  if (auto ok = oci::write_image_set(*set, {oci::ImageSet::Format::docker_archive, archive.path(), {}});
      !ok) {
    return ok.error();
  }
  if (auto loaded = engine.load_image(archive.path()); !loaded) return loaded.error();
  std::vector<const oci::Image*> images;
  oci::collect_images(set->entries.front().node, images);
  chalked.image_id = images.front()->config_descriptor.digest.str();
  for (auto& entry : chalked.chalks) {
    entry["_IMAGE_ID"] = digest_hex(chalked.image_id);
    entry["_CURRENT_HASH"] = digest_hex(chalked.image_id);
  }
  return chalked;
}

// The mark in a local image's /chalk.json, copied out of a created (never started) container.
util::Result<std::optional<oci::Json>> copy_mark_out(docker::Engine& engine, const std::string& reference) {
  auto copied = engine.copy_from_image(reference, "/chalk.json");
  if (!copied) return copied.error();
  if (!*copied) return std::optional<oci::Json>();
  auto content = oci::read_file_from_layer(std::make_unique<oci::MemoryStream>(std::move(**copied)),
                                           "chalk.json", 4 << 20, "/chalk.json of `" + reference + "`");
  if (!content) return content.error();
  if (!*content) return std::optional<oci::Json>();
  return parse_mark(**content);
}

}  // namespace

std::string digest_hex(const std::string& image_id) {
  return image_id.rfind("sha256:", 0) == 0 ? image_id.substr(7) : image_id;
}

util::Result<EngineChalked> chalk_engine_image(docker::Engine& engine, const std::string& reference,
                                               const ChalkRequest& chalk, const fs::path& temp_directory) {
  auto chalked = chalk_by_thin_load(engine, reference, chalk, temp_directory);
  if (chalked || chalked.error().code == util::Errc::config)
    return chalked;  // a refused config fails both paths
  const std::string fast_failure = chalked.error().message;
  chalked = chalk_by_save_load(engine, reference, chalk, temp_directory);
  if (!chalked) return chalked.error().with_context("fast path: " + fast_failure + "; save/load path");
  return chalked;
}

util::Result<OperationOutcome> insert_engine_image(docker::Engine& engine, const InsertRequest& request,
                                                   const ReportContext& context) {
  auto inspect = engine.inspect_image(request.target);
  if (!inspect) return inspect.error();
  ChalkRequest chalk =
      new_chalk_request(context, request.config_source, request.shim, request.wrap, request.temp_directory);
  // Only the name the user gave moves to the chalked image; other tags of the same image
  // (a base image tagged twice, say) stay where they are.
  if (auto tags = inspect->find("RepoTags"); tags != inspect->end() && tags->is_array()) {
    for (const auto& tag : *tags) {
      const std::string name = tag.get<std::string>();
      if (oci::same_reference(name, request.target)) chalk.tags.push_back(name);
    }
  }
  auto chalked =
      chalk_engine_image(engine, inspect->value("Id", request.target), chalk, request.temp_directory);
  if (!chalked) return chalked.error();
  OperationOutcome outcome;
  outcome.warnings = std::move(chalked->warnings);
  outcome.report = report_envelope("insert", context);
  outcome.report["_CHALKS"] = chalked->chalks;
  outcome.report["_OP_CHALK_COUNT"] = chalked->chalks.size();
  outcome.report["_OP_UNMARKED_COUNT"] = 0;
  return outcome;
}

util::Result<oci::Json> extract_engine_image(docker::Engine& engine, const std::string& reference,
                                             const ReportContext& context, int& exit_code) {
  auto local = docker::read_engine_image(engine, reference);
  if (!local) return local.error();
  auto found = find_mark_in_history(local->image);
  oci::Json report = report_envelope("extract", context);
  std::optional<oci::Json> mark;
  if (found.history_says_marked) {
    auto copied = copy_mark_out(engine, reference);
    if (!copied) return copied.error();
    mark = std::move(*copied);
  }
  if (!mark) {
    report["_UNMARKED"] = oci::Json::array({reference});
    if (!found.inherited_metadata_id.empty()) {
      report["_COLLECTED_ARTIFACTS"] =
          oci::Json::array({{{"_OP_ARTIFACT_TYPE", "Docker Image"},
                             {"_OP_ARTIFACT_CONTEXT", "base"},
                             {"OLD_CHALK_METADATA_ID", found.inherited_metadata_id}}});
    }
    report["_OP_CHALK_COUNT"] = 0;
    report["_OP_UNMARKED_COUNT"] = 1;
    return report;
  }
  const auto check = check_mark(*mark);
  oci::Json item = *mark;
  item["_OP_ARTIFACT_TYPE"] = "Docker Image";
  item["_CURRENT_HASH"] = digest_hex(local->id);
  item["_IMAGE_ID"] = digest_hex(local->id);
  item["_VALIDATED_METADATA"] = check.valid;
  if (!check.valid) {
    report["_OP_ERRORS"] = oci::Json::array({reference + ": invalid chalk mark: " + check.problem});
    exit_code = 1;
  }
  report["_CHALKS"] = oci::Json::array({item});
  report["_OP_CHALK_COUNT"] = 1;
  report["_OP_UNMARKED_COUNT"] = 0;
  return report;
}

}  // namespace chalk::ops
