#include "plugin/ops/build_op.hpp"

#include "oci/file_io.hpp"
#include "plugin/build/build_args.hpp"
#include "plugin/build/provenance.hpp"
#include "plugin/chalk/chalker.hpp"
#include "plugin/chalk/host_facts.hpp"
#include "plugin/chalk/ids.hpp"
#include "plugin/ops/engine_ops.hpp"
#include "plugin/ops/image_ops.hpp"
#include "plugin/ops/registry_ops.hpp"

namespace chalk::ops {

namespace fs = std::filesystem;

namespace {

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

// buildx pushes by itself; the classic builder (no buildx plugin) has no --push.
bool classic_builder(docker::DockerClient& client) {
  auto buildx = client.capture({"buildx", "version"});
  return !buildx || buildx->exit_code != 0;
}

// --push with the classic builder: `docker push` of each tag (now the chalked image, or
// docker's if chalking failed), then the push report. Returns push's exit code.
int push_tags(const build::BuildInvocation& invocation, docker::DockerClient& client, docker::Engine& engine,
              const BuildRequest& request, const ReportContext& context, BuildOutcome& outcome) {
  if (invocation.tags.empty()) {
    outcome.warnings.push_back("--push: the build has no -t tag to push");
    return 1;
  }
  std::vector<std::string> pushed;
  int exit_code = 0;
  for (const auto& tag : invocation.tags) {
    std::vector<std::string> args{"push"};
    if (outcome.quiet) args.emplace_back("-q");
    args.push_back(tag);
    // Under -q stdout carries only the image ID: docker push's own output goes to stderr.
    int status = 1;
    if (outcome.quiet) {
      auto captured = client.capture(args);
      if (captured) {
        outcome.docker_stderr += captured->err;
        status = captured->exit_code;
      }
    } else {
      auto streamed = client.stream(args);
      if (streamed) status = *streamed;
    }
    if (status != 0) {
      outcome.warnings.push_back("--push: `docker push " + tag + "` failed");
      exit_code = status;
      continue;
    }
    pushed.push_back(tag);
  }
  if (!pushed.empty()) {
    oci::Json report =
        push_report(pushed, engine, request.registry, context, request.temp_directory, outcome.warnings);
    report["_OP_EXIT_CODE"] = exit_code;
    outcome.push = std::move(report);
  }
  return exit_code;
}

// `docker build ARGS`, its output streamed (under -q captured: stdout kept for the caller,
// stderr handed to the caller); sets the outcome's exit code. False when docker could not run at all.
bool run_docker_build(docker::DockerClient& client, const std::vector<std::string>& args,
                      BuildOutcome& outcome) {
  std::vector<std::string> full{"build"};
  full.insert(full.end(), args.begin(), args.end());
  if (outcome.quiet) {
    auto captured = client.capture(full);
    if (!captured) {
      outcome.exit_code = 1;
      outcome.warnings.push_back(captured.error().message);
      return false;
    }
    outcome.docker_stderr += captured->err;
    outcome.exit_code = captured->exit_code;
    outcome.quiet_output = captured->out;
    return true;
  }
  auto status = client.stream(full);
  if (!status) {
    outcome.exit_code = 1;
    outcome.warnings.push_back(status.error().message);
    return false;
  }
  outcome.exit_code = *status;
  return true;
}

// What a build adds to its mark (git, DOCKER_FILE, DOCKER_LABELS) and to each report entry
// (DOCKERFILE_PATH, DOCKER_CONTEXT).
struct BuildFields {
  oci::Json mark;
  oci::Json entry;
};

BuildFields build_fields_of(const build::BuildInvocation& invocation, const fs::path& cwd,
                            const std::map<std::string, std::string>& environment) {
  const fs::path context_dir = [&] {
    if (invocation.context == "-" || invocation.context.find("://") != std::string::npos ||
        invocation.context.rfind("git@", 0) == 0) {
      return cwd;
    }
    return fs::absolute(cwd / invocation.context);
  }();
  const oci::Json dockerfile = build::dockerfile_fields(invocation, cwd, environment);
  BuildFields fields{build::git_fields(context_dir, environment), oci::Json::object()};
  for (const char* key : {"DOCKER_FILE", "DOCKER_LABELS"}) {
    if (dockerfile.contains(key)) fields.mark[key] = dockerfile[key];
  }
  for (const char* key : {"DOCKERFILE_PATH", "DOCKER_CONTEXT"}) {
    if (dockerfile.contains(key)) fields.entry[key] = dockerfile[key];
  }
  return fields;
}

// docker build, then chalking; fail open.
BuildOutcome build_and_chalk(const BuildRequest& request, docker::DockerClient& client,
                             docker::Engine& engine, const ReportContext& context) {
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
      own_iidfile = oci::TempPath{path};
      if (oci::write_file_atomically(path, "")) {
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

  const std::int64_t started_ms = context.effects.now_ms();
  const bool ran = run_docker_build(client, docker_args, outcome);
  outcome.docker_build_ms = context.effects.now_ms() - started_ms;
  if (!ran) return outcome;

  oci::Json report = report_envelope("build", context);
  report["_OP_EXIT_CODE"] = outcome.exit_code;
  if (outcome.exit_code != 0 || !invocation) {
    report["_OP_CHALK_COUNT"] = 0;
    outcome.failure = report;
    return outcome;
  }
  const std::string built_id = [&] {
    auto text = oci::read_small_file(iidfile, 4096);
    return text ? trim(*text) : std::string();
  }();
  outcome.image_id = built_id;
  const std::string name = !invocation->tags.empty() ? invocation->tags.front()
                           : built_id.empty()        ? "the built image"
                                                     : built_id;
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

  BuildFields fields = build_fields_of(*invocation, request.cwd, context.environment);
  ChalkRequest chalk =
      new_chalk_request(context, request.config_source, request.shim, true, request.temp_directory);
  chalk.tags = invocation->tags;
  chalk.build_fields = std::move(fields.mark);

  auto chalked = chalk_engine_image(engine, built_id, chalk, context, "build");
  if (!chalked) {
    unchalked(chalked.error().message);
    return outcome;
  }
  for (const auto& warning : chalked->outcome.warnings) outcome.warnings.push_back(warning);
  if (!invocation->iidfile.empty()) {
    if (auto ok = oci::write_file_atomically(invocation->iidfile, chalked->image_id); !ok) {
      outcome.warnings.push_back("updating --iidfile: " + ok.error().message);
    }
  }
  oci::Json chalks = chalked->outcome.report["_CHALKS"];
  for (auto& entry : chalks) entry.update(fields.entry);
  outcome.image_id = chalked->image_id;
  if (outcome.quiet) outcome.quiet_output = chalked->image_id + "\n";
  report["_OP_CHALK_COUNT"] = chalks.size();
  report["_CHALKS"] = std::move(chalks);
  report["_OP_UNMARKED_COUNT"] = 0;
  outcome.report = report;
  return outcome;
}

// buildx --push sends docker's image straight to the registry (never to the engine): chalk
// it there, as `insert docker://TAG` does, each -t tag moved to the chalked image. The build
// report and a push report carry the digests the registry then serves. Fail open: a tag
// that cannot be chalked keeps docker's image, with a warning.
BuildOutcome build_pushed_by_buildx(const BuildRequest& request, const build::BuildInvocation& invocation,
                                    docker::DockerClient& client, const ReportContext& context) {
  BuildOutcome outcome;
  outcome.quiet = invocation.quiet;
  if (!run_docker_build(client, request.args, outcome)) return outcome;
  oci::Json report = report_envelope("build", context);
  report["_OP_EXIT_CODE"] = outcome.exit_code;
  if (outcome.exit_code != 0) {
    report["_OP_CHALK_COUNT"] = 0;
    outcome.failure = report;
    return outcome;
  }
  const BuildFields fields = build_fields_of(invocation, request.cwd, context.environment);
  oci::Json chalks = oci::Json::array();
  oci::Json unmarked = oci::Json::array();
  oci::Json errors = oci::Json::array();
  for (const auto& tag : invocation.tags) {
    ChalkRequest chalk =
        new_chalk_request(context, request.config_source, request.shim, true, request.temp_directory);
    chalk.build_fields = fields.mark;
    auto chalked = chalk_registry_tag(tag, std::move(chalk), request.registry, context);
    if (!chalked) {
      outcome.warnings.push_back("chalking `" + tag + "` in its registry after buildx pushed it: " +
                                 chalked.error().message + "; the pushed image is left unchalked");
      unmarked.push_back(tag);
      errors.push_back(chalked.error().message);
      continue;
    }
    for (const auto& warning : chalked->warnings) outcome.warnings.push_back(warning);
    for (auto entry : chalked->report["_CHALKS"]) {
      entry.update(fields.entry);
      chalks.push_back(std::move(entry));
    }
  }
  if (invocation.tags.empty()) {
    const std::string cause = "the build names no -t tag to chalk in the registry";
    outcome.warnings.push_back(cause + "; the pushed image is left unchalked");
    unmarked.push_back("the built image");
    errors.push_back(cause);
  }
  report["_OP_CHALK_COUNT"] = chalks.size();
  report["_OP_UNMARKED_COUNT"] = unmarked.size();
  if (!chalks.empty()) report["_CHALKS"] = chalks;
  if (!unmarked.empty()) {
    report["_UNMARKED"] = unmarked;
    report["_OP_ERRORS"] = errors;
  }
  if (chalks.empty()) {
    outcome.failure = report;
    return outcome;
  }
  outcome.report = report;
  oci::Json push = push_report_of(chalks, context);
  push["_OP_EXIT_CODE"] = 0;
  outcome.push = std::move(push);
  return outcome;
}

}  // namespace

BuildOutcome build(const BuildRequest& request, docker::DockerClient& client, docker::Engine& engine,
                   const ReportContext& context) {
  auto invocation = build::parse_build_args(request.args);
  if (!invocation || !invocation->push) return build_and_chalk(request, client, engine, context);
  if (!classic_builder(client)) return build_pushed_by_buildx(request, *invocation, client, context);
  // The classic builder cannot push: build without asking it to, chalk, push the result.
  BuildRequest without = request;
  without.args = build::without_push(request.args);
  BuildOutcome outcome = build_and_chalk(without, client, engine, context);
  if (outcome.exit_code == 0)
    outcome.exit_code = push_tags(*invocation, client, engine, request, context, outcome);
  return outcome;
}

}  // namespace chalk::ops
