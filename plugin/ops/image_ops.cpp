#include "plugin/ops/image_ops.hpp"

#include "oci/file_io.hpp"
#include "oci/mutate.hpp"
#include "plugin/chalk/chalker.hpp"
#include "plugin/chalk/config_credentials.hpp"
#include "plugin/chalk/effects.hpp"
#include "plugin/chalk/host_facts.hpp"
#include "plugin/chalk/ids.hpp"
#include "plugin/chalk/mark.hpp"
#include "plugin/ops/engine_ops.hpp"
#include "plugin/ops/registry_ops.hpp"
#include "plugin/sinks/curl_transport.hpp"

namespace chalk::ops {

namespace fs = std::filesystem;

namespace {

bool entry_selected(const oci::ImageSet::Entry& entry, const std::string& only_tag) {
  if (only_tag.empty()) return true;
  const auto name = oci::ref_name_of(entry.node.descriptor());
  return name == only_tag || (name.size() > only_tag.size() && name.ends_with(":" + only_tag));
}

fs::path temp_directory_for(const fs::path& output) {
  const auto parent = output.has_parent_path() ? output.parent_path() : fs::path(".");
  return fs::is_directory(oci::status_of(output)) ? output : parent;
}

}  // namespace

ChalkRequest new_chalk_request(const ReportContext& context, std::string config_source, Shim shim, bool wrap,
                               std::filesystem::path temp_directory) {
  ChalkRequest request;
  // SOURCE_DATE_EPOCH pins what would vary between two chalks of the same image (the
  // time, the ID and CHALK_RAND), so a rebuild gets a byte-identical chalk layer.
  const std::int64_t epoch = source_date_epoch(context.environment);
  const Effects effects =
      epoch > 0 ? fixed_effects(epoch * 1000, "SOURCE_DATE_EPOCH=" + std::to_string(epoch)) : context.effects;
  request.chalk_id = random_chalk_id(effects.random);
  request.chalk_rand = random_chalk_rand(effects.random);
  request.timestamp_ms = effects.now_ms();
  if (!context.settings.allow_credentials_in_images) {
    request.config_credentials = literal_credentials(config_source, context.settings);
  }
  request.config_source = std::move(config_source);
  request.shim = std::move(shim);
  request.wrap = wrap && context.settings.wrap_entrypoint;
  request.wrap_cmd = context.settings.wrap_cmd;
  request.label_prefix = context.settings.label_prefix;
  request.label_keys = context.settings.label_keys;
  request.custom_labels = context.settings.custom_labels;
  request.temp_directory = std::move(temp_directory);
  request.layer_mtime = epoch;
  if (request.shim.present()) {
    // HTTPS from a libc-less image needs roots; ours travel along (public data, no secret).
    if (const auto bundle = sinks::find_ca_bundle(); !bundle.empty()) {
      auto roots = oci::read_small_file(bundle, 4 << 20);
      if (roots) request.ca_bundle = std::move(*roots);
    }
    // The shim's layer is the same for the same shim, roots and mtime: built once, then kept.
    const auto cache = util::cache_directory(context.environment);
    if (!cache.empty() && request.shim.sha256.size() == 64) {
      request.shim_layer_cache.directory = cache / "layers";
      request.shim_layer_cache.key = "shim-" + request.shim.sha256 + "-roots-" +
                                     std::string(oci::sha256_digest(request.ca_bundle).hex().substr(0, 16)) +
                                     "-mtime-" + std::to_string(request.layer_mtime) + "-v1";
    }
  }
  return request;
}

util::Result<oci::ImageSet> chalk_set(const oci::ImageSet& set, const ChalkRequest& chalk,
                                      const std::string& only_tag, oci::Json& chalks,
                                      std::vector<std::string>& warnings) {
  oci::ImageSet result = set;
  result.entries.clear();
  // Entries naming the same tags get the same chalk: a manifest they share is chalked once.
  std::map<std::vector<std::string>, oci::TransformMemo> memos;
  for (const auto& entry : set.entries) {
    if (!entry_selected(entry, only_tag)) {
      result.entries.push_back(entry);
      continue;
    }
    ChalkRequest request = chalk;
    if (request.tags.empty()) request.tags = entry.names;
    auto node = oci::transform_images(
        entry.node,
        [&](const oci::Image& image) -> util::Result<oci::Image> {
          auto chalked = chalk_image(image, request);
          if (!chalked)
            return chalked.error().with_context("chalking " + image.platform().str() + " image " +
                                                image.descriptor.digest.str());
          for (const auto& warning : chalked->warnings)
            warnings.push_back(image.platform().str() + ": " + warning);
          chalks.push_back(artifact_entry(chalked->mark, chalked->image, ""));
          return std::move(chalked->image);
        },
        memos[request.tags]);
    if (!node) return node.error();
    result.entries.push_back({std::move(*node), entry.names});
  }
  return result;
}

ImageHome home_of(std::string_view target) {
  if (target.starts_with("docker://")) return ImageHome::registry;
  for (std::string_view prefix : {"docker-archive:", "oci:", "oci-archive:"}) {
    if (target.starts_with(prefix)) return ImageHome::file;
  }
  return fs::exists(oci::status_of(std::string(target))) ? ImageHome::file : ImageHome::engine;
}

util::Result<OperationOutcome> chalk_and_write(const InsertSteps& steps, const ChalkRequest& chalk,
                                               const ReportContext& context, const char* operation) {
  auto set = steps.read();
  if (!set) return set.error();
  OperationOutcome outcome;
  oci::Json chalks = oci::Json::array();
  auto chalked = chalk_set(*set, chalk, steps.only_tag, chalks, outcome.warnings);
  if (!chalked) return chalked.error();
  if (auto written = steps.write(*chalked, chalks); !written) return written.error();
  outcome.report = report_envelope(operation, context);
  outcome.report["_CHALKS"] = chalks;
  outcome.report["_OP_CHALK_COUNT"] = chalks.size();
  outcome.report["_OP_UNMARKED_COUNT"] = 0;
  return outcome;
}

namespace {

util::Result<OperationOutcome> insert_file(const InsertRequest& request, const ReportContext& context) {
  auto ref = oci::parse_image_ref(request.target);
  if (!ref) return ref.error();
  oci::WriteOptions write;
  write.format = request.output_format.value_or(ref->format);
  write.path = ref->path;
  const bool separate_output = !request.output.empty();
  if (separate_output) {
    auto output = oci::parse_output_ref(request.output.string());
    if (!output) return output.error();
    if (output->format && request.output_format && *output->format != *request.output_format) {
      return util::make_error(util::Errc::invalid_argument, "output `" + request.output.string() + "` is " +
                                                                oci::format_name(*output->format) +
                                                                " but --format says " +
                                                                oci::format_name(*request.output_format));
    }
    if (output->format) write.format = *output->format;
    write.path = output->path;
  }
  write.progress = request.progress;
  // Held until the output is written: a concurrent insert into the same target waits,
  // then reads what this one wrote.
  auto lock = oci::UpdateLock::acquire(write.path, oci::k_update_lock_wait);
  if (!lock) return lock.error();

  if (write.format == oci::ImageSet::Format::oci_layout && separate_output &&
      fs::exists(oci::status_of(write.path)) && !fs::is_directory(oci::status_of(write.path))) {
    return util::make_error(util::Errc::invalid_argument,
                            "output `" + write.path.string() + "` exists and is not a directory");
  }
  if (write.format != oci::ImageSet::Format::oci_layout && fs::is_directory(oci::status_of(write.path))) {
    return util::make_error(util::Errc::invalid_argument,
                            "output `" + write.path.string() + "` is a directory; " +
                                oci::format_name(write.format) + " output is a file");
  }
  if (auto ok = oci::check_output(write.format, write.path); !ok) return ok.error();

  InsertSteps steps;
  steps.only_tag = ref->tag;
  steps.read = [&] { return oci::read_image_set(*ref); };
  steps.write = [&](const oci::ImageSet& chalked, oci::Json&) -> util::Status {
    if (auto written = oci::write_image_set(chalked, write); !written) {
      return written.error().with_context("writing " + oci::format_name(write.format) + " `" +
                                          write.path.string() + "`");
    }
    return {};
  };
  const ChalkRequest chalk = new_chalk_request(context, request.config_source, request.shim, request.wrap,
                                               temp_directory_for(write.path));
  return chalk_and_write(steps, chalk, context, "insert");
}

util::Error refused_home(const std::string& target, const char* home) {
  return util::make_error(util::Errc::invalid_argument, "`" + target + "`: no " + home + " to reach it with");
}

}  // namespace

util::Result<OperationOutcome> insert(const InsertRequest& request, const ReportContext& context,
                                      const Homes& homes) {
  switch (home_of(request.target)) {
    case ImageHome::file:
      return insert_file(request, context);
    case ImageHome::engine:
      if (homes.engine == nullptr) return refused_home(request.target, "Docker engine");
      return insert_engine_image(*homes.engine, request, context);
    case ImageHome::registry:
      if (homes.registry == nullptr) return refused_home(request.target, "registry access");
      return insert_registry_image(request, *homes.registry, context);
  }
  return refused_home(request.target, "home");
}

util::Result<OperationOutcome> extract(const ExtractRequest& request, const ReportContext& context,
                                       const Homes& homes) {
  switch (home_of(request.target)) {
    case ImageHome::file: {
      auto ref = oci::parse_image_ref(request.target);
      if (!ref) return ref.error();
      auto set = oci::read_image_set(*ref);
      if (!set) return set.error();
      return extract_set(*set, request.target, context);
    }
    case ImageHome::engine:
      if (homes.engine == nullptr) return refused_home(request.target, "Docker engine");
      return extract_engine_image(*homes.engine, request, context);
    case ImageHome::registry:
      if (homes.registry == nullptr) return refused_home(request.target, "registry access");
      return extract_registry_image(request.target, *homes.registry, context);
  }
  return refused_home(request.target, "home");
}

util::Result<OperationOutcome> extract_set(const oci::ImageSet& set, const std::string& target,
                                           const ReportContext& context, const ExtractAccess& access) {
  OperationOutcome outcome;
  oci::Json chalks = oci::Json::array();
  oci::Json unmarked = oci::Json::array();
  oci::Json collected = oci::Json::array();
  oci::Json errors = oci::Json::array();
  for (const auto& entry : set.entries) {
    std::vector<const oci::Image*> images;
    oci::collect_images(entry.node, images);
    for (const oci::Image* image : images) {
      if (image->platform().os == "unknown") continue;  // attestation manifests
      auto found = find_mark(*image, access.read_mark_file);
      if (!found) return found.error();
      const std::string name = entry.names.empty() ? target : entry.names.front();
      if (!found->mark) {
        unmarked.push_back(name);
        if (!found->inherited_metadata_id.empty()) {
          collected.push_back({{"_OP_ARTIFACT_TYPE", "Docker Image"},
                               {"_OP_ARTIFACT_CONTEXT", "base"},
                               {"OLD_CHALK_METADATA_ID", found->inherited_metadata_id}});
        }
        continue;
      }
      const auto check = check_mark(*found->mark);
      oci::Json item = *found->mark;
      const std::string id =
          access.image_id ? access.image_id(*image) : std::string(image->config_descriptor.digest.hex());
      item["_OP_ARTIFACT_TYPE"] = "Docker Image";
      item["_CURRENT_HASH"] = id;
      item["_IMAGE_ID"] = id;
      item["_VALIDATED_METADATA"] = check.valid;
      if (!check.valid) {
        const std::string line =
            name + " (" + image->platform().str() + "): invalid chalk mark: " + check.problem;
        errors.push_back(line);
        outcome.warnings.push_back(line);
        outcome.exit_code = 1;
      }
      chalks.push_back(std::move(item));
    }
  }
  outcome.report = report_envelope("extract", context);
  if (!chalks.empty()) outcome.report["_CHALKS"] = chalks;
  if (!collected.empty()) outcome.report["_COLLECTED_ARTIFACTS"] = collected;
  if (!unmarked.empty()) outcome.report["_UNMARKED"] = unmarked;
  if (!errors.empty()) outcome.report["_OP_ERRORS"] = errors;
  outcome.report["_OP_CHALK_COUNT"] = chalks.size();
  outcome.report["_OP_UNMARKED_COUNT"] = unmarked.size();
  return outcome;
}

}  // namespace chalk::ops
