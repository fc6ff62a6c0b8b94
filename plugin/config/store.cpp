#include "plugin/config/store.hpp"

#include <algorithm>
#include <optional>
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

namespace {

// A path under a template of `all` (sorted by section): the template, and what follows
// "KIND.NAME.key" in the path ("", ".KEY" or ".KEY.use").
struct TemplatePath {
  const TemplateKeys* keys = nullptr;
  std::string_view rest;
};

const TemplateKeys* find_template(const std::vector<TemplateKeys>& all, std::string_view section) {
  auto it = std::lower_bound(all.begin(), all.end(), section,
                             [](const TemplateKeys& t, std::string_view s) { return t.section < s; });
  return it != all.end() && it->section == section ? &*it : nullptr;
}

std::optional<TemplatePath> template_path(const std::vector<TemplateKeys>& all, std::string_view path) {
  if (all.empty()) return std::nullopt;
  const auto kind_end = path.find('.');
  const auto name_end = kind_end == std::string_view::npos ? kind_end : path.find('.', kind_end + 1);
  if (name_end == std::string_view::npos) return std::nullopt;
  const TemplateKeys* keys = find_template(all, path.substr(0, name_end));
  std::string_view rest = path.substr(name_end);
  constexpr std::string_view k_key = ".key";
  if (keys == nullptr || rest.substr(0, k_key.size()) != k_key) return std::nullopt;
  rest.remove_prefix(k_key.size());
  if (!rest.empty() && rest.front() != '.') return std::nullopt;
  return TemplatePath{keys, rest};
}

bool has_key(const TemplateKeys& keys, std::string_view key) {
  return std::binary_search(keys.keys.begin(), keys.keys.end(), key,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

// ".KEY" -> "KEY"; "" when `rest` is not one name.
std::string_view single_name(std::string_view rest) {
  if (rest.size() < 2 || rest.front() != '.' || rest.find('.', 1) != std::string_view::npos) return {};
  return rest.substr(1);
}

const AttrEntry* template_attr(const std::vector<TemplateKeys>& all, std::string_view path) {
  static const AttrEntry k_used{Value::make_bool(true), Pos{0, 0}, false};
  static const AttrEntry k_used_locked{Value::make_bool(true), Pos{0, 0}, true};
  constexpr std::string_view k_use = ".use";
  const auto found = template_path(all, path);
  if (!found || found->rest.size() <= k_use.size() ||
      found->rest.substr(found->rest.size() - k_use.size()) != k_use)
    return nullptr;
  const std::string_view key = single_name(found->rest.substr(0, found->rest.size() - k_use.size()));
  if (key.empty() || !has_key(*found->keys, key)) return nullptr;
  return found->keys->locked && key != found->keys->unlocked_key ? &k_used_locked : &k_used;
}

bool is_template_section(const std::vector<TemplateKeys>& all, std::string_view path) {
  const auto found = template_path(all, path);
  if (!found) return false;
  if (found->rest.empty()) return !found->keys->keys.empty();
  const std::string_view key = single_name(found->rest);
  return !key.empty() && has_key(*found->keys, key);
}

void collect_template_children(const std::vector<TemplateKeys>& all, std::string_view section,
                               std::vector<std::string>& out) {
  if (const TemplateKeys* keys = find_template(all, section)) {
    if (!keys->keys.empty()) out.emplace_back("key");
    return;
  }
  const auto found = template_path(all, section);
  if (!found) return;
  if (found->rest.empty()) {
    out.insert(out.end(), found->keys->keys.begin(), found->keys->keys.end());
    return;
  }
  const std::string_view key = single_name(found->rest);
  if (!key.empty() && has_key(*found->keys, key)) out.emplace_back("use");
}

}  // namespace

const AttrEntry* Store::find_attr(const std::string& path) const {
  auto it = attrs.find(path);
  if (it != attrs.end()) return &it->second;
  if (const AttrEntry* generated = template_attr(template_keys, path)) return generated;
  return base != nullptr ? base->find_attr(path) : nullptr;
}

const Value* Store::get(const std::string& path) const {
  const AttrEntry* entry = find_attr(path);
  return entry != nullptr ? &entry->value : nullptr;
}

const Pos* Store::find_section(const std::string& path) const {
  static const Pos k_built_in{0, 0};
  auto it = sections.find(path);
  if (it != sections.end()) return &it->second;
  if (is_template_section(template_keys, path)) return &k_built_in;
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
    collect_template_children(layer->template_keys, section, out);
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
