// PID 1 duties of the shim (REPORTS.md §8): run the program as a child, forward
// process-sent signals to it, reap every child, exit as it did. Plain syscalls only,
// no allocation and no exceptions after start, so nothing in reporting can stop it.
#pragma once

#include <signal.h>
#include <sys/types.h>

namespace chalk::shim {

// The signals the supervisor takes over: every catchable one except the faults
// SEGV BUS FPE ILL TRAP SYS (SIGCHLD included: it drives reaping, it is never forwarded).
sigset_t supervised_signals() noexcept;
// Whether a received signal goes on to the program: not SIGCHLD, and only process-sent
// (si_code <= 0), since kernel-sent ones (terminal, SI_KERNEL) reach the child directly.
bool should_forward(int signal, int si_code) noexcept;
// 128+N for death by signal N, else the exit status.
int exit_code_of(int wait_status) noexcept;

class Supervisor {
 public:
  // Blocks the supervised signals in the calling thread (threads started later inherit
  // the mask, so they never take a signal meant for the program).
  Supervisor() noexcept;

  // Forks and execs `path` with `argv` (the child gets back the original signal mask).
  // If fork fails the program replaces this process; returns only on fork success,
  // with the child's pid.
  pid_t start(const char* path, char* const argv[]) noexcept;

  // Forwards signals and reaps children until `child` ends; returns its exit code.
  int wait_for(pid_t child) noexcept;

 private:
  [[noreturn]] void exec_program(const char* path, char* const argv[]) noexcept;

  sigset_t m_supervised{};
  sigset_t m_original_mask{};
};

}  // namespace chalk::shim
