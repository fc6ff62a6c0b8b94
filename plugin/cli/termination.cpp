#include "plugin/cli/termination.hpp"

#include <pthread.h>
#include <unistd.h>

#include <thread>

namespace chalk::cli {
namespace {

bool ignored_at_start(int signal_number) {
  struct sigaction current {};
  return ::sigaction(signal_number, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}

[[noreturn]] void die_of(int signal_number) {
  ::signal(signal_number, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, signal_number);
  // raise() targets this thread, the only one where the signal is unblocked now.
  ::pthread_sigmask(SIG_UNBLOCK, &only, nullptr);
  ::raise(signal_number);
  ::_exit(128 + signal_number);
}

}  // namespace

sigset_t block_termination_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    if (!ignored_at_start(signal_number)) sigaddset(&signals, signal_number);
  }
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void start_termination_cleanup(const sigset_t& signals, oci::TempRegistry& registry) {
  if (sigisemptyset(&signals)) return;
  // Detached: it lives as long as the process, which it may end.
  std::thread([signals, &registry] {
    int signal_number = 0;
    while (::sigwait(&signals, &signal_number) != 0) {
    }
    registry.remove_all();
    die_of(signal_number);
  }).detach();
}

}  // namespace chalk::cli
