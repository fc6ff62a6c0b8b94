#pragma once
// An environment passed in as a map (the plugin reads its own once, in cli/, and hands it
// down), and the one way to read a variable from it.
#include <map>
#include <string>

namespace chalk::util {

using Environment = std::map<std::string, std::string>;

// The value of `name`, or "" when it is not set.
inline std::string env_value(const Environment& environment, const std::string& name) {
  const auto found = environment.find(name);
  return found != environment.end() ? found->second : std::string();
}

}  // namespace chalk::util
