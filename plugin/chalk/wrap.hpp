// Entrypoint wrapping and the OnBuild trigger (REPORTS.md §7), as pure functions over an
// image config's `config` object so every row of the table is a unit test.
#pragma once

#include <optional>
#include <string>

#include "oci/json.hpp"

namespace chalk {

inline constexpr const char* k_shim_path = "/chalk";

struct WrapPlan {
  bool wrapped = false;                 // the image will start through the shim
  std::optional<oci::Json> entrypoint;  // new Entrypoint, if it changes
  std::string warning;                  // why it is not wrapped, if it is not
};

WrapPlan plan_wrap(const oci::Json& container_config);

// The OnBuild list with chalk's trigger appended (never twice), or nullopt if it is
// already there.
std::optional<oci::Json> plan_on_build(const oci::Json& container_config);

}  // namespace chalk
