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

// One template's keys as the built-in store holds them: by list, not by entry. Each KEY stands
// for the attribute `KIND.NAME.key.KEY.use`, true, and the sections `KIND.NAME.key` and
// `KIND.NAME.key.KEY` (~750 attributes and as many sections across the built-in templates,
// whose map insertions were most of a process's first config evaluation).
struct TemplateKeys {
  std::string section;            // "KIND.NAME", itself a section of the store
  std::vector<std::string> keys;  // sorted, unique
  bool locked = false;            // the attributes are locked...
  std::string unlocked_key;       // ...but this one's
};

struct Store {
  const Store* base = nullptr;  // the built-ins; outlives this store, never modified
  std::map<std::string, AttrEntry> attrs;
  std::map<std::string, Pos> sections;
  std::vector<TemplateKeys> template_keys;  // sorted by section; the built-in store's only

  // Sets `path` in this layer as the built-in objects do: no checks, parents become sections.
  void put(const std::string& path, Value value, bool locked = false);
  // Makes `path` and its parents sections of this layer, as the built-in objects do.
  void put_section(const std::string& path);
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
