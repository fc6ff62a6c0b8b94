#pragma once
// An environment passed in as a map (the plugin reads its own once, in cli/, and hands it
// down), and the one way to read a variable from it.
#include <filesystem>
#include <map>
#include <string>

namespace chalk::util {

using Environment = std::map<std::string, std::string>;

// The value of `name`, or "" when it is not set.
inline std::string env_value(const Environment& environment, const std::string& name) {
  const auto found = environment.find(name);
  return found != environment.end() ? found->second : std::string();
}

// chalk's own cache directory: $XDG_CACHE_HOME/chalk, else $HOME/.cache/chalk, else "" (none).
inline std::filesystem::path cache_directory(const Environment& environment) {
  if (const auto cache = env_value(environment, "XDG_CACHE_HOME"); !cache.empty())
    return std::filesystem::path(cache) / "chalk";
  if (const auto home = env_value(environment, "HOME"); !home.empty())
    return std::filesystem::path(home) / ".cache" / "chalk";
  return {};
}

}  // namespace chalk::util
