// The `_PROCESS_*` keys of REPORTS.md §4, from `<proc_root>/<pid>`.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace chalk::shim {

// "S (sleeping)" -> "Sleeping"; "" if the line has no parenthesised word.
std::string process_state_word(std::string_view state_field);

// _PROCESS_PID, _PROCESS_PARENT_PID, _PROCESS_ARGV, _PROCESS_COMMAND_NAME, _PROCESS_CWD,
// _PROCESS_EXE_PATH, _PROCESS_UID, _PROCESS_GID, _PROCESS_STATE; an empty object if the
// process is gone (no `status` file). Keys whose file cannot be read are left out.
nlohmann::json read_process_info(const std::string& proc_root, pid_t pid);

}  // namespace chalk::shim
