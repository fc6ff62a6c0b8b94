// Running a program: the one process runner of the plugin (git for provenance, the `docker`
// CLI). Nothing is printed; what the child writes goes where the spec says.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "oci/util/result.hpp"

namespace chalk::util {

// The first executable `name` in the PATH directories of `path_variable`, if any (an empty
// entry, the current directory, is never searched).
std::optional<std::filesystem::path> find_in_path(const std::string& name, const std::string& path_variable);

// Where a child's standard stream goes: a pipe to or from us, ours, or /dev/null.
enum class Stream { pipe, inherit, null };

struct ProcessSpec {
  std::string program;            // a path, or a name looked up in this process's PATH
  std::vector<std::string> args;  // argv[1...]
  // Exactly these NAME=value entries; nullopt: this process's environment.
  std::optional<std::vector<std::string>> environment;
  Stream stdin_mode = Stream::null;  // pipe: `input` is written, then closed
  Stream stdout_mode = Stream::pipe;
  Stream stderr_mode = Stream::pipe;
  std::string input;
  // With a timeout the child runs in its own process group, all of it killed when time is up.
  std::optional<std::chrono::milliseconds> timeout;
  std::size_t max_output =
      std::numeric_limits<std::size_t>::max();  // per stream; the rest is read and dropped
};

struct ProcessResult {
  int exit_code = 0;  // 128 + N when killed by signal N
  bool timed_out = false;
  std::string out;  // piped stdout
  std::string err;  // piped stderr
};

// Fails (io) only when the program cannot be started or waited for; its exit status,
// whatever it is, is a result.
Result<ProcessResult> run_process(const ProcessSpec& spec);

}  // namespace chalk::util
