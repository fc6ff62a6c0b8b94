#include "plugin/sinks/local_sinks.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace chalk::sinks {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Writes all of `data`, resuming after partial writes and EINTR.
bool write_all(int fd, std::string_view data, int& err) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Closes the descriptor on every path out of a delivery.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() { reset(-1); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return m_fd; }
  void reset(int fd) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = fd;
  }

 private:
  int m_fd;
};

// mkdir -p for the directories above `path`; private (0700) like the reports they hold.
bool make_parents(const std::string& path, std::string& cause) {
  for (std::size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    std::string dir = path.substr(0, pos);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      cause = "creating directory `" + dir + "`: " + errno_text(errno);
      return false;
    }
  }
  return true;
}

// Takes an exclusive flock, waiting at most `wait_ms`: a writer that never lets go must not
// stall a build or the shim's reporting thread.
bool lock_bounded(int fd, const std::string& path, std::int64_t wait_ms, std::string& cause) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      cause = "locking `" + path + "`: " + errno_text(errno);
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      cause =
          "locking `" + path + "`: still locked by another writer after " + std::to_string(wait_ms) + " ms";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A world-writable directory with the sticky bit (/tmp): any user may plant a symlink or a
// file under the name we append to, so there the name is never followed and must be ours.
bool in_shared_directory(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  struct stat st {};
  return ::stat(dir.c_str(), &st) == 0 && (st.st_mode & S_ISVTX) != 0 && (st.st_mode & S_IWOTH) != 0;
}

// Opens `path` for appending, creating it 0600 (and its parents) if missing, and takes an
// exclusive flock. A rotating writer in another process may have renamed a new file over the
// one we opened while we waited for the lock: then we reopen, so no line goes to an orphan.
// Only regular files: O_NONBLOCK keeps a FIFO without a reader from blocking the open forever.
bool open_locked(const std::string& path, int flags, std::int64_t lock_wait_ms, Fd& fd, std::string& cause) {
  const bool shared = in_shared_directory(path);
  const int open_flags = flags | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | (shared ? O_NOFOLLOW : 0);
  for (int tries = 0; tries < 8; ++tries) {
    int raw = ::open(path.c_str(), open_flags, 0600);
    if (raw < 0 && errno == ENOENT) {
      if (!make_parents(path, cause)) return false;
      raw = ::open(path.c_str(), open_flags, 0600);
    }
    if (raw < 0) {
      const int err = errno;
      cause = "opening `" + path + "`: " +
              (err == ENXIO             ? std::string("not a regular file")
               : err == ELOOP && shared ? std::string("a symlink in a shared directory is not followed")
                                        : errno_text(err));
      return false;
    }
    fd.reset(raw);
    struct stat opened_type {};
    if (::fstat(fd.get(), &opened_type) != 0 || !S_ISREG(opened_type.st_mode)) {
      cause = "opening `" + path + "`: not a regular file";
      return false;
    }
    if (shared && opened_type.st_uid != ::geteuid()) {
      cause = "opening `" + path + "`: owned by another user in a shared directory";
      return false;
    }
    if (!lock_bounded(fd.get(), path, lock_wait_ms, cause)) return false;
    struct stat opened {};
    struct stat named {};
    if (::fstat(fd.get(), &opened) == 0 && ::stat(path.c_str(), &named) == 0 &&
        opened.st_ino == named.st_ino && opened.st_dev == named.st_dev) {
      return true;
    }
  }
  cause = "opening `" + path + "`: the file keeps being replaced";
  return false;
}

class StreamSink final : public Sink {
 public:
  StreamSink(int fd, bool pretty) : m_fd(fd), m_pretty(pretty) {}

  Delivery deliver(const nlohmann::json& report) override {
    std::string text = as_array_line(report, m_pretty);
    static std::mutex write_lock;
    std::lock_guard<std::mutex> guard(write_lock);
    // Whatever the program printed through stdio before this report comes out first.
    if (m_fd == STDOUT_FILENO) std::fflush(stdout);
    if (m_fd == STDERR_FILENO) std::fflush(stderr);
    int err = 0;
    if (!write_all(m_fd, text, err)) return Delivery::failure("writing: " + errno_text(err));
    return Delivery::ok();
  }

 private:
  int m_fd;
  bool m_pretty;
};

class FileSink final : public Sink {
 public:
  FileSink(std::string path, std::int64_t lock_wait_ms)
      : m_path(std::move(path)), m_lock_wait_ms(lock_wait_ms) {}

