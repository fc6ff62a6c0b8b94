// `load`: a config (a file or an http(s) URL) read, checked completely for the plugin and
// the shim, and embedded in a copy of the plugin binary written atomically, so a rejected
// config or a failed write changes nothing. Nothing printed: the command prints the
// config's messages, the warnings and where the binary went.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "oci/util/result.hpp"
#include "plugin/config/config.hpp"
#include "plugin/sinks/effects.hpp"

namespace chalk::ops {

struct LoadRequest {
  std::string location;                       // a file or an http(s) URL
  std::filesystem::path binary;               // the plugin executable that carries the config
  config::Environment environment;            // what the config's builtins read
  sinks::HttpTransport* transport = nullptr;  // fetches a URL location
  // Where a configured copy goes when the binary's folder is not writable.
  std::filesystem::path fallback_directory;
};

struct LoadOutcome {
  std::string shown;                  // the location with URL credentials removed
  std::vector<std::string> messages;  // the config's own lines (log, echo, warnings) for the plugin
  std::vector<std::string> warnings;  // one line each
  std::filesystem::path written;      // the binary itself, or a configured copy
  bool wrote_copy = false;            // the binary was not writable: `written` is a copy to install
};

// Errors: Errc::config for a rejected config (its message is a complete `FILE:LINE:COL:`
// diagnostic), Errc::io for a location that cannot be read or fetched and a failed write.
util::Result<LoadOutcome> load_config(const LoadRequest& request);

}  // namespace chalk::ops
