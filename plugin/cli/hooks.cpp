#include "plugin/cli/hooks.hpp"

#include "oci/json.hpp"

namespace chalk::cli {

namespace {

// The CLI's template functions: `{{arg . 0}}` is the command's first argument.
constexpr const char* k_first_argument = "{{arg . 0}}";

std::string next_steps(const std::string& template_text) {
  return oci::dump_json(oci::Json{{"Type", 0}, {"Template", template_text}});
}

}  // namespace

std::string hook_answer(std::string_view hook_data) {
  const auto data = oci::Json::parse(hook_data, nullptr, false);
  if (!data.is_object()) return {};
  const std::string command = data.value("RootCmd", "");
  if (!data.value("CommandError", "").empty()) return {};  // the command failed: nothing to report
  const auto flags = data.value("Flags", oci::Json::object());
  if (command == "push" || command == "image push") {
    const std::string image = flags.contains("all-tags") || flags.contains("a")
                                  ? std::string("--all-tags ") + k_first_argument
                                  : std::string(k_first_argument);
    return next_steps(
        std::string("Report this push to chalk (nothing is uploaded twice; the report gives the digest "
                    "the registry serves):\n  docker chalk push ") +
        image);
  }
  if (command == "build" || command == "buildx build" || command == "image build") {
    const bool pushed = flags.contains("push") || flags.contains("output") || flags.contains("o");
    if (pushed) {
      return next_steps(
          "This build was not chalked. To chalk an image it pushed, in its registry:\n"
          "  docker chalk insert docker://IMAGE\n"
          "Next time build with `docker chalk build` and the same arguments.");
    }
    return next_steps(
        "This build was not chalked. Chalk the image it made:\n"
        "  docker chalk insert IMAGE\n"
        "Next time build with `docker chalk build` and the same arguments.");
  }
  return {};
}

}  // namespace chalk::cli
