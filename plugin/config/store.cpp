#include "plugin/config/store.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace chalk::config {

std::string join_path(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '.';
    out += part;
  }
  return out;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

void Store::put(const std::string& path, Value value, bool locked) {
  if (const auto dot = path.rfind('.'); dot != std::string::npos) put_section(path.substr(0, dot));
  attrs[path] = AttrEntry{std::move(value), Pos{0, 0}, locked};
}

void Store::put_section(const std::string& path) {
  // Nearest first: a section this layer already has came with its parents, so the built-in
  // store's thousands of template keys add one section each instead of four.
  for (std::size_t end = path.size(); end != std::string::npos && end > 0; end = path.rfind('.', end - 1)) {
    if (!sections.emplace(path.substr(0, end), Pos{0, 0}).second) return;
  }
}

void Store::put_in_order(std::vector<std::pair<std::string, AttrEntry>> entries) {
  auto attr_hint = attrs.end();
  auto section_hint = sections.end();
  std::string grandparent_done;  // its sections all exist: the previous entry's parent put them
  for (auto& [path, entry] : entries) {
    if (const auto dot = path.rfind('.'); dot != std::string::npos) {
      std::string parent = path.substr(0, dot);
      const auto up = parent.rfind('.');
      const std::string_view grandparent(parent.data(), up == std::string::npos ? 0 : up);
      if (up != std::string::npos && grandparent == grandparent_done) {
        section_hint = std::next(sections.emplace_hint(section_hint, std::move(parent), Pos{0, 0}));
      } else {
        put_section(parent);
        grandparent_done = grandparent;
      }
    }
    attr_hint = std::next(attrs.insert_or_assign(attr_hint, std::move(path), std::move(entry)));
  }
}

const AttrEntry* Store::find_attr(const std::string& path) const {
  auto it = attrs.find(path);
  if (it != attrs.end()) return &it->second;
  return base != nullptr ? base->find_attr(path) : nullptr;
}

const Value* Store::get(const std::string& path) const {
  const AttrEntry* entry = find_attr(path);
  return entry != nullptr ? &entry->value : nullptr;
}

const Pos* Store::find_section(const std::string& path) const {
  auto it = sections.find(path);
  if (it != sections.end()) return &it->second;
  return base != nullptr ? base->find_section(path) : nullptr;
}

AttrEntry& Store::writable(const std::string& path, bool& existed) {
  auto it = attrs.find(path);
  existed = it != attrs.end();
  if (existed) return it->second;
  const AttrEntry* below = base != nullptr ? base->find_attr(path) : nullptr;
  existed = below != nullptr;
  return attrs[path] = below != nullptr ? *below : AttrEntry{};
}

namespace {

// Direct children only. A deeper key's child is also a section (of this layer or one below,
// which the caller walks too), so its whole subtree is skipped in one lookup: "a.b." up to "a.b/" ('/'
// follows '.'), instead of walking the built-in store's thousands of template keys for every call.
template <typename Map>
void collect_children(const Map& map, const std::string& prefix, std::vector<std::string>& out) {
  auto it = map.lower_bound(prefix);
  while (it != map.end()) {
    const std::string& key = it->first;
    if (key.compare(0, prefix.size(), prefix) != 0) break;
    const auto dot = key.find('.', prefix.size());
    if (dot == std::string::npos) {
      out.push_back(key.substr(prefix.size()));
      ++it;
      continue;
    }
    it = map.lower_bound(key.substr(0, dot) + '/');
  }
}

}  // namespace

std::vector<std::string> Store::children(const std::string& section) const {
  std::string prefix = section.empty() ? "" : section + ".";
  std::vector<std::string> out;
  for (const Store* layer = this; layer != nullptr; layer = layer->base) {
    collect_children(layer->attrs, prefix, out);
    collect_children(layer->sections, prefix, out);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool Store::touched(const std::string& section) const {
  if (sections.count(section)) return true;
  std::string prefix = section + ".";
  auto attr = attrs.lower_bound(prefix);
  if (attr != attrs.end() && attr->first.compare(0, prefix.size(), prefix) == 0) return true;
  auto sec = sections.lower_bound(prefix);
  return sec != sections.end() && sec->first.compare(0, prefix.size(), prefix) == 0;
}

std::string canonical_path(const std::string& path, bool value_is_bool) {
  if (path == "exec.heartbeat" && value_is_bool) return "exec.heartbeat.run";
  if (path == "exec.heartbeat_rate") return "exec.heartbeat.rate";
  return path;
}

}  // namespace chalk::config
