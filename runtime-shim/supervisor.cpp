#include "runtime-shim/supervisor.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace chalk::shim {
namespace {

constexpr int k_faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};

}  // namespace

sigset_t supervised_signals() noexcept {
  sigset_t set;
  sigfillset(&set);
  for (const int fault : k_faults) sigdelset(&set, fault);
  sigdelset(&set, SIGKILL);
  sigdelset(&set, SIGSTOP);
  return set;
}

bool should_forward(int signal, int si_code) noexcept { return signal != SIGCHLD && si_code <= 0; }

int exit_code_of(int wait_status) noexcept {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  return 1;
}

Supervisor::Supervisor() noexcept : m_supervised(supervised_signals()) {
  pthread_sigmask(SIG_BLOCK, &m_supervised, &m_original_mask);
}

void Supervisor::exec_program(const char* path, char* const argv[]) noexcept {
  pthread_sigmask(SIG_SETMASK, &m_original_mask, nullptr);
  ::execv(path, argv);
  const int error = errno;
  // stderr is the program's, but the program never started: this line is its only output.
  std::fprintf(stderr, "chalk: exec: %s: %s\n", argv[0], std::strerror(error));
  std::fflush(stderr);
  ::_exit(error == ENOENT ? 127 : 126);
}

pid_t Supervisor::start(const char* path, char* const argv[]) noexcept {
  const pid_t child = ::fork();
  if (child == 0) exec_program(path, argv);
  if (child < 0) exec_program(path, argv);
  return child;
}

int Supervisor::wait_for(pid_t child) noexcept {
  for (;;) {
    siginfo_t info{};
    const int signal = sigwaitinfo(&m_supervised, &info);
    if (signal < 0) continue;  // EINTR: a stop/continue of ourselves
    if (should_forward(signal, info.si_code)) {
      ::kill(child, signal);
      continue;
    }
    if (signal != SIGCHLD) continue;
    // Signals coalesce: one SIGCHLD may stand for several children, so drain them all.
    for (;;) {
      int status = 0;
      const pid_t reaped = ::waitpid(-1, &status, WNOHANG);
      if (reaped <= 0) break;
      if (reaped == child) return exit_code_of(status);
    }
  }
}

}  // namespace chalk::shim
