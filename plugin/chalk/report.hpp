// The parts every plugin report shares (REPORTS.md §4, §5): the envelope, `_ENV` with its
// allow-list and redaction, and the per-artifact entry for a chalked image.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "chalk_version.hpp"
#include "oci/image.hpp"
#include "plugin/chalk/effects.hpp"

namespace chalk {

// The project version (chalk_version.hpp), as reports' _OP_CHALKER_VERSION.
inline constexpr const char* k_chalker_version = k_project_version;

// Who ran the plugin and how, as every report shows it.
struct Invocation {
  std::vector<std::string> argv;  // as received; argv[0] replaced by our absolute path
  std::map<std::string, std::string> environment;
  Effects effects;  // the clock and randomness of marks and reports
};

// Which variables `_ENV` shows: the config's env_always_show, env_never_show, env_redact
// and env_default_action ("show", "redact" or "ignore"), handed over by the caller.
struct EnvironmentPolicy {
  std::vector<std::string> always_show;
  std::vector<std::string> never_show;
  std::vector<std::string> redact;
  std::string default_action = "ignore";
};

// `_ENV`: never-shown keys left out, redacted keys "<<redact>>", always-shown keys shown,
// the rest by the default action.
oci::Json filter_environment(const std::map<std::string, std::string>& environment,
                             const EnvironmentPolicy& policy);

// {_OPERATION, _DATETIME, _TIMESTAMP, _ENV, _OP_ARGV, _OP_CHALKER_VERSION}.
oci::Json report_envelope(const std::string& operation, const Invocation& invocation,
                          const EnvironmentPolicy& policy);

// A `_CHALKS` entry: the mark's keys plus what the image is (type, IDs, hashes).
oci::Json artifact_entry(const oci::Json& mark, const oci::Image& image, const std::string& image_id);

// The process's environment as a map.
std::map<std::string, std::string> process_environment();
// Our argv with argv[0] made the absolute path of the running executable.
std::vector<std::string> absolute_argv(int argc, char** argv);

}  // namespace chalk
