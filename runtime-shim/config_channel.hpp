// The production ReportChannel: the chalk layer's config evaluated by plugin/config (as the
// shim: log_level "none", no default subscription), reports delivered by the sinks'
// background Publisher.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "oci/util/result.hpp"
#include "runtime-shim/reporter.hpp"

namespace chalk::shim {

// Evaluates `source` ("(chalk-layer)") in the container's environment, prints the config's
// accepted messages to stderr, and returns nullptr when no sink would receive an exec or
// heartbeat report. When it returns a channel, the calling (reporting) thread has been reniced
// by exec.heartbeat.nice. Error: the config's one error line.
util::Result<std::unique_ptr<ReportChannel>> open_config_channel(const std::string& source,
                                                                 const std::vector<std::string>& shim_argv);

}  // namespace chalk::shim
