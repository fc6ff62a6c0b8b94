#include "plugin/ops/build_op.hpp"

#include <iostream>

#include "oci/file_io.hpp"
#include "plugin/build/build_args.hpp"
#include "plugin/build/provenance.hpp"
#include "plugin/chalk/chalker.hpp"
#include "plugin/chalk/host_facts.hpp"
#include "plugin/chalk/ids.hpp"
#include "plugin/ops/engine_ops.hpp"
#include "plugin/ops/image_ops.hpp"

namespace chalk::ops {

namespace fs = std::filesystem;

namespace {


std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

BuildOutcome build(const BuildRequest& request, docker::DockerClient& client, docker::Engine& engine,
                   const ReportContext& context) {
  BuildOutcome outcome;
  auto invocation = build::parse_build_args(request.args);
  oci::TempPath own_iidfile;
  std::vector<std::string> docker_args = request.args;
  std::string iidfile;
  std::string iid_problem;
  if (invocation) {
    outcome.quiet = invocation->quiet;
    iidfile = invocation->iidfile;
    if (iidfile.empty()) {
      // Created here first: if the temporary directory is unusable, docker must not fail
      // writing its --iidfile there; the build then runs as typed and stays unchalked.
      const auto path = oci::temporary_sibling(request.temp_directory / "iid");
      if (oci::write_file_atomically(path, "")) {
        own_iidfile = oci::TempPath{path};
        iidfile = path.string();
        docker_args = build::with_iidfile(request.args, iidfile);
      } else {
        iid_problem = "cannot create a temporary file in `" + request.temp_directory.string() + "` (TMPDIR)";
      }
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
    outcome.warnings.push_back("this build pushed docker's unchalked image; the tags now name the chalked one: push it with `docker push`");
  }

  const std::string built_id = [&] {
    auto text = oci::read_small_file(iidfile, 4096);
    return text ? trim(*text) : std::string();
  }();
  outcome.image_id = built_id;
  const std::string name =
      !invocation->tags.empty() ? invocation->tags.front() : built_id.empty() ? "the built image" : built_id;
  auto unchalked = [&](const std::string& cause) {
    outcome.warnings.push_back("chalking `" + name + "`: " + cause + "; image left unchalked");
    report["_OP_CHALK_COUNT"] = 0;
    report["_OP_UNMARKED_COUNT"] = 1;
    report["_UNMARKED"] = oci::Json::array({name});
    report["_OP_ERRORS"] = oci::Json::array({cause});
    outcome.failure = report;
  };
  if (!iid_problem.empty()) {
    unchalked(iid_problem);
    return outcome;
  }
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
  ChalkRequest chalk = new_chalk_request(context, request.config_source, request.shim, true, request.temp_directory);
  chalk.tags = invocation->tags;
  chalk.build_fields = std::move(mark_fields);

  auto chalked = chalk_engine_image(engine, built_id, chalk, request.temp_directory);
  if (!chalked) {
    unchalked(chalked.error().message);
    return outcome;
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
