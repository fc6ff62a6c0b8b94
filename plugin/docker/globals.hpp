// Docker's global options. The docker CLI runs a plugin as
// `docker-chalk [GLOBAL OPTIONS] chalk SUBCOMMAND ...`, passing on what the user typed before
// `chalk` (`docker -H unix:///x.sock chalk build .`); the plugin must accept and honour them:
// the engine endpoint and TLS, docker's client config directory (credentials, contexts), and
// the same options on every `docker` command it runs.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/util/environment.hpp"
#include "oci/util/result.hpp"

namespace chalk::docker {

// The process environment as a map (the plugin passes ops::ReportContext::environment): read,
// never fetched where needed, so tests give their own.
using Environment = util::Environment;

struct Globals {
  std::string config_dir;  // --config DIR: docker's client config directory ("" = default)
  std::string context;     // -c/--context NAME
  std::string host;        // -H/--host URL
  bool debug = false;      // -D/--debug
  std::string log_level;   // -l/--log-level LEVEL
  // --tls / --tlsverify, each only when given (otherwise DOCKER_TLS_VERIFY decides).
  std::optional<bool> tls;
  std::optional<bool> tls_verify;
  std::string tls_ca_cert;  // --tlscacert FILE
  std::string tls_cert;     // --tlscert FILE
  std::string tls_key;      // --tlskey FILE

  // The options to put before the subcommand of every `docker` command the plugin runs,
  // as `--name=value` (empty when none was given).
  [[nodiscard]] std::vector<std::string> cli_arguments() const;
  // --debug or --log-level debug: the plugin says what it does on stderr.
  [[nodiscard]] bool debugging() const { return debug || log_level == "debug"; }
};

// argv[1...] split into docker's global options and the plugin's own arguments. When the
// leading options end at `chalk` they are docker's and `arguments` is what follows `chalk`;
// otherwise (the plugin run directly: `docker-chalk version`, `docker-chalk --config f build`)
// there are no global options and `arguments` is everything.
struct PluginInvocation {
  Globals globals;
  std::vector<std::string> arguments;
};
// Fails (invalid_argument) for a global option without its value, a repeated -H, or --host
// together with --context (as docker itself refuses them).
util::Result<PluginInvocation> split_plugin_invocation(const std::vector<std::string>& args);

// docker's client config directory: --config, else $DOCKER_CONFIG, else $HOME/.docker. It
// holds config.json (credentials, credsStore/credHelpers, currentContext), contexts/ and the
// default TLS material (ca.pem, cert.pem, key.pem).
std::filesystem::path config_directory(const Globals& globals, const Environment& environment);

}  // namespace chalk::docker
