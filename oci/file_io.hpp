// Files: RAII descriptors, positional reads and atomic replacement (temp file + rename),
// so no reader ever sees a half-written output and a failed run leaves nothing behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
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
  int m_fd = -1;
  std::filesystem::path m_path;
};

// A file written under a temporary name in the destination's directory and renamed over
// the destination by commit(); destroyed uncommitted, it removes the temporary file. A
// file it replaces keeps its mode, and its owner when we are allowed to set it.
class AtomicFile {
 public:
  static Result<AtomicFile> create(const std::filesystem::path& destination);
  AtomicFile(AtomicFile&&) noexcept;
  AtomicFile& operator=(AtomicFile&&) noexcept;
  ~AtomicFile();

  File& file() { return m_file; }
  [[nodiscard]] const std::filesystem::path& temp_path() const { return m_temp; }
  // Renames the file into place. With `durable`, its data reaches the disk first, so a
  // crash can never leave the new name pointing at missing data; without, the rename is
  // still atomic for every reader (large outputs skip the flush, as cp does).
  Status commit(bool durable = false);

 private:
  AtomicFile() = default;
  File m_file;
  std::filesystem::path m_temp;
  std::filesystem::path m_destination;
  bool m_done = false;
};

// A temporary file or directory tree, removed when the object goes unless released:
// whatever fails half-way leaves nothing behind.
class TempPath {
 public:
  TempPath() = default;
  explicit TempPath(std::filesystem::path path) : m_path(std::move(path)) {}
  ~TempPath();
  TempPath(TempPath&& other) noexcept : m_path(std::move(other.m_path)) { other.m_path.clear(); }
  TempPath& operator=(TempPath&& other) noexcept;
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  // Keeps the file: it is someone else's now.
  void release() { m_path.clear(); }

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

// A fresh hidden name beside `destination` (".NAME.tmp-<random>"), for writing before a rename.
std::filesystem::path temporary_sibling(const std::filesystem::path& destination);

// Reads a whole small file, refusing anything larger than `limit` bytes.
Result<std::string> read_small_file(const std::filesystem::path& path, std::uint64_t limit);
// Writes `bytes` to `path` atomically (see AtomicFile::commit for `durable`).
Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes, bool durable = false);

std::string errno_text(int error_number);
// "a FIFO", "a directory"... for a stat mode.
std::string describe_file_type(unsigned mode);

}  // namespace oci
