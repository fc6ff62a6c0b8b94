// Shared by the deployments tests: fixture paths and reading whole files.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace chalk::deployments::testing {

inline std::string fixture(const std::string& relative) {
  return std::string(CHALK_DEPLOYMENTS_FIXTURES) + "/" + relative;
}
inline std::string golden(const std::string& relative) {
  return std::string(CHALK_DEPLOYMENTS_GOLDEN) + "/" + relative;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace chalk::deployments::testing
