// `insert` and `extract`: options in, operation called, report out.
#include "plugin/cli/registry_options.hpp"
#include "plugin/cli/runtime.hpp"
#include "plugin/embedded/embedded.hpp"
#include "plugin/ops/image_ops.hpp"
#include "plugin/ops/registry_ops.hpp"

namespace chalk::cli {

namespace {

std::optional<oci::ImageSet::Format> parse_format(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text == "docker-archive") return oci::ImageSet::Format::docker_archive;
  if (text == "oci-archive") return oci::ImageSet::Format::oci_archive;
  if (text == "oci") return oci::ImageSet::Format::oci_layout;
  throw Fatal(k_exit_bad_input, "--format `" + text + "`: expected docker-archive, oci-archive or oci");
}

// What an operation on `target` may reach: the engine only for a local image name and a
// registry only for docker:// (its access kept in `access`), so an archive is chalked with no
// engine running.
ops::Homes homes_for(Runtime& runtime, const std::string& target, const ops::RegistryAccess& options,
                     std::optional<ops::RegistryAccess>& access) {
  ops::Homes homes;
  switch (ops::home_of(target)) {
    case ops::ImageHome::engine:
      homes.engine = &runtime.engine();
      break;
    case ops::ImageHome::registry:
      access = runtime.registry_access(options);
      homes.registry = &*access;
      break;
    case ops::ImageHome::file:
      break;
  }
  return homes;
}

void finish(Runtime& runtime, const ops::OperationOutcome& outcome) {
  runtime.end_progress();
  for (const auto& warning : outcome.warnings) runtime.warn(warning);
  runtime.publish(outcome.report);
  if (outcome.exit_code != 0) throw Fatal(outcome.exit_code, "");
}

}  // namespace

void add_insert_command(CLI::App& app, Runtime& runtime) {
  struct Options {
    std::string target;
    std::string output;
    std::string format;
    ops::RegistryAccess registry;
  };
  auto options = std::make_shared<Options>();
  auto* command =
      app.add_subcommand("insert", "Chalk an image archive or OCI layout and print an insert report");
  command->footer(command_footer(
      "TARGET is docker-archive:FILE, oci:DIR[:TAG], oci-archive:FILE[:TAG], a path whose format is\n"
      "detected, or a local image name (chalked in the engine; that tag moves to the chalked image).\n"
      "Without -o, archives are replaced atomically and OCI layouts are updated in place (new blobs\n"
      "first, index.json last). Every platform of an index is chalked.\n"
      "docker://REF chalks an image in its registry with no engine: only new blobs are uploaded and\n"
      "the tag moves last (or -o docker://OTHER is written); every platform of an index is chalked.\n"
      "Credentials come from docker's config.json (auths, credsStore, credHelpers).\n"
      "Bad input (truncated or hostile archives, wrong digests) exits 2 and leaves nothing behind.",
      k_image_exit_codes, "docker chalk insert --config my.c4m image.tar -o chalked.tar"));
  add_config_option(*command, runtime);
  command->add_option("target", options->target, "Image to chalk")->required();
  command->add_option("-o,--output", options->output,
                      "Write the chalked image here instead of replacing TARGET: a path, or\n"
                      "docker-archive:FILE, oci-archive:FILE, oci:DIR (which also set the format)");
  command->add_option("--format", options->format,
                      "Output format: docker-archive, oci-archive or oci (default: TARGET's)");
  add_registry_options(*command, options->registry);
  command->callback([&runtime, options] {
    runtime.begin("insert");
    ops::InsertRequest request;
    request.config_source = runtime.config_source();
    request.shim = Runtime::shim();
    request.target = options->target;
    request.output = options->output;
    request.output_format = parse_format(options->format);
    request.progress =
        runtime.progress("writing " + (options->output.empty() ? options->target : options->output));
    request.temp_directory = runtime.temp_directory();
    std::optional<ops::RegistryAccess> access;
    const ops::Homes homes = homes_for(runtime, options->target, options->registry, access);
    auto outcome = ops::insert(request, runtime.context(), homes);
    if (!outcome) fail(outcome.error());
    finish(runtime, *outcome);
  });
}

void add_extract_command(CLI::App& app, Runtime& runtime) {
  auto target = std::make_shared<std::string>();
  auto registry = std::make_shared<ops::RegistryAccess>();
  auto* command = app.add_subcommand(
      "extract", "Read an image's chalk mark back, validate it and print an extract report");
  command->footer(
      command_footer("An unchalked image is reported as such (exit 0); a mark that fails validation exits 1.",
                     k_image_exit_codes, "docker chalk extract --config my.c4m app:1"));
  add_config_option(*command, runtime);
  command
      ->add_option(
          "target", *target,
          "Image to read: docker-archive:FILE, oci:DIR[:TAG], oci-archive:FILE[:TAG], a path, a local "
          "image or docker://REF (only its manifest, config and chalk layer are fetched)")
      ->required();
  add_registry_options(*command, *registry);
  command->callback([&runtime, target, registry] {
    runtime.begin("extract");
    std::optional<ops::RegistryAccess> access;
    const ops::Homes homes = homes_for(runtime, *target, *registry, access);
    auto outcome = ops::extract({*target, runtime.temp_directory()}, runtime.context(), homes);
    if (!outcome) fail(outcome.error());
    finish(runtime, *outcome);
  });
}

}  // namespace chalk::cli
