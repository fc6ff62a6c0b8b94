// Runs a helper program (git) for provenance: captured stdout, nothing printed, bounded time.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace chalk::build {

// The first executable `name` in the PATH directories of `path_variable`, if any.
std::optional<std::filesystem::path> find_in_path(const std::string& name, const std::string& path_variable);

// Runs `program` with `args` (argv[1...]) and exactly `environment`, stdin on /dev/null (or
// fed `input`, at most a pipe's worth) and stderr on /dev/null, in its own process group.
// Returns its stdout when it exits 0 within `timeout`; otherwise the group is killed and
// nullopt returned. Output beyond 1 MiB is discarded.
std::optional<std::string> run_captured(const std::filesystem::path& program,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& environment,
                                        std::chrono::milliseconds timeout, const std::string& input = {});

}  // namespace chalk::build
