// Files: RAII descriptors, positional reads and atomic replacement (temp file + rename),
// so no reader ever sees a half-written output and a failed, interrupted or killed run
// leaves nothing behind (unnamed temporary files, a registry of the named ones for signal
// clean-up, and a sweep of what killed runs of ours left).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "oci/result.hpp"

namespace oci {

class File {
 public:
  File() = default;
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Opens a regular file for reading; anything else (a FIFO, a device, a directory) is
  // refused without blocking.
  static Result<File> open_read(const std::filesystem::path& path);
  // Creates (mode 0644 minus umask) or truncates.
  static Result<File> create(const std::filesystem::path& path);

  [[nodiscard]] int fd() const { return m_fd; }
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  Result<std::uint64_t> size() const;
  // Reads exactly `size` bytes at `offset`; short files are an error naming the file.
  Status read_at(std::uint64_t offset, void* buffer, std::size_t size) const;
  // Reads up to `size` bytes at `offset`, returning how many were read (0 at EOF).
  Result<std::size_t> read_some_at(std::uint64_t offset, void* buffer, std::size_t size) const;
  Status write_all(const void* data, std::size_t size);
  Status write_all(std::string_view bytes) { return write_all(bytes.data(), bytes.size()); }
  Status sync();
  Status close();

 private:
  friend class UpdateLock;
  friend class AtomicFile;
  int m_fd = -1;
  std::filesystem::path m_path;
};

// How AtomicFile holds its data before commit().
enum class TempFileKind {
  // O_TMPFILE where the filesystem and /proc allow: a killed run leaves no name behind;
  // elsewhere a named sibling, as `named`.
  unnamed_where_supported,
  // A hidden sibling (temporary_sibling), registered for signal clean-up.
  named,
};

// A file written in the destination's directory and renamed over the destination by
// commit(); destroyed uncommitted, it leaves nothing. A file it replaces keeps its mode,
// and its owner when we are allowed to set it. Creating one sweeps stale temporaries of
// killed runs from that directory (sweep_stale_temporaries).
class AtomicFile {
 public:
  static Result<AtomicFile> create(const std::filesystem::path& destination,
                                   TempFileKind kind = TempFileKind::unnamed_where_supported);
  AtomicFile(AtomicFile&&) noexcept;
  AtomicFile& operator=(AtomicFile&&) noexcept;
  ~AtomicFile();

  // Its path() names the destination while the data has no name of its own.
  File& file() { return m_file; }
  // Whether the data is in an unnamed (O_TMPFILE) file until commit().
  [[nodiscard]] bool unnamed() const { return m_temp.empty(); }
  // Links an unnamed file in under a fresh sibling name, then renames it into place (the
  // rename is what replaces the destination atomically). With `durable`, its data reaches
  // the disk first, so a crash can never leave the new name pointing at missing data;
  // without, the rename is still atomic for every reader (large outputs skip the flush, as
  // cp does).
  Status commit(bool durable = false);

 private:
  AtomicFile() = default;
  void discard();
  File m_file;
  std::filesystem::path m_temp;  // the named temporary, empty while unnamed
  std::filesystem::path m_destination;
  bool m_done = false;
};

// The named temporary files and directories live in this process, so whatever ends it on
// a termination signal can remove them (no destructor runs then). Thread-safe. TempPath,
// named AtomicFile temporaries and temporary LocalBlobs register in `process()`.
class TempRegistry {
 public:
  static TempRegistry& process();
  void add(const std::filesystem::path& path);
  void forget(const std::filesystem::path& path);
  [[nodiscard]] bool contains(const std::filesystem::path& path) const;
  // Removes every registered path from disk (trees too) and forgets them. Retries a tree
  // another thread is still adding to, so it is gone when this returns.
  void remove_all();

 private:
  mutable std::mutex m_mutex;
  std::multiset<std::filesystem::path> m_paths;
};

// A temporary file or directory tree, removed when the object goes unless released:
// whatever fails half-way leaves nothing behind. Registered in TempRegistry::process() from
// construction (before the caller creates it) to release or removal.
class TempPath {
 public:
  TempPath() = default;
  explicit TempPath(std::filesystem::path path);
  ~TempPath();
  TempPath(TempPath&& other) noexcept : m_path(std::move(other.m_path)) { other.m_path.clear(); }
  TempPath& operator=(TempPath&& other) noexcept;
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  // Keeps the file: it is someone else's now.
  void release();

 private:
  std::filesystem::path m_path;
};

// How long an update waits for another process updating the same target.
inline constexpr std::chrono::seconds k_update_lock_wait{60};

// An exclusive advisory lock (flock) held for a read-modify-write of an image target: an
// archive (the file itself: a waiter that wakes after the holder renamed a new file into
// place locks the new file) or a layout (its directory). Whoever holds it reads the
// target after taking it, so a concurrent update is seen, never lost. Released when the
// object goes.
class UpdateLock {
 public:
  // Locks `path`, waiting at most `wait`; a target that does not exist yet needs no lock
  // (an empty lock is returned).
  static Result<UpdateLock> acquire(const std::filesystem::path& path, std::chrono::milliseconds wait);
  UpdateLock() = default;
  UpdateLock(UpdateLock&& other) noexcept : m_file(std::move(other.m_file)) {}
  UpdateLock& operator=(UpdateLock&& other) noexcept;
  [[nodiscard]] bool held() const { return m_file.fd() >= 0; }

 private:
  File m_file;
};

// A fresh hidden name beside `destination` (".NAME.tmp-<pid>-<16 hex digits>"), for writing
// before a rename; the pid tells a later sweep whether its writer is still running.
std::filesystem::path temporary_sibling(const std::filesystem::path& destination);

// How old a dead process's temporary must be before a sweep removes it: a writer in another
// pid namespace looks dead to us, but keeps what it writes fresh.
inline constexpr std::chrono::seconds k_stale_temporary_age{60};

// Removes from `directory` what killed runs left: names temporary_sibling makes whose pid
// is not a live process (kill(pid, 0) fails with ESRCH) and that were last modified at
// least `min_age` ago. Never touches another name. Best effort (a sweep that cannot list or
// remove something is no error); returns how many entries it removed.
std::size_t sweep_stale_temporaries(const std::filesystem::path& directory,
                                    std::chrono::seconds min_age = k_stale_temporary_age);

// Reads a whole small file, refusing anything larger than `limit` bytes.
Result<std::string> read_small_file(const std::filesystem::path& path, std::uint64_t limit);
// Writes `bytes` to `path` atomically (see AtomicFile::commit for `durable`).
Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes, bool durable = false);

std::string errno_text(int error_number);
// The status of what `path` names (following symlinks), never throwing: a name the system
// refuses (too long, a file where a directory is expected, no permission) reads as missing,
// so callers test it with std::filesystem::exists / is_directory on the result.
std::filesystem::file_status status_of(const std::filesystem::path& path) noexcept;
// "a FIFO", "a directory"... for a stat mode.
std::string describe_file_type(unsigned mode);

}  // namespace oci
