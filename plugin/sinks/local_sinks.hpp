// Sinks that write to this machine: the process's stdout/stderr and files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "plugin/sinks/sink.hpp"

namespace chalk::sinks {

// stdout/stderr: the report as a one-element array and "\n", 2-space pretty only when `pretty`
// (the caller passes isatty). One write(2) per report under a process-wide lock per fd, so two
// reports never interleave.
std::unique_ptr<Sink> make_stream_sink(int fd, bool pretty);

// How long file sinks wait for another writer's flock before failing the delivery.
inline constexpr std::int64_t k_default_lock_wait_ms = 5000;

// `file`: the report object on one line, appended with O_APPEND under flock(2); a new file is
// 0600 and missing parent directories are created (0700). Only a regular file is written (a
// FIFO or device fails the delivery at once); in a world-writable sticky directory (/tmp) a
// symlink is not followed and a file another user owns is refused.
std::unique_ptr<Sink> make_file_sink(std::string path, std::int64_t lock_wait_ms = k_default_lock_wait_ms);

// `rotating_log`: as file (same checks); an append that would make the file larger than `max_bytes` first
// drops the oldest whole lines (at least `truncation_bytes`, and enough to fit) through a
// temporary file renamed over the log. A single report larger than `max_bytes` is written alone.
std::unique_ptr<Sink> make_rotating_log_sink(std::string path, std::uint64_t max_bytes,
                                             std::uint64_t truncation_bytes);

// `~` and `~/...` become the home directory (`home`, else $HOME, else the passwd entry).
std::string expand_home(const std::string& path, const std::string& home);

}  // namespace chalk::sinks