  Delivery deliver(const nlohmann::json& report) override {
    std::string line = as_object_line(report);
    Fd fd(-1);
    std::string cause;
    if (!open_locked(m_path, O_WRONLY, m_lock_wait_ms, fd, cause)) return Delivery::failure(cause);
    int err = 0;
    if (!write_all(fd.get(), line, err))
      return Delivery::failure("appending to `" + m_path + "`: " + errno_text(err));
    return Delivery::ok();
  }

 private:
  std::string m_path;
  std::int64_t m_lock_wait_ms;
};

class RotatingLogSink final : public Sink {
 public:
  RotatingLogSink(std::string path, std::uint64_t max_bytes, std::uint64_t truncation_bytes)
      : m_path(std::move(path)), m_max(max_bytes), m_truncation(truncation_bytes) {}

  Delivery deliver(const nlohmann::json& report) override {
    std::string line = as_object_line(report);
    Fd fd(-1);
    std::string cause;
    if (!open_locked(m_path, O_RDWR, k_default_lock_wait_ms, fd, cause)) return Delivery::failure(cause);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
      return Delivery::failure("reading `" + m_path + "`: " + errno_text(errno));
    auto size = static_cast<std::uint64_t>(st.st_size);
    int err = 0;
    if (size + line.size() <= m_max) {
      if (!write_all(fd.get(), line, err))
        return Delivery::failure("appending to `" + m_path + "`: " + errno_text(err));
      return Delivery::ok();
    }
    // Rotation happens while we hold the lock on the old file; writers waiting on it notice
    // the rename in open_locked and move to the new file.
    std::string kept;
    if (!keep_newest(fd.get(), size, line.size(), kept, cause)) return Delivery::failure(cause);
    kept += line;
    return replace_file(kept);
  }

 private:
  // Reads the log and keeps what is left after dropping the oldest whole lines: at least
  // m_truncation bytes, and enough that `incoming` more bytes fit under m_max.
  bool keep_newest(int fd, std::uint64_t size, std::size_t incoming, std::string& kept,
                   std::string& cause) const {
    std::uint64_t need =
        std::max<std::uint64_t>(m_truncation, size + incoming > m_max ? size + incoming - m_max : 0);
    if (need >= size) return true;
    std::string content(size, '\0');
    std::size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::pread(fd, content.data() + done, content.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        cause = "reading `" + m_path + "`: " + errno_text(errno);
        return false;
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    content.resize(done);
    // Cut after the newline that ends the line containing byte `need - 1`.
    std::size_t cut = content.find('\n', static_cast<std::size_t>(need - 1));
    if (cut != std::string::npos) kept = content.substr(cut + 1);
    return true;
  }

  Delivery replace_file(const std::string& content) const {
    std::string tmp_name = m_path + ".XXXXXX";
    int raw = ::mkstemp(tmp_name.data());
    if (raw < 0) return Delivery::failure("rotating `" + m_path + "`: " + errno_text(errno));
    Fd tmp(raw);
    int err = 0;
    if (::fchmod(tmp.get(), 0600) != 0 || !write_all(tmp.get(), content, err) ||
        ::rename(tmp_name.c_str(), m_path.c_str()) != 0) {
      if (err == 0) err = errno;
      ::unlink(tmp_name.c_str());
      return Delivery::failure("rotating `" + m_path + "`: " + errno_text(err));
    }
    return Delivery::ok();
  }

  std::string m_path;
  std::uint64_t m_max;
  std::uint64_t m_truncation;
};

}  // namespace

std::unique_ptr<Sink> make_stream_sink(int fd, bool pretty) {
  return std::make_unique<StreamSink>(fd, pretty);
}

std::unique_ptr<Sink> make_file_sink(std::string path, std::int64_t lock_wait_ms) {
  return std::make_unique<FileSink>(std::move(path), lock_wait_ms);
}

std::unique_ptr<Sink> make_rotating_log_sink(std::string path, std::uint64_t max_bytes,
                                             std::uint64_t truncation_bytes) {
  return std::make_unique<RotatingLogSink>(std::move(path), max_bytes, truncation_bytes);
}

std::string expand_home(const std::string& path, const std::string& home) {
  if (path.empty() || path[0] != '~' || (path.size() > 1 && path[1] != '/')) return path;
  std::string dir = home;
  if (dir.empty()) {
    if (const char* env = std::getenv("HOME"); env != nullptr) dir = env;
  }
  if (dir.empty()) {
    if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr) dir = pw->pw_dir;
  }
  if (dir.empty()) return path;
  return dir + path.substr(1);
}

}  // namespace chalk::sinks
