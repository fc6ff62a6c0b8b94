// Termination signals end the program only after the temporary files and directories it
// has live are removed: a destructor never runs when a signal kills a process. main blocks
// the signals before any thread starts (threads inherit the block; the process runner
// gives children the default mask back) and one thread waits for them.
#pragma once

#include <signal.h>

#include "oci/file_io.hpp"

namespace chalk::cli {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread, except those ignored when the
// program started (nohup, a shell's background job: they stay ignored); returns the set
// blocked. Call it first in main, before any thread exists.
sigset_t block_termination_signals();

// Starts a thread that waits for one of `signals`, removes every path in `registry`, and
// ends the process by that signal with its default action, so the shell sees what it
// expects (130 for INT, 143 for TERM). Nothing to wait for, no thread.
void start_termination_cleanup(const sigset_t& signals, oci::TempRegistry& registry);

}  // namespace chalk::cli
