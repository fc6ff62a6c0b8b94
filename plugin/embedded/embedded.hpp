// What docker-chalk carries inside itself: the runtime shim and the config in force.
// The default config and the shim are compiled in; `docker chalk load` appends a loaded
// config after the executable's last byte with a trailer (ELF ignores trailing bytes), so
// replacing it means rewriting one file atomically, never recompiling.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "oci/util/result.hpp"

namespace chalk::embedded {

// Whether this build carries the static shim.
bool has_shim();
// The shim's bytes (empty when this build has none), unpacked from the compressed copy the
// binary carries on the first call and checked against shim_sha256(); kept for the process.
util::Result<std::string_view> shim();
// Their sha256 in hex, computed when the plugin was built (empty without a shim).
std::string_view shim_sha256();

// configs/default.c4m as compiled in.
std::string_view default_config();

// The config appended to `executable` by `load`, if any.
util::Result<std::optional<std::string>> read_loaded_config(const std::filesystem::path& executable);

// The config in force for `executable`: the loaded one, else the default.
util::Result<std::string> current_config(const std::filesystem::path& executable);

// Writes a copy of `executable` carrying `config` to `destination` atomically (same mode).
// `destination` may be the executable itself.
util::Status write_with_config(const std::filesystem::path& executable, std::string_view config,
                               const std::filesystem::path& destination);

// The path of the running executable.
std::filesystem::path self_path();

}  // namespace chalk::embedded
