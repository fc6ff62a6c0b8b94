// The shim's command line (REPORTS.md §8) and the execvp-like program lookup.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chalk::shim {

enum class CommandKind { exec, onbuild, version, unknown };

struct Invocation {
  CommandKind kind = CommandKind::unknown;
  std::string command;            // argv[1] as given, for messages
  std::vector<std::string> argv;  // exec: the program's argv, argv[0] as written; may be empty
};

// `exec [--exec-command-name NAME|=NAME] [--] ARGS...`, `onbuild`, `version`. Before `--`,
// unknown flags are ignored and the first non-flag word starts ARGS.
Invocation parse_command_line(const std::vector<std::string>& args);

// The default search path when PATH is unset, as Docker sets it.
inline constexpr std::string_view k_default_path =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

enum class LookupStatus { found, not_found, not_executable };

struct Lookup {
  LookupStatus status = LookupStatus::not_found;
  std::string path;  // found: what to pass to execv
};

// Finds `name` like execvp: a name with `/` is taken as is, else each entry of `search_path`
// (an empty entry is the current directory). Non-executable or directory matches give
// not_executable unless a later entry is executable.
Lookup find_program(std::string_view name, std::string_view search_path);

}  // namespace chalk::shim
