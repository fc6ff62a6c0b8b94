#include "oci/util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

extern char** environ;

namespace chalk::util {
namespace {

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Both ends of a pipe, closed when dropped.
struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() {
    for (int fd : {read, write}) {
      if (fd >= 0) ::close(fd);
    }
  }
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
  static void close(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

Error start_error(const ProcessSpec& spec, int code) {
  return make_error(Errc::io, "running `" + spec.program + "`: " + std::strerror(code));
}

int remaining_ms(std::optional<std::chrono::steady_clock::time_point> deadline) {
  if (!deadline) return -1;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<long long>(0, left.count()));
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

Result<ProcessResult> run_process(const ProcessSpec& spec) {
  Pipe in;
  Pipe out;
  Pipe err;
  for (auto [mode, pipe] : {std::pair{spec.stdin_mode, &in}, std::pair{spec.stdout_mode, &out},
                            std::pair{spec.stderr_mode, &err}}) {
    if (mode == Stream::pipe && !pipe->open()) return start_error(spec, errno);
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  auto wire = [&actions](Stream mode, const Pipe& pipe, int target, bool child_reads) {
    if (mode == Stream::pipe)
      posix_spawn_file_actions_adddup2(&actions, child_reads ? pipe.read : pipe.write, target);
    if (mode == Stream::null)
      posix_spawn_file_actions_addopen(&actions, target, "/dev/null", child_reads ? O_RDONLY : O_WRONLY, 0);
  };
  wire(spec.stdin_mode, in, STDIN_FILENO, true);
  wire(spec.stdout_mode, out, STDOUT_FILENO, false);
  wire(spec.stderr_mode, err, STDERR_FILENO, false);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  // Its own process group under a timeout, so killing it also kills whatever it started.
  if (spec.timeout) flags |= POSIX_SPAWN_SETPGROUP;
  posix_spawnattr_setflags(&attributes, flags);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attributes, &signals);
  sigfillset(&signals);
  posix_spawnattr_setsigdefault(&attributes, &signals);

  std::vector<std::string> argv_strings{spec.program};
  argv_strings.insert(argv_strings.end(), spec.args.begin(), spec.args.end());
  auto argv = c_strings(argv_strings);
  std::vector<std::string> env_strings = spec.environment.value_or(std::vector<std::string>{});
  auto envp = c_strings(env_strings);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, spec.program.c_str(), &actions, &attributes, argv.data(),
                                   spec.environment ? envp.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return start_error(spec, spawned);
  Pipe::close(in.read);
  Pipe::close(out.write);
  Pipe::close(err.write);

  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (spec.timeout) deadline = std::chrono::steady_clock::now() + *spec.timeout;
  ProcessResult result;
  if (spec.input.empty()) Pipe::close(in.write);
  // A blocking write of more than the pipe holds would wait for a child waiting for us.
  if (in.write >= 0) ::fcntl(in.write, F_SETFL, ::fcntl(in.write, F_GETFL) | O_NONBLOCK);
  // A child that exits without reading its input must not kill us with SIGPIPE: blocked here,
  // a pending one is dropped below and the write just fails.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  sigset_t old_mask;
  if (in.write >= 0) pthread_sigmask(SIG_BLOCK, &pipe_signal, &old_mask);
  const bool restore_mask = in.write >= 0;
  std::size_t written = 0;
  char buffer[65536];
  // Feeds stdin and drains stdout/stderr together, so no pipe can fill and block the child.
  while (out.read >= 0 || err.read >= 0 || in.write >= 0) {
    pollfd fds[3] = {{out.read, POLLIN, 0}, {err.read, POLLIN, 0}, {in.write, POLLOUT, 0}};
    const int ready = ::poll(fds, 3, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    if (ready == 0) {
      result.timed_out = true;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out.read : err.read;
      if (fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fd, buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        Pipe::close(fd);
        continue;
      }
      std::string& into = i == 0 ? result.out : result.err;
      into.append(buffer, std::min(static_cast<std::size_t>(got), spec.max_output - into.size()));
    }
    if (in.write >= 0 && fds[2].revents != 0) {
      const ssize_t sent = ::write(in.write, spec.input.data() + written, spec.input.size() - written);
      if (sent > 0) written += static_cast<std::size_t>(sent);
      if ((sent < 0 && errno != EINTR && errno != EAGAIN) || written == spec.input.size())
        Pipe::close(in.write);
    }
  }

  if (restore_mask) {
    const timespec no_wait{};
    while (sigtimedwait(&pipe_signal, nullptr, &no_wait) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  }

  int status = 0;
  while (!result.timed_out) {
    const pid_t waited = ::waitpid(pid, &status, deadline ? WNOHANG : 0);
    if (waited == pid) break;
    if (waited < 0 && errno != EINTR) {
      return make_error(Errc::io, "waiting for `" + spec.program + "`: " + std::strerror(errno));
    }
    if (remaining_ms(deadline) == 0) result.timed_out = true;
    if (waited == 0 && !result.timed_out) ::usleep(5000);
  }
  if (result.timed_out) {
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace chalk::util
