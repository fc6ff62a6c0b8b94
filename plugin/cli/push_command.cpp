// `push`: every argument but --config goes to docker push untouched; docker's exit code is
// ours; then the push report with the digests the registry serves.
#include "plugin/cli/runtime.hpp"
#include "plugin/ops/registry_ops.hpp"

namespace chalk::cli {

void add_push_command(CLI::App& app, Runtime& runtime) {
  auto* command =
      app.add_subcommand("push", "Run docker push, then print a push report with the registry's digests");
  command->footer(command_footer(
      "All arguments but --config/--config-file are passed to `docker push` unchanged (see `docker push\n"
      "--help`); its output streams as usual. Then, for the pushed tag (each tag with -a), the report\n"
      "gives the mark's CHALK_ID and METADATA_ID and the digest the registry serves (_REPO_DIGESTS,\n"
      "_REPO_TAGS), read back from the registry with the credentials docker uses. An unchalked image\n"
      "is pushed all the same; its report says so. TLS for that read-back follows docker: loopback\n"
      "registries may speak plain HTTP, other registries must verify.",
      "docker push's own; 1 a rejected config; 2 bad usage (--config without a FILE)",
      "docker chalk push --config my.c4m localhost:5000/app:1"));
  pass_arguments_to_docker(*command, runtime);
  command->callback([&runtime, command] {
    std::vector<std::string> args = docker_arguments(*command, runtime);
    runtime.begin("push");
    ops::PushRequest request;
    request.args = std::move(args);
    request.access = runtime.registry_access();
    request.temp_directory = runtime.temp_directory();
    auto outcome = ops::push(request, runtime.docker_client(), runtime.engine(), runtime.context());
    for (const auto& warning : outcome.warnings) runtime.warn(warning);
    if (outcome.report) runtime.publish(*outcome.report);
    if (outcome.failure) runtime.publish_to_topic("fail", *outcome.failure);
    if (outcome.exit_code != 0) throw Fatal(outcome.exit_code, "");
  });
}

}  // namespace chalk::cli
