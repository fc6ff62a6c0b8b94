#include "plugin/chalk/report.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "plugin/chalk/host_facts.hpp"
#include "plugin/chalk/ids.hpp"
#include "plugin/chalk/redact.hpp"

extern char** environ;

namespace chalk {

namespace {
bool listed(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}
}  // namespace

oci::Json filter_environment(const std::map<std::string, std::string>& environment,
                             const EnvironmentPolicy& policy) {
  oci::Json shown = oci::Json::object();
  for (const auto& [name, value] : environment) {
    if (listed(policy.never_show, name)) continue;
    if (listed(policy.redact, name)) {
      shown[name] = "<<redact>>";
    } else if (listed(policy.always_show, name) || policy.default_action == "show") {
      shown[name] = value;
    } else if (policy.default_action == "redact") {
      shown[name] = "<<redact>>";
    }
  }
  return shown;
}

oci::Json report_envelope(const std::string& operation, const Invocation& invocation,
                          const EnvironmentPolicy& policy) {
  const auto now = invocation.effects.now_ms();
  oci::Json report = oci::Json::object();
  report["_OPERATION"] = operation;
  report["_DATETIME"] = local_datetime(now);
  report["_TIMESTAMP"] = now;
  report["_ENV"] = filter_environment(invocation.environment, policy);
  report["_OP_ARGV"] = redact_argv(invocation.argv);  // build-arg values and URL credentials hidden
  report["_OP_CHALKER_VERSION"] = k_chalker_version;
  return report;
}

oci::Json artifact_entry(const oci::Json& mark, const oci::Image& image, const std::string& image_id) {
  oci::Json entry = mark;
  entry.erase("MAGIC");
  entry["METADATA_HASH"] = mark_hashes(mark).metadata_hash;
  entry["_OP_ARTIFACT_TYPE"] = "Docker Image";
  entry["_VIRTUAL"] = false;
  const std::string config_hex(image.config_descriptor.digest.hex());
  entry["_IMAGE_ID"] = image_id.empty() ? config_hex : image_id;
  entry["_CURRENT_HASH"] = image_id.empty() ? config_hex : image_id;
  entry["_IMAGE_CONFIG_DIGEST"] = config_hex;
  return entry;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string::npos) variables[text.substr(0, equals)] = text.substr(equals + 1);
  }
  return variables;
}

std::vector<std::string> absolute_argv(int argc, char** argv) {
  std::vector<std::string> arguments(argv, argv + argc);
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error && !arguments.empty()) arguments[0] = self.string();
  return arguments;
}

}  // namespace chalk
