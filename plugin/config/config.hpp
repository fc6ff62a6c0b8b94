// The con4m configuration language of CONFIG.md: one call turns a config's source text into
// Settings, or into the single error line a user sees. Never throws.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "oci/util/result.hpp"
#include "plugin/config/settings.hpp"

namespace chalk::config {

// The largest config we read, from a file, a URL or a binary: configs are source text, so
// a bigger one is a mistake (or not a config), refused with this limit named.
inline constexpr std::uint64_t k_max_config_size = 1 << 20;

// What builtins see; injected so tests are hermetic.
struct Environment {
  std::map<std::string, std::string> vars;  // env()
  std::string command_name;                 // command_name(): "build", "insert", ..., "exec" in the shim
  std::vector<std::string> argv;            // command_argv()
  bool tty = false;                         // using_tty()
  std::string version;                      // version()
};

// shim: log_level defaults to "none" and there is no default subscription.
enum class Host { plugin, shim };

// name = path, URL, "(embedded)" or "(chalk-layer)"; it prefixes every error and warning.
struct Source {
  std::string name;
  std::string text;
};

// Lex, parse, check, run, validate. Error: util::Error{Errc::config, "FILE:LINE:COL: PHASE: message"}.
// On success Settings.messages holds the warnings/log/echo lines to print (already filtered by
// log_level, in the order of CONFIG.md §6) and subscriptions include the defaults
// (plugin: report -> default_out).
util::Result<Settings> evaluate(const Source& source, const Environment& env, Host host);

// The real process: environ, isatty(2), the chalk version.
Environment current_environment(std::string command_name, std::vector<std::string> argv);

}  // namespace chalk::config
