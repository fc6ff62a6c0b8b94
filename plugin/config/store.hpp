// The attribute store: every attribute of the config by dotted path, with the statement
// that last wrote it (schema errors point there) and its lock; sections by the statement
// that opened them. Two layers: a config writes only its own layer over the read-only
// built-ins, so evaluating a config copies nothing of the (large) built-in objects.
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
  const Store* base = nullptr;  // the built-ins; outlives this store, never modified
  std::map<std::string, AttrEntry> attrs;
  std::map<std::string, Pos> sections;

  // Sets `path` in this layer as the built-in objects do: no checks, parents become sections.
  void put(const std::string& path, Value value, bool locked = false);
  // Makes `path` and its parents sections of this layer, as the built-in objects do.
  void put_section(const std::string& path);
  // put() for many paths at once (the built-in store's ~750 template keys). Given in ascending
  // order, each goes in next to the one before instead of after a search from the root, whose
  // comparisons of long shared prefixes were most of building that store; out of order is
  // only slower.
  void put_in_order(std::vector<std::pair<std::string, AttrEntry>> entries);
  [[nodiscard]] const AttrEntry* find_attr(const std::string& path) const;
  [[nodiscard]] const Value* get(const std::string& path) const;
  [[nodiscard]] const Pos* find_section(const std::string& path) const;
  [[nodiscard]] bool has_section(const std::string& path) const { return find_section(path) != nullptr; }
  [[nodiscard]] bool has_attr(const std::string& path) const { return find_attr(path) != nullptr; }
  // The entry for writing `path` in this layer, copied up from the base if it lives there.
  AttrEntry& writable(const std::string& path, bool& existed);
  // Direct children names of a section ("sink_config" -> "default_out", ...), in order.
  [[nodiscard]] std::vector<std::string> children(const std::string& section) const;
  // Whether this layer (not the base) holds anything under `section`.
  [[nodiscard]] bool touched(const std::string& section) const;
};

std::string join_path(const std::vector<std::string>& parts);
std::vector<std::string> split_path(const std::string& path);

// §9 aliases: exec.heartbeat (when written or read as a bool) -> exec.heartbeat.run,
// exec.heartbeat_rate -> exec.heartbeat.rate.
std::string canonical_path(const std::string& path, bool value_is_bool);

}  // namespace chalk::config
