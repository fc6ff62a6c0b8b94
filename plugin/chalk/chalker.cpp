#include "plugin/chalk/chalker.hpp"

#include "oci/mutate.hpp"
#include "oci/tar_writer.hpp"
#include "plugin/chalk/host_facts.hpp"
#include "plugin/chalk/ids.hpp"
#include "plugin/chalk/mark.hpp"
#include "plugin/chalk/wrap.hpp"

namespace chalk {

namespace {

bool is_chalk_label(const std::string& key, const std::string& label_prefix) {
  return key.rfind("run.chalk.", 0) == 0 || (!label_prefix.empty() && key.rfind(label_prefix, 0) == 0);
}

std::string last_created_by(const oci::Image& image) {
  const oci::Json history = image.history();
  if (history.empty()) return "";
  return history.back().value("created_by", "");
}

bool history_says_marked(const oci::Image& image) {
  const std::string created_by = last_created_by(image);
  return created_by.find("COPY ") != std::string::npos &&
         created_by.find(" /chalk.json") != std::string::npos;
}

// "COMMIT_ID" -> "commit-id"
std::string label_suffix(const std::string& key) {
  std::string suffix;
  for (char c : key)
    suffix.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return suffix;
}

}  // namespace

HistoryVerdict find_mark_in_history(const oci::Image& image) {
  HistoryVerdict verdict;
  const oci::Json container = oci::container_config(image);
  if (auto labels = container.find("Labels"); labels != container.end() && labels->is_object()) {
    if (auto id = labels->find(k_label_metadata_id); id != labels->end() && id->is_string()) {
      verdict.inherited_metadata_id = id->get<std::string>();
    }
  }
  verdict.history_says_marked = history_says_marked(image) && !image.layers.empty();
  return verdict;
}

util::Result<std::optional<std::string>> mark_file_in_last_layer(const oci::Image& image) {
  if (image.layers.empty()) return std::optional<std::string>();
  auto layer = oci::open_blob(*image.blobs, image.layers.back());
  if (!layer) return layer.error();
  return oci::read_file_from_layer(std::move(*layer), "chalk.json", k_max_mark_size,
                                   "layer " + image.layers.back().digest.str());
}

util::Result<FoundMark> find_mark(const oci::Image& image, const MarkFileReader& read_mark_file) {
  const HistoryVerdict verdict = find_mark_in_history(image);
  FoundMark found;
  found.inherited_metadata_id = verdict.inherited_metadata_id;
  if (!verdict.history_says_marked) return found;
  auto content = read_mark_file(image);
  if (!content) return content.error();
  if (*content) found.mark = parse_mark(**content);
  if (found.mark) found.inherited_metadata_id.clear();
  return found;
}

std::vector<oci::LayerFile> chalk_layer_files(const oci::Json& mark, const ChalkRequest& request,
                                              bool include_shim) {
  std::vector<oci::LayerFile> files;
  files.push_back({"chalk.json", 0444, serialize_mark(mark), {}});
  if (include_shim) files.push_back({"chalk.c4m", 0444, request.config_source, {}});
  return files;
}

Shim Shim::in_memory(std::string_view bytes, std::string sha256) {
  return Shim{[bytes]() -> util::Result<std::string_view> { return bytes; }, std::move(sha256)};
}

util::Result<std::vector<oci::LayerFile>> shim_layer_files(const ChalkRequest& request) {
  auto shim = request.shim.bytes();
  if (!shim) return shim.error();
  std::vector<oci::LayerFile> files;
  files.push_back({"chalk", 0755, {}, {}, *shim});
  if (!request.ca_bundle.empty()) files.push_back({"chalk.ca.pem", 0444, {}, {}, request.ca_bundle});
  return files;
}

util::Result<ChalkResult> chalk_image(const oci::Image& image, const ChalkRequest& request) {
  ChalkResult result;
  const oci::Json container = oci::container_config(image);
  const bool have_shim = request.shim.present();
  WrapPlan wrap = plan_wrap(container);
  const bool already_wrapped = wrap.wrapped && !wrap.entrypoint;
  // With no ENTRYPOINT, wrapping means adding one in front of CMD (docker.wrap_cmd).
  const auto entrypoint = container.find("Entrypoint");
  const bool cmd_only = wrap.entrypoint && (entrypoint == container.end() || entrypoint->is_null() ||
                                            (entrypoint->is_array() && entrypoint->empty()));
  if (!request.wrap) {
    wrap = WrapPlan{};
    if (!already_wrapped)
      result.warnings.push_back("entrypoint not wrapped (docker.wrap_entrypoint is false)");
  } else if (!request.wrap_cmd && cmd_only) {
    wrap = WrapPlan{};
    result.warnings.push_back("CMD not wrapped: the image has no ENTRYPOINT and docker.wrap_cmd is false");
  } else if (!have_shim && wrap.entrypoint) {
    wrap = WrapPlan{};
    wrap.warning = "entrypoint not wrapped: no runtime shim for this platform";
  }
  if (!wrap.warning.empty()) result.warnings.push_back(wrap.warning);

  // Re-chalking replaces our own last layer, unless it carries a shim the entrypoint
  // still needs and we cannot provide again.
  const bool ours_on_top = last_created_by(image) == k_history_created_by && !image.layers.empty();
  const bool drop_previous = ours_on_top && (have_shim || !already_wrapped);
  const bool include_shim = have_shim && (wrap.wrapped || (already_wrapped && drop_previous));
  if (include_shim && !request.config_credentials.empty()) {
    std::string where;
    for (const auto& item : request.config_credentials) where += (where.empty() ? "" : "; ") + item;
    return util::make_error(util::Errc::config,
                            "the config would be copied into the image with literal credentials (" + where +
                                "): read them with env(\"NAME\") so the container supplies them, or set "
                                "`allow_credentials_in_images: true` in the config to embed them anyway");
  }

  oci::Json fields = request.build_fields.is_object() ? request.build_fields : oci::Json::object();
  fields["CHALK_ID"] = request.chalk_id;
  fields["CHALK_VERSION"] = k_mark_version;
  fields["TIMESTAMP_WHEN_CHALKED"] = request.timestamp_ms;
  fields["DATETIME_WHEN_CHALKED"] = local_datetime(request.timestamp_ms);
  fields["PLATFORM_WHEN_CHALKED"] = platform_string();
  fields["CHALK_RAND"] = request.chalk_rand;
  fields["DOCKER_PLATFORM"] = image.platform().str();
  if (!request.tags.empty()) fields["DOCKER_TAGS"] = request.tags;
  if (!fields.contains("DOCKER_LABELS")) {
    oci::Json labels = oci::Json::object();
    if (auto found = container.find("Labels"); found != container.end() && found->is_object()) {
      for (const auto& item : found->items()) {
        if (!is_chalk_label(item.key(), request.label_prefix)) labels[item.key()] = item.value();
      }
    }
    fields["DOCKER_LABELS"] = labels;
  }
  result.mark = seal_mark(std::move(fields));

  // Uncompressed: the layer is mostly the static shim, and compressing it would cost more
  // than everything else chalking does; docker stores layers uncompressed and compresses
  // on push, as skopeo does for registries.
  auto layer = oci::build_layer(chalk_layer_files(result.mark, request, include_shim), oci::Compression::none,
                                request.temp_directory, request.layer_mtime);
  if (!layer) return layer.error();

  // Our previous layers go (the mark's, and the shim's below it), then the shim's layer
  // comes back (the same digest for the same shim) and the mark's goes on top.
  oci::Image base = image;
  for (const char* ours : {k_history_created_by, k_shim_history_created_by}) {
    if (!drop_previous || last_created_by(base) != ours || base.layers.empty()) break;
    oci::Mutation drop;
    drop.drop_last_layer = true;
    auto dropped = oci::mutate(base, drop);
    if (!dropped) return dropped.error();
    base = std::move(*dropped);
  }
  if (include_shim) {
    auto shim_layer = oci::build_layer_unless_cached([&request] { return shim_layer_files(request); },
                                                     oci::Compression::none, request.temp_directory,
                                                     request.layer_mtime, request.shim_layer_cache);
    if (!shim_layer) return shim_layer.error();
    oci::Mutation add_shim;
    add_shim.append = oci::Mutation::Append{
        std::move(*shim_layer),
        oci::Json{{"created", utc_rfc3339(request.timestamp_ms)}, {"created_by", k_shim_history_created_by}}};
    auto with_shim = oci::mutate(base, add_shim);
    if (!with_shim) return with_shim.error();
    base = std::move(*with_shim);
  }

  oci::Mutation mutation;
  mutation.append = oci::Mutation::Append{
      std::move(*layer),
      oci::Json{{"created", utc_rfc3339(request.timestamp_ms)}, {"created_by", k_history_created_by}}};
  mutation.set_labels[k_label_metadata_id] = result.mark["METADATA_ID"].get<std::string>();
  mutation.set_labels[k_label_chalk_id] = request.chalk_id;
  for (const auto& key : request.label_keys) {
    auto value = result.mark.find(key);
    if (value != result.mark.end() && value->is_string() && !value->get<std::string>().empty()) {
      mutation.set_labels[request.label_prefix + label_suffix(key)] = value->get<std::string>();
    }
  }
  for (const auto& [key, value] : request.custom_labels)
    mutation.set_labels[request.label_prefix + key] = value;
  if (wrap.entrypoint) mutation.entrypoint = *wrap.entrypoint;
  if (include_shim) mutation.on_build = plan_on_build(container);
  auto mutated = oci::mutate(base, mutation);
  if (!mutated) return mutated.error();
  result.image = std::move(*mutated);
  return result;
}

}  // namespace chalk
