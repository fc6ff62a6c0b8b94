#include "runtime-shim/process_info.hpp"

#include <unistd.h>

#include <cctype>
#include <charconv>
#include <climits>
#include <vector>

#include "runtime-shim/file_text.hpp"

namespace chalk::shim {
namespace {

// The value after "Key:" in a /proc/<pid>/status text, "" if absent.
std::string status_field(const std::string& status, std::string_view key) {
  std::size_t start = 0;
  while (start < status.size()) {
    std::size_t end = status.find('\n', start);
    if (end == std::string::npos) end = status.size();
    const std::string_view line(status.data() + start, end - start);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      std::string_view value = line.substr(key.size() + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      return std::string(value);
    }
    start = end + 1;
  }
  return {};
}

// "1000\t1000\t1000\t1000" -> [1000,1000,1000,1000]; stops at the first non-number.
nlohmann::json int_list(std::string_view text) {
  nlohmann::json values = nlohmann::json::array();
  const char* at = text.data();
  const char* const end = text.data() + text.size();
  for (;;) {
    while (at < end && (*at == ' ' || *at == '\t')) ++at;
    long long value = 0;
    const auto [next, error] = std::from_chars(at, end, value);
    if (error != std::errc()) return values;
    values.push_back(value);
    at = next;
  }
}

bool read_link(const std::string& path, std::string& target) {
  char buffer[PATH_MAX];
  const ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer);
  if (n < 0) return false;
  target.assign(buffer, static_cast<std::size_t>(n));
  return true;
}

}  // namespace

std::string process_state_word(std::string_view state_field) {
  const std::size_t open = state_field.find('(');
  const std::size_t close = state_field.find(')', open);
  if (open == std::string_view::npos || close == std::string_view::npos || close == open + 1) return {};
  std::string word(state_field.substr(open + 1, close - open - 1));
  word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  return word;
}

nlohmann::json read_process_info(const std::string& proc_root, pid_t pid) {
  const std::string dir = proc_root + "/" + std::to_string(pid) + "/";
  nlohmann::json info = nlohmann::json::object();
  const auto status = read_text_file(dir + "status");
  if (!status) return info;

  info["_PROCESS_PID"] = pid;
  if (const auto parent = int_list(status_field(*status, "PPid")); parent.size() == 1) {
    info["_PROCESS_PARENT_PID"] = parent[0];
  }
  const std::string uids = status_field(*status, "Uid");
  if (!uids.empty()) info["_PROCESS_UID"] = int_list(uids);
  const std::string gids = status_field(*status, "Gid");
  if (!gids.empty()) info["_PROCESS_GID"] = int_list(gids);
  const std::string state = process_state_word(status_field(*status, "State"));
  if (!state.empty()) info["_PROCESS_STATE"] = state;

  if (const auto cmdline = read_text_file(dir + "cmdline"); cmdline && !cmdline->empty()) {
    std::vector<std::string> argv;
    std::size_t start = 0;
    while (start < cmdline->size()) {
      std::size_t end = cmdline->find('\0', start);
      if (end == std::string::npos) end = cmdline->size();
      argv.push_back(cmdline->substr(start, end - start));
      start = end + 1;
    }
    info["_PROCESS_ARGV"] = argv;
  }
  if (auto comm = read_text_file(dir + "comm"); comm) {
    std::string name = std::move(comm.value());
    while (!name.empty() && name.back() == '\n') name.pop_back();
    info["_PROCESS_COMMAND_NAME"] = name;
  }
  std::string target;
  if (read_link(dir + "cwd", target)) info["_PROCESS_CWD"] = target;
  if (read_link(dir + "exe", target)) info["_PROCESS_EXE_PATH"] = target;
  return info;
}

}  // namespace chalk::shim
