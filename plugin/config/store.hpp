// The attribute store: every attribute of the config by dotted path, with the statement
// that last wrote it (schema errors point there) and its lock; sections by the statement
// that opened them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plugin/config/diagnostics.hpp"
#include "plugin/config/value.hpp"

namespace chalk::config {

struct AttrEntry {
  Value value;
  Pos pos;
  bool locked = false;
};

struct Store {
  std::map<std::string, AttrEntry> attrs;
  std::map<std::string, Pos> sections;

  // Sets `path` as the built-in objects do: no checks, parents become sections.
  void put(const std::string& path, Value value, bool locked = false);
  [[nodiscard]] const Value* get(const std::string& path) const;
  // Direct children names of a section ("sink_config" -> "default_out", ...), sections and attributes.
  [[nodiscard]] std::vector<std::string> children(const std::string& section) const;
};

std::string join_path(const std::vector<std::string>& parts);
std::vector<std::string> split_path(const std::string& path);

// §9 aliases: exec.heartbeat (when written or read as a bool) -> exec.heartbeat.run,
// exec.heartbeat_rate -> exec.heartbeat.rate.
std::string canonical_path(const std::string& path, bool value_is_bool);

}  // namespace chalk::config
