#include "plugin/config/store.hpp"

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
  for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1))
    sections.emplace(path.substr(0, dot), Pos{0, 0});
  attrs[path] = AttrEntry{std::move(value), Pos{0, 0}, locked};
}

const Value* Store::get(const std::string& path) const {
  auto it = attrs.find(path);
  return it == attrs.end() ? nullptr : &it->second.value;
}

std::vector<std::string> Store::children(const std::string& section) const {
  std::vector<std::string> out;
  std::string prefix = section.empty() ? "" : section + ".";
  auto collect = [&](const auto& map) {
    for (auto it = map.lower_bound(prefix); it != map.end(); ++it) {
      const std::string& key = it->first;
      if (key.compare(0, prefix.size(), prefix) != 0) break;
      std::string rest = key.substr(prefix.size());
      if (rest.find('.') != std::string::npos) continue;
      out.push_back(rest);
    }
  };
  collect(attrs);
  collect(sections);
  return out;
}

std::string canonical_path(const std::string& path, bool value_is_bool) {
  if (path == "exec.heartbeat" && value_is_bool) return "exec.heartbeat.run";
  if (path == "exec.heartbeat_rate") return "exec.heartbeat.rate";
  return path;
}

}  // namespace chalk::config
