#include "plugin/ops/context.hpp"

namespace chalk::ops {

EnvironmentPolicy environment_policy(const config::Settings& settings) {
  return {settings.env_always_show, settings.env_never_show, settings.env_redact,
          settings.env_default_action};
}

oci::Json report_envelope(const std::string& operation, const ReportContext& context) {
  return chalk::report_envelope(operation, context, environment_policy(context.settings));
}

}  // namespace chalk::ops
