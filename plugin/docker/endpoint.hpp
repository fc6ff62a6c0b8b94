// Which engine the plugin talks to, resolved the way the docker CLI resolves it: -H, then
// --context, then DOCKER_HOST, then DOCKER_CONTEXT, then the current context of config.json,
// then the default socket. A context's endpoint and TLS material come from docker's context
// store (config dir/contexts/meta/<sha256 of the name>/meta.json and contexts/tls/<sha256>/docker/).
#pragma once

#include <string>

#include "plugin/docker/globals.hpp"

namespace chalk::docker {

inline constexpr const char* k_default_host = "unix:///var/run/docker.sock";

struct Endpoint {
  std::string host;     // "unix:///var/run/docker.sock", "tcp://10.0.0.1:2376", "ssh://me@box"...
  std::string context;  // the context in force ("default" when none)
  bool tls = false;     // https for tcp://
  bool verify = true;   // check the engine's certificate (only meaningful with tls)
  std::string ca_file;  // each "" when not given
  std::string cert_file;
  std::string key_file;
};

// Fails (not_found) for a named context missing from the store, (invalid_format) for a
// meta.json that does not parse, (invalid_argument) for a TLS file named by an option that
// does not exist.
util::Result<Endpoint> resolve_endpoint(const Globals& globals, const Environment& environment);

}  // namespace chalk::docker
