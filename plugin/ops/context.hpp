// What every operation is given: the invocation its reports describe and the settings of
// the config in force. It lives here, not in chalk/, so that chalk/ never sees settings.
#pragma once

#include <string>

#include "plugin/chalk/report.hpp"
#include "plugin/config/settings.hpp"

namespace chalk::ops {

struct ReportContext : Invocation {
  config::Settings settings;
};

// The `_ENV` part of the settings, as chalk/ takes it.
EnvironmentPolicy environment_policy(const config::Settings& settings);

// chalk::report_envelope with the context's environment policy.
oci::Json report_envelope(const std::string& operation, const ReportContext& context);

}  // namespace chalk::ops
