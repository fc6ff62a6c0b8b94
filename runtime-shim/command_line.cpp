#include "runtime-shim/command_line.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace chalk::shim {
namespace {

constexpr std::string_view k_name_flag = "--exec-command-name";

LookupStatus probe(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return LookupStatus::not_found;
  if (!S_ISREG(info.st_mode) || ::access(path.c_str(), X_OK) != 0) return LookupStatus::not_executable;
  return LookupStatus::found;
}

}  // namespace

Invocation parse_command_line(const std::vector<std::string>& args) {
  Invocation invocation;
  if (args.empty()) return invocation;
  invocation.command = args[0];
  if (args[0] == "version") invocation.kind = CommandKind::version;
  if (args[0] == "onbuild") invocation.kind = CommandKind::onbuild;
  if (args[0] != "exec") return invocation;

  invocation.kind = CommandKind::exec;
  std::string name;
  bool has_name = false;
  std::size_t i = 1;
  for (; i < args.size(); ++i) {
    const std::string_view word = args[i];
    if (word == "--") {
      ++i;
      break;
    }
    if (word == k_name_flag) {
      if (i + 1 < args.size()) {
        name = args[++i];
        has_name = true;
      }
      continue;
    }
    if (word.substr(0, k_name_flag.size() + 1) == std::string(k_name_flag) + "=") {
      name = std::string(word.substr(k_name_flag.size() + 1));
      has_name = true;
      continue;
    }
    if (word.empty() || word[0] != '-') break;
  }
  if (has_name) invocation.argv.push_back(name);
  invocation.argv.insert(invocation.argv.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return invocation;
}

Lookup find_program(std::string_view name, std::string_view search_path) {
  if (name.empty()) return {};
  if (name.find('/') != std::string_view::npos) {
    std::string path(name);
    return {probe(path), path};
  }
  Lookup result;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = std::min(search_path.find(':', start), search_path.size());
    const std::string_view dir = search_path.substr(start, end - start);
    std::string candidate = dir.empty() ? std::string(name) : std::string(dir) + "/" + std::string(name);
    const LookupStatus status = probe(candidate);
    if (status == LookupStatus::found) return {status, candidate};
    if (status == LookupStatus::not_executable) result.status = status;
    if (end >= search_path.size()) break;
    start = end + 1;
  }
  return result;
}

}  // namespace chalk::shim
