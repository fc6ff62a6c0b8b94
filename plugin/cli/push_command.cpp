// `push`: every argument goes to docker push untouched; docker's exit code is ours; then the
// push report with the digests the registry serves.
#include "plugin/cli/runtime.hpp"
#include "plugin/ops/registry_ops.hpp"

namespace chalk::cli {

void add_push_command(CLI::App& app, Runtime& runtime) {
  auto* command =
      app.add_subcommand("push", "Run docker push, then print a push report with the registry's digests");
  command->footer(
      "All arguments are passed to `docker push` unchanged (see `docker push --help`); its output\n"
      "streams as usual and its exit code is ours. Then, for the pushed tag (each tag with -a),\n"
      "the report gives the mark's CHALK_ID and METADATA_ID and the digest the registry serves\n"
      "(_REPO_DIGESTS, _REPO_TAGS), read back from the registry with the credentials docker uses.\n"
      "An unchalked image is pushed all the same; its report says so. TLS for that read-back\n"
      "follows docker: loopback registries may speak plain HTTP, other registries must verify.");
  command->prefix_command();
  command->allow_extras();
  command->callback([&runtime, command] {
    runtime.begin("push");
    ops::PushRequest request;
    request.args = command->remaining();
    auto client = docker::make_process_client(runtime.settings().docker_exe);
    auto outcome = ops::push(request, *client, runtime.context());
    for (const auto& warning : outcome.warnings) runtime.warn(warning);
    if (outcome.report) runtime.publish(*outcome.report);
    if (outcome.failure) runtime.publish_to_topic("fail", *outcome.failure);
    if (outcome.exit_code != 0) throw Fatal(outcome.exit_code, "");
  });
}

}  // namespace chalk::cli
