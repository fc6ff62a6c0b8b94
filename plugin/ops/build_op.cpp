#include "plugin/ops/build_op.hpp"

#include <iostream>

#include "oci/file_io.hpp"
#include "plugin/build/build_args.hpp"
#include "plugin/build/provenance.hpp"
#include "plugin/chalk/chalker.hpp"
#include "plugin/chalk/host_facts.hpp"
#include "plugin/chalk/ids.hpp"
#include "plugin/docker/engine_image.hpp"
#include "plugin/ops/image_ops.hpp"

namespace chalk::ops {

namespace fs = std::filesystem;

namespace {

// A temporary file path removed on scope exit.
struct TempPath {
  fs::path path;
  ~TempPath() {
    std::error_code ignored;
    if (!path.empty()) fs::remove(path, ignored);
  }
};

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string hex_of(const std::string& image_id) {
  return image_id.rfind("sha256:", 0) == 0 ? image_id.substr(7) : image_id;
}

struct Chalked {
  std::string image_id;  // "sha256:..."
  oci::Json chalks = oci::Json::array();
  std::vector<std::string> warnings;
  std::string path;      // "thin load" or "save/load", for the log
};

ChalkRequest chalk_request(const BuildRequest& request, const build::BuildInvocation& invocation, const oci::Json& mark_fields,
                           const std::string& chalk_id, std::int64_t timestamp, const ReportContext& context) {
  ChalkRequest chalk;
  chalk.chalk_id = chalk_id;
  chalk.timestamp_ms = timestamp;
  chalk.tags = invocation.tags;
  chalk.build_fields = mark_fields;
  chalk.config_source = request.config_source;
  chalk.shim = request.shim;
  chalk.wrap = context.settings.wrap_entrypoint;
  chalk.label_prefix = context.settings.label_prefix;
  chalk.temp_directory = request.temp_directory;
  chalk.layer_mtime = source_date_epoch();
  return chalk;
}

// Fast path: no layer leaves the engine.
oci::Result<Chalked> chalk_by_thin_load(docker::DockerClient& client, const std::string& built_id, const ChalkRequest& chalk,
                                        const fs::path& temp_directory) {
  auto engine = docker::read_engine_image(client, built_id);
  if (!engine) return engine.error();
  auto result = chalk_image(engine->image, chalk);
  if (!result) return result.error();
  TempPath archive{oci::temporary_sibling(temp_directory / "thin.tar")};
  if (auto ok = docker::write_thin_archive(result->image, chalk.tags, archive.path); !ok) return ok.error();
  auto loaded = docker::load_archive(client, archive.path);
  if (!loaded) return loaded.error();
  Chalked chalked;
  chalked.image_id = result->image.config_descriptor.digest.str();
  if (auto present = docker::inspect_image(client, chalked.image_id); !present) return present.error();
  chalked.chalks.push_back(artifact_entry(result->mark, result->image, std::string(hex_of(chalked.image_id))));
  chalked.warnings = std::move(result->warnings);
  chalked.path = "thin load";
  return chalked;
}

// Slow path: the whole image through docker save and docker load.
oci::Result<Chalked> chalk_by_save_load(docker::DockerClient& client, const std::string& built_id, const ChalkRequest& chalk,
                                        const fs::path& temp_directory) {
  auto saved = docker::save_engine_image(client, built_id, temp_directory);
  if (!saved) return saved.error();
  TempPath saved_archive{saved->archive};
  SetChalking chalking;
  chalking.chalk_id = chalk.chalk_id;
  chalking.timestamp_ms = chalk.timestamp_ms;
  chalking.tags = chalk.tags;
  chalking.build_fields = chalk.build_fields;
  chalking.config_source = chalk.config_source;
  chalking.shim = chalk.shim;
  chalking.wrap = chalk.wrap;
  chalking.label_prefix = chalk.label_prefix;
  chalking.temp_directory = temp_directory;
  Chalked chalked;
  auto set = chalk_set(saved->set, chalking, chalked.chalks, chalked.warnings);
  if (!set) return set.error();
  for (auto& entry : set->entries) entry.names = chalk.tags;
  TempPath archive{oci::temporary_sibling(temp_directory / "chalked.tar")};
  if (auto ok = oci::write_image_set(*set, {oci::ImageSet::Format::docker_archive, archive.path, {}}); !ok) {
    return ok.error();
  }
  if (auto loaded = docker::load_archive(client, archive.path); !loaded) return loaded.error();
  std::vector<const oci::Image*> images;
  oci::collect_images(set->entries.front().node, images);
  chalked.image_id = images.front()->config_descriptor.digest.str();
  for (auto& entry : chalked.chalks) {
    entry["_IMAGE_ID"] = hex_of(chalked.image_id);
    entry["_CURRENT_HASH"] = hex_of(chalked.image_id);
  }
  chalked.path = "save/load";
  return chalked;
}

}  // namespace

BuildOutcome build(const BuildRequest& request, docker::DockerClient& client, const ReportContext& context) {
  BuildOutcome outcome;
  auto invocation = build::parse_build_args(request.args);
  TempPath own_iidfile;
  std::vector<std::string> docker_args = request.args;
  std::string iidfile;
  if (invocation) {
    outcome.quiet = invocation->quiet;
    iidfile = invocation->iidfile;
    if (iidfile.empty()) {
      own_iidfile.path = oci::temporary_sibling(request.temp_directory / "iid");
      iidfile = own_iidfile.path.string();
      docker_args = build::with_iidfile(request.args, iidfile);
    }
  } else {
    outcome.warnings.push_back("cannot read the build arguments (" + invocation.error().message +
                               "); running docker build without chalking");
  }

  std::vector<std::string> full{"build"};
  full.insert(full.end(), docker_args.begin(), docker_args.end());
  if (outcome.quiet) {
    auto captured = client.capture(full);
    if (!captured) {
      outcome.exit_code = 1;
      outcome.warnings.push_back(captured.error().message);
      return outcome;
    }
    std::cerr << captured->err;
    outcome.exit_code = captured->exit_code;
    outcome.quiet_output = captured->out;
  } else {
    auto status = client.stream(full);
    if (!status) {
      outcome.exit_code = 1;
      outcome.warnings.push_back(status.error().message);
      return outcome;
    }
    outcome.exit_code = *status;
  }

  oci::Json report = report_envelope("build", context);
  report["_OP_EXIT_CODE"] = outcome.exit_code;
  if (outcome.exit_code != 0 || !invocation) {
    report["_OP_CHALK_COUNT"] = 0;
    outcome.failure = report;
    return outcome;
  }
  if (invocation->push) {
    outcome.warnings.push_back("this build pushed docker's unchalked image; push the chalked one with `docker chalk push`");
  }

  const std::string built_id = [&] {
    auto text = oci::read_small_file(iidfile, 4096);
    return text ? trim(*text) : std::string();
  }();
  outcome.image_id = built_id;
  const std::string name = invocation->tags.empty() ? built_id : invocation->tags.front();
  auto unchalked = [&](const std::string& cause) {
    outcome.warnings.push_back("chalking `" + name + "`: " + cause + "; image left unchalked");
    report["_OP_CHALK_COUNT"] = 0;
    report["_OP_UNMARKED_COUNT"] = 1;
    report["_UNMARKED"] = oci::Json::array({name});
    report["_OP_ERRORS"] = oci::Json::array({cause});
    outcome.failure = report;
  };
  if (built_id.empty()) {
    unchalked("docker build reported no image ID (a build with --output or a non-docker builder?)");
    return outcome;
  }

  const fs::path context_dir = [&] {
    if (invocation->context == "-" || invocation->context.find("://") != std::string::npos ||
        invocation->context.rfind("git@", 0) == 0) {
      return request.cwd;
    }
    return fs::absolute(request.cwd / invocation->context);
  }();
  const oci::Json dockerfile = build::dockerfile_fields(*invocation, request.cwd);
  oci::Json mark_fields = build::git_fields(context_dir);
  for (const char* key : {"DOCKER_FILE", "DOCKER_LABELS"}) {
    if (dockerfile.contains(key)) mark_fields[key] = dockerfile[key];
  }
  const ChalkRequest chalk = chalk_request(request, *invocation, mark_fields, random_chalk_id(), now_ms(), context);

  auto chalked = chalk_by_thin_load(client, built_id, chalk, request.temp_directory);
  if (!chalked) {
    const std::string fast_failure = chalked.error().message;
    chalked = chalk_by_save_load(client, built_id, chalk, request.temp_directory);
    if (!chalked) {
      unchalked(chalked.error().message + " (fast path: " + fast_failure + ")");
      return outcome;
    }
  }
  for (const auto& warning : chalked->warnings) outcome.warnings.push_back(warning);
  if (!invocation->iidfile.empty()) {
    if (auto ok = oci::write_file_atomically(invocation->iidfile, chalked->image_id); !ok) {
      outcome.warnings.push_back("updating --iidfile: " + ok.error().message);
    }
  }
  for (auto& entry : chalked->chalks) {
    for (const char* key : {"DOCKERFILE_PATH", "DOCKER_CONTEXT"}) {
      if (dockerfile.contains(key)) entry[key] = dockerfile[key];
    }
  }
  outcome.image_id = chalked->image_id;
  if (outcome.quiet) outcome.quiet_output = chalked->image_id + "\n";
  report["_CHALKS"] = chalked->chalks;
  report["_OP_CHALK_COUNT"] = chalked->chalks.size();
  report["_OP_UNMARKED_COUNT"] = 0;
  outcome.report = report;
  return outcome;
}

}  // namespace chalk::ops
