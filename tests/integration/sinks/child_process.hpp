// Starts a helper server process that prints its port as its first stdout line, and stops it.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <string>
#include <vector>

extern char** environ;

namespace chalk::sinks::testing {

class PortPrinter {
 public:
  // Runs `args` (args[0] looked up on PATH); error() says why no port came.
  explicit PortPrinter(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::array<int, 2> out{};
    if (::pipe2(out.data(), O_CLOEXEC) != 0) {
      m_error = "pipe failed";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    int spawned = ::posix_spawnp(&m_pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (spawned != 0) {
      m_pid = -1;
      m_error = "cannot start " + args[0];
      ::close(out[0]);
      return;
    }
    std::string line;
    for (;;) {
      pollfd p{out[0], POLLIN, 0};
      char c = 0;
      if (::poll(&p, 1, 20000) <= 0 || ::read(out[0], &c, 1) != 1) {
        m_error = args[1] + " exited or printed no port (see its stderr)";
        break;
      }
      if (c == '\n') {
        m_port = std::stoi(line);
        break;
      }
      line += c;
    }
    ::close(out[0]);
  }

  ~PortPrinter() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGTERM);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
    }
  }

  PortPrinter(const PortPrinter&) = delete;
  PortPrinter& operator=(const PortPrinter&) = delete;

  [[nodiscard]] int port() const { return m_port; }
  [[nodiscard]] const std::string& error() const { return m_error; }

 private:
  pid_t m_pid = -1;
  int m_port = 0;
  std::string m_error;
};

// Runs a command to completion; its exit status (-1 if it could not start).
inline int run_command(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace chalk::sinks::testing
