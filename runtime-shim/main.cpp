// /chalk: the container entrypoint (REPORTS.md §7, §8). The exec path is plain syscalls
// around chalk::shim::Supervisor; everything about reporting runs on the Reporter's thread
// and may fail without touching the program.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime-shim/command_line.hpp"
#include "runtime-shim/config_channel.hpp"
#include "runtime-shim/mark.hpp"
#include "runtime-shim/report.hpp"
#include "runtime-shim/reporter.hpp"
#include "runtime-shim/supervisor.hpp"

namespace {

using namespace chalk::shim;

// How long the shim lingers after the program for a report in flight (REPORTS.md §8).
constexpr int k_report_grace_ms = 1000;

// Tests point the shim at a directory other than / for chalk.json and chalk.c4m.
std::string layer_root() {
  const char* root = std::getenv("CHALK_SHIM_ROOT");
  return root != nullptr && root[0] != '\0' ? root : "/";
}

std::string self_path(const char* fallback) {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string(fallback);
}

int run_onbuild() {
  const std::string root = layer_root();
  const auto outcome = rewrite_for_child_build((root == "/" ? std::string() : root) + "/chalk.json");
  if (!outcome) std::fprintf(stderr, "chalk: onbuild: %s\n", outcome.error().message.c_str());
  return 0;
}

// Starts reporting beside the program; nullptr (no reports, program unaffected) on failure.
std::unique_ptr<Reporter> start_reporting(const std::vector<std::string>& shim_args,
                                          const std::string& program_path, pid_t child) noexcept {
  try {
    ReporterOptions options;
    options.root = layer_root();
    options.shim_argv = shim_args;
    options.shim_argv[0] = self_path(shim_args[0].c_str());
    options.program_path = program_path;
    options.program_pid = child;
    const std::vector<std::string> argv = options.shim_argv;
    options.open_channel = [argv](const std::string& source) { return open_config_channel(source, argv); };
    auto reporter = std::make_unique<Reporter>(std::move(options));
    if (!reporter->start()) return nullptr;
    return reporter;
  } catch (...) {
    return nullptr;
  }
}

int run_exec(const Invocation& invocation, const std::vector<std::string>& shim_args) {
  if (invocation.argv.empty()) {
    std::fputs("chalk: exec: no program to run\n", stderr);
    return 127;
  }
  const std::string& name = invocation.argv[0];
  const char* search_path = std::getenv("PATH");
  const Lookup program = find_program(name, search_path != nullptr ? search_path : k_default_path);
  if (program.status == LookupStatus::not_found) {
    std::fprintf(stderr, "chalk: exec: %s: not found\n", name.c_str());
    return 127;
  }
  if (program.status == LookupStatus::not_executable) {
    std::fprintf(stderr, "chalk: exec: %s: permission denied\n", name.c_str());
    return 126;
  }

  std::vector<char*> argv;
  argv.reserve(invocation.argv.size() + 1);
  for (const std::string& word : invocation.argv) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);

  Supervisor supervisor;
  const pid_t child = supervisor.start(program.path.c_str(), argv.data());
  std::unique_ptr<Reporter> reporter = start_reporting(shim_args, program.path, child);
  const int code = supervisor.wait_for(child);
  if (reporter && reporter->finish(k_report_grace_ms)) std::fflush(nullptr);
  // No destructors or atexit handlers: a reporter that overran its grace must not hold us.
  ::_exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> shim_args(argv, argv + argc);
  if (shim_args.empty()) shim_args.emplace_back("/chalk");
  const Invocation invocation =
      parse_command_line(std::vector<std::string>(shim_args.begin() + 1, shim_args.end()));
  switch (invocation.kind) {
    case CommandKind::exec:
      return run_exec(invocation, shim_args);
    case CommandKind::onbuild:
      return run_onbuild();
    case CommandKind::version:
      std::printf("chalk %s (runtime shim)\n", k_shim_version);
      return 0;
    case CommandKind::unknown:
      break;
  }
  if (!invocation.command.empty())
    std::fprintf(stderr, "chalk: unknown command '%s'\n", invocation.command.c_str());
  std::fputs("usage: chalk exec [--exec-command-name NAME] [--] ARGS... | chalk onbuild | chalk version\n",
             stderr);
  return 2;
}
