#include "plugin/build/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <thread>

namespace chalk::build {
namespace {

constexpr std::size_t k_max_output = 1 << 20;

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

long remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::max<long>(0, static_cast<long>(left.count()));
}

}  // namespace

std::optional<std::filesystem::path> find_in_path(const std::string& name, const std::string& path_variable) {
  std::string_view rest = path_variable;
  while (true) {
    const std::size_t colon = rest.find(':');
    const std::string_view directory = rest.substr(0, colon);
    // An empty entry would mean the current directory: never run a program found there.
    if (!directory.empty()) {
      std::filesystem::path candidate = std::filesystem::path(directory) / name;
      std::error_code error;
      if (std::filesystem::is_regular_file(candidate, error) && ::access(candidate.c_str(), X_OK) == 0)
        return candidate;
    }
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

std::optional<std::string> run_captured(const std::filesystem::path& program,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& environment,
                                        std::chrono::milliseconds timeout, const std::string& input) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return std::nullopt;
  int input_fds[2] = {-1, -1};
  if (!input.empty()) {
    // Small inputs (a credential helper's server name) fit the pipe: written before the spawn.
    if (input.size() > 4096 || ::pipe2(input_fds, O_CLOEXEC) != 0 ||
        ::write(input_fds[1], input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
      for (int fd : {pipe_fds[0], pipe_fds[1], input_fds[0], input_fds[1]}) {
        if (fd >= 0) ::close(fd);
      }
      return std::nullopt;
    }
    ::close(input_fds[1]);
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (input_fds[0] >= 0) {
    posix_spawn_file_actions_adddup2(&actions, input_fds[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so a timeout also kills whatever it started.
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attributes, &signals);
  sigfillset(&signals);
  posix_spawnattr_setsigdefault(&attributes, &signals);

  std::vector<std::string> argv_strings{program.string()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = environment;
  auto argv = c_strings(argv_strings);
  auto envp = c_strings(env_strings);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(pipe_fds[1]);
  if (input_fds[0] >= 0) ::close(input_fds[0]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    return std::nullopt;
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string output;
  bool in_time = true;
  char buffer[4096];
  while (true) {
    pollfd readable{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&readable, 1, static_cast<int>(remaining_ms(deadline)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      in_time = false;
      break;
    }
    const ssize_t count = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    const std::size_t keep = std::min(static_cast<std::size_t>(count), k_max_output - output.size());
    output.append(buffer, keep);
  }
  ::close(pipe_fds[0]);

  int status = 0;
  while (in_time) {
    const pid_t waited = ::waitpid(pid, &status, WNOHANG);
    if (waited == pid) break;
    if (waited < 0 && errno != EINTR) return std::nullopt;
    if (remaining_ms(deadline) == 0) {
      in_time = false;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!in_time) {
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return std::nullopt;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return output;
}

}  // namespace chalk::build
