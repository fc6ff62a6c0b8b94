// `build`: every argument but --config goes to docker build untouched; docker's exit code is ours.
#include <unistd.h>

#include <iostream>

#include "plugin/cli/runtime.hpp"
#include "plugin/embedded/embedded.hpp"
#include "plugin/ops/build_op.hpp"

namespace chalk::cli {

void add_build_command(CLI::App& app, Runtime& runtime) {
  auto* command =
      app.add_subcommand("build", "Run docker build, then chalk the image it built and print a build report");
  command->footer(command_footer(
      "All arguments but --config/--config-file are passed to `docker build` unchanged (see `docker build\n"
      "--help`); its output streams as usual. The built image then gets the chalk layer (mark, config,\n"
      "runtime shim) and each -t tag moves to the chalked image (--iidfile and -q give its ID).\n"
      "If chalking fails, the image docker built is left as it is, with a warning.\n"
      "--push (or --output type=registry) with the classic builder, which cannot push: the plugin\n"
      "builds, chalks, pushes each -t tag with docker push and prints a push report after the build\n"
      "report. buildx pushes by itself: the plugin then chalks each -t tag in its registry (as\n"
      "`docker chalk insert docker://TAG` does) and prints the build and push reports.",
      "docker build's own (0 when it built and chalking succeeded or failed open); 1 a rejected config;\n"
      "2 bad usage (--config without a FILE)",
      "docker chalk build --config my.c4m -t app:1 ."));
  pass_arguments_to_docker(*command, runtime);
  command->callback([&runtime, command] {
    std::vector<std::string> args = docker_arguments(*command, runtime);
    runtime.begin("build");
    ops::BuildRequest request;
    request.args = std::move(args);
    request.config_source = runtime.config_source();
    request.shim = Runtime::shim();
    request.cwd = std::filesystem::current_path();
    request.temp_directory = runtime.temp_directory();
    request.registry = runtime.registry_access();
    auto outcome = ops::build(request, runtime.docker_client(), runtime.engine(), runtime.context());
    runtime.debug("docker build ran " + std::to_string(outcome.docker_build_ms) + " ms");
    if (outcome.quiet) runtime.reports_to_stderr();
    std::cerr << outcome.docker_stderr;
    for (const auto& warning : outcome.warnings) runtime.warn(warning);
    if (outcome.quiet) std::cout << outcome.quiet_output << std::flush;
    if (outcome.report) runtime.publish(*outcome.report);
    if (outcome.push) runtime.publish(*outcome.push);
    if (outcome.failure) runtime.publish_to_topic("fail", *outcome.failure);
    if (outcome.exit_code != 0) throw Fatal(outcome.exit_code, "");
  });
}

}  // namespace chalk::cli
