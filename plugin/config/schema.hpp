// The schema of CONFIG.md §8-§9: the built-in objects every config is evaluated over, and
// the validation that turns a run's store into Settings.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plugin/config/ast.hpp"
#include "plugin/config/config.hpp"
#include "plugin/config/interpreter.hpp"
#include "plugin/config/store.hpp"

namespace chalk::config {

// Root defaults, built-in sink configs, report/mark templates and outconfs.
const Store& builtin_store(Host host);

// Fields of the reference schema that we accept in the built-in objects but do not implement:
// the field's name when a config writing attribute `path` would set one. The checker refuses
// such writes (`'FIELD' is not supported`) rather than accept a setting that changes nothing.
std::optional<std::string> unsupported_field(const std::string& path);

// The original tool's key catalogue plus the §9 host-key aliases.
const std::set<std::string>& key_catalogue();

struct Validated {
  Settings settings;              // messages not filled yet
  std::vector<Warning> warnings;  // §9 region warnings
};

// Throws ConfigError{"schema", ...} at the statement that last wrote the attribute or
// opened the section.
Validated validate(const RunResult& run, const Environment& env, Host host);

}  // namespace chalk::config
