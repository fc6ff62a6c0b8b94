// The supervisor's pure rules; its behaviour as a process is covered by the integration tests.
#include "runtime-shim/supervisor.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

namespace chalk::shim {
namespace {

TEST(Supervisor, TakesOverEveryCatchableSignalButFaults) {
  const sigset_t set = supervised_signals();
  for (const int forwarded : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP,
                              SIGPIPE, SIGALRM, SIGCHLD, SIGRTMIN + 3, SIGRTMAX}) {
    EXPECT_EQ(sigismember(&set, forwarded), 1) << forwarded;
  }
  for (const int kept : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGKILL, SIGSTOP}) {
    EXPECT_EQ(sigismember(&set, kept), 0) << kept;
  }
}

TEST(Supervisor, ForwardsOnlyProcessSentSignals) {
  EXPECT_TRUE(should_forward(SIGTERM, SI_USER));
  EXPECT_TRUE(should_forward(SIGUSR1, SI_QUEUE));
  EXPECT_TRUE(should_forward(SIGINT, SI_TKILL));
  EXPECT_FALSE(should_forward(SIGINT, SI_KERNEL));  // Ctrl-C: the kernel already told the child
  EXPECT_FALSE(should_forward(SIGCHLD, SI_USER));
  EXPECT_FALSE(should_forward(SIGCHLD, CLD_EXITED));
}

TEST(Supervisor, ExitCodes) {
  EXPECT_EQ(exit_code_of(42 << 8), 42);
  EXPECT_EQ(exit_code_of(0), 0);
  EXPECT_EQ(exit_code_of(SIGTERM), 128 + SIGTERM);
  EXPECT_EQ(exit_code_of(SIGKILL | 0x80), 128 + SIGKILL);  // core dumped
}

}  // namespace
}  // namespace chalk::shim
