#include "oci/file_io.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "oci/util/random.hpp"

namespace oci {

std::string errno_text(int error_number) { return std::strerror(error_number); }

namespace {
Error io_error(std::string_view doing, const std::filesystem::path& path, int error_number) {
  return make_error(Errc::io, std::string(doing) + " `" + path.string() + "`: " + errno_text(error_number));
}
}  // namespace

std::filesystem::file_status status_of(const std::filesystem::path& path) noexcept {
  std::error_code ignored;
  return std::filesystem::status(path, ignored);
}

std::string describe_file_type(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "a regular file";
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFSOCK:
      return "a socket";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFLNK:
      return "a symbolic link";
    default:
      return "a special file";
  }
}

File::~File() {
  if (m_fd >= 0) ::close(m_fd);
}

File::File(File&& other) noexcept : m_fd(other.m_fd), m_path(std::move(other.m_path)) { other.m_fd = -1; }

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = other.m_fd;
    m_path = std::move(other.m_path);
    other.m_fd = -1;
  }
  return *this;
}

Result<File> File::open_read(const std::filesystem::path& path) {
  File file;
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  file.m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (file.m_fd < 0) {
    const int error_number = errno;
    return make_error(error_number == ENOENT ? Errc::not_found : Errc::io,
                      "opening `" + path.string() + "`: " + errno_text(error_number));
  }
  file.m_path = path;
  struct stat info {};
  if (::fstat(file.m_fd, &info) != 0) return io_error("reading the type of", path, errno);
  if (!S_ISREG(info.st_mode)) {
    return make_error(Errc::invalid_format, "opening `" + path.string() + "`: not a regular file (" +
                                                describe_file_type(info.st_mode) + ")");
  }
  const int flags = ::fcntl(file.m_fd, F_GETFL);
  if (flags < 0 || ::fcntl(file.m_fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
    return io_error("opening", path, errno);
  return file;
}

Result<File> File::create(const std::filesystem::path& path) {
  File file;
  file.m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (file.m_fd < 0) return io_error("creating", path, errno);
  file.m_path = path;
  return file;
}

Result<std::uint64_t> File::size() const {
  struct stat info {};
  if (::fstat(m_fd, &info) != 0) return io_error("reading size of", m_path, errno);
  return static_cast<std::uint64_t>(info.st_size);
}

Result<std::size_t> File::read_some_at(std::uint64_t offset, void* buffer, std::size_t size) const {
  for (;;) {
    const ssize_t got = ::pread(m_fd, buffer, size, static_cast<off_t>(offset));
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) return io_error("reading", m_path, errno);
  }
}

Status File::read_at(std::uint64_t offset, void* buffer, std::size_t size) const {
  auto* bytes = static_cast<char*>(buffer);
  while (size > 0) {
    auto got = read_some_at(offset, bytes, size);
    if (!got) return got.error();
    if (*got == 0) {
      return make_error(Errc::invalid_format,
                        "reading `" + m_path.string() + "`: unexpected end of file (truncated?)");
    }
    bytes += *got;
    offset += *got;
    size -= *got;
  }
  return {};
}

Status File::write_all(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t written = ::write(m_fd, bytes, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_error("writing", m_path, errno);
    }
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
  return {};
}

Status File::sync() {
  if (::fsync(m_fd) != 0) return io_error("syncing", m_path, errno);
  return {};
}

Status File::close() {
  if (m_fd < 0) return {};
  const int result = ::close(m_fd);
  m_fd = -1;
  if (result != 0) return io_error("closing", m_path, errno);
  return {};
}

TempRegistry& TempRegistry::process() {
  // Never destroyed: a signal arriving while static objects are torn down at exit still
  // finds it.
  static auto* registry = new TempRegistry;
  return *registry;
}

void TempRegistry::add(const std::filesystem::path& path) {
  const std::lock_guard lock(m_mutex);
  m_paths.insert(path);
}

void TempRegistry::forget(const std::filesystem::path& path) {
  const std::lock_guard lock(m_mutex);
  if (auto found = m_paths.find(path); found != m_paths.end()) m_paths.erase(found);
}

bool TempRegistry::contains(const std::filesystem::path& path) const {
  const std::lock_guard lock(m_mutex);
  return m_paths.count(path) > 0;
}

void TempRegistry::remove_all() {
  const std::lock_guard lock(m_mutex);
  for (const auto& path : m_paths) {
    // A writer thread may create an entry in a tree between our listing and our rmdir
    // (ENOTEMPTY): go again; it cannot register anything new while we hold the lock.
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::error_code error;
      std::filesystem::remove_all(path, error);
      if (!error) break;
    }
  }
  m_paths.clear();
}

TempPath::TempPath(std::filesystem::path path) : m_path(std::move(path)) {
  if (!m_path.empty()) TempRegistry::process().add(m_path);
}

TempPath::~TempPath() {
  std::error_code ignored;
  if (!m_path.empty()) {
    std::filesystem::remove_all(m_path, ignored);
    TempRegistry::process().forget(m_path);
  }
}

TempPath& TempPath::operator=(TempPath&& other) noexcept {
  if (this != &other) {
    std::error_code ignored;
    if (!m_path.empty()) {
      std::filesystem::remove_all(m_path, ignored);
      TempRegistry::process().forget(m_path);
    }
    m_path = std::move(other.m_path);
    other.m_path.clear();
  }
  return *this;
}

void TempPath::release() {
  if (!m_path.empty()) TempRegistry::process().forget(m_path);
  m_path.clear();
}

UpdateLock& UpdateLock::operator=(UpdateLock&& other) noexcept {
  m_file = std::move(other.m_file);
  return *this;
}

Result<UpdateLock> UpdateLock::acquire(const std::filesystem::path& path, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    UpdateLock lock;
    lock.m_file.m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (lock.m_file.m_fd < 0) {
      if (errno == ENOENT) return UpdateLock{};
      return io_error("locking", path, errno);
    }
    lock.m_file.m_path = path;
    if (::flock(lock.m_file.fd(), LOCK_EX | LOCK_NB) == 0) {
      // The holder we waited for may have renamed a new file over the name: lock that one.
      struct stat locked {};
      struct stat current {};
      if (::fstat(lock.m_file.fd(), &locked) == 0 && ::stat(path.c_str(), &current) == 0 &&
          locked.st_ino == current.st_ino && locked.st_dev == current.st_dev) {
        return lock;
      }
      continue;
    }
    if (errno != EWOULDBLOCK && errno != EINTR) return io_error("locking", path, errno);
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(Errc::io,
                        "locking `" + path.string() + "`: another process is updating it (waited " +
                            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait).count()) +
                            " s)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

namespace {

constexpr std::string_view k_temp_marker = ".tmp-";
constexpr std::size_t k_temp_random_digits = 16;

// The pid in a name temporary_sibling made (".NAME.tmp-<pid>-<16 hex>"), or 0.
pid_t temporary_owner(std::string_view name) {
  if (name.size() < 2 || name.front() != '.') return 0;
  const auto marker = name.rfind(k_temp_marker);
  if (marker == std::string_view::npos || marker < 2) return 0;
  std::string_view rest = name.substr(marker + k_temp_marker.size());
  const auto dash = rest.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 9) return 0;
  const std::string_view pid_digits = rest.substr(0, dash);
  const std::string_view random = rest.substr(dash + 1);
  if (random.size() != k_temp_random_digits) return 0;
  for (char c : random) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
  }
  long pid = 0;
  for (char c : pid_digits) {
    if (c < '0' || c > '9') return 0;
    pid = pid * 10 + (c - '0');
  }
  return static_cast<pid_t>(pid);
}

bool process_is_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// O_TMPFILE files become names through /proc/self/fd (linkat with AT_EMPTY_PATH would need
// CAP_DAC_READ_SEARCH): without /proc, temporaries are named.
bool can_link_unnamed_files() {
  static const bool available = ::access("/proc/self/fd", F_OK) == 0;
  return available;
}

// Errors that mean "this filesystem or kernel has no O_TMPFILE", as open(2) lists them.
bool lacks_unnamed_files(int error_number) {
  return error_number == EOPNOTSUPP || error_number == EISDIR || error_number == EINVAL;
}

}  // namespace

std::filesystem::path temporary_sibling(const std::filesystem::path& destination) {
  unsigned char random[8];
  chalk::util::fill_random(random, sizeof random);
  std::uint64_t number = 0;
  for (unsigned char byte : random) number = number << 8 | byte;
  const auto directory =
      destination.has_parent_path() ? destination.parent_path() : std::filesystem::path(".");
  char suffix[48];
  std::snprintf(suffix, sizeof suffix, "%ld-%016llx", static_cast<long>(::getpid()),
                static_cast<unsigned long long>(number));
  return directory / ("." + destination.filename().string() + std::string(k_temp_marker) + suffix);
}

std::size_t sweep_stale_temporaries(const std::filesystem::path& directory, std::chrono::seconds min_age) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::directory_iterator entries(directory, error);
  if (error) return 0;
  const auto now = fs::file_time_type::clock::now();
  std::size_t removed = 0;
  for (const auto& entry : entries) {
    const pid_t owner = temporary_owner(entry.path().filename().native());
    if (owner <= 0 || owner == ::getpid() || !process_is_gone(owner)) continue;
    const auto modified = fs::last_write_time(entry.path(), error);
    if (error || now - modified < min_age) continue;
    if (fs::remove_all(entry.path(), error) > 0 && !error) ++removed;
  }
  return removed;
}

Result<AtomicFile> AtomicFile::create(const std::filesystem::path& destination, TempFileKind kind) {
  const auto directory =
      destination.has_parent_path() ? destination.parent_path() : std::filesystem::path(".");
  sweep_stale_temporaries(directory);
  AtomicFile atomic;
  atomic.m_destination = destination;
  if (kind == TempFileKind::unnamed_where_supported && can_link_unnamed_files()) {
    atomic.m_file.m_fd = ::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (atomic.m_file.m_fd < 0 && !lacks_unnamed_files(errno))
      return io_error("creating a temporary file in", directory, errno);
    atomic.m_file.m_path = destination;
  }
  if (atomic.m_file.m_fd < 0) {
    atomic.m_temp = temporary_sibling(destination);
    TempRegistry::process().add(atomic.m_temp);
    auto file = File::create(atomic.m_temp);
    if (!file) return file.error();
    atomic.m_file = std::move(*file);
  }
  // Replacing a file keeps its mode and (where we may) its owner: `docker save` writes
  // 0600, and chalking must not widen that to 0644. Set now, so a caller may still chmod.
  struct stat existing {};
  if (::stat(destination.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
    if (::fchmod(atomic.m_file.fd(), existing.st_mode & 07777) != 0) {
      return io_error("setting the mode of", atomic.m_file.path(), errno);
    }
    if (::fchown(atomic.m_file.fd(), existing.st_uid, existing.st_gid) != 0 && errno != EPERM) {
      return io_error("setting the owner of", atomic.m_file.path(), errno);
    }
  }
  return atomic;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_file(std::move(other.m_file)),
      m_temp(std::move(other.m_temp)),
      m_destination(std::move(other.m_destination)),
      m_done(other.m_done) {
  other.m_temp.clear();
  other.m_done = true;
}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    m_file = std::move(other.m_file);
    m_temp = std::move(other.m_temp);
    m_destination = std::move(other.m_destination);
    m_done = other.m_done;
    other.m_temp.clear();
    other.m_done = true;
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

// An unnamed file needs nothing: closing its descriptor frees it.
void AtomicFile::discard() {
  if (m_done || m_temp.empty()) return;
  std::error_code ignored;
  std::filesystem::remove(m_temp, ignored);
  TempRegistry::process().forget(m_temp);
}

Status AtomicFile::commit(bool durable) {
  if (durable) {
    if (auto synced = m_file.sync(); !synced) return synced;
  }
  if (m_temp.empty()) {
    // A killed run between link and rename leaves this name: its pid lets a sweep remove it.
    const auto linked = temporary_sibling(m_destination);
    TempRegistry::process().add(linked);
    const std::string descriptor = "/proc/self/fd/" + std::to_string(m_file.fd());
    if (::linkat(AT_FDCWD, descriptor.c_str(), AT_FDCWD, linked.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      const int error_number = errno;
      TempRegistry::process().forget(linked);
      return io_error("linking a temporary file in as", linked, error_number);
    }
    m_temp = linked;
  }
  if (auto closed = m_file.close(); !closed) return closed;
  if (::rename(m_temp.c_str(), m_destination.c_str()) != 0)
    return io_error("renaming into", m_destination, errno);
  TempRegistry::process().forget(m_temp);
  m_done = true;
  return {};
}

Result<std::string> read_small_file(const std::filesystem::path& path, std::uint64_t limit) {
  auto file = File::open_read(path);
  if (!file) return file.error();
  auto size = file->size();
  if (!size) return size.error();
  if (*size > limit) {
    return make_error(Errc::invalid_format, "reading `" + path.string() + "`: " + std::to_string(*size) +
                                                " bytes is larger than the " + std::to_string(limit) +
                                                "-byte limit for this file");
  }
  std::string bytes(static_cast<std::size_t>(*size), '\0');
  if (auto read = file->read_at(0, bytes.data(), bytes.size()); !read) return read.error();
  return bytes;
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes, bool durable) {
  auto atomic = AtomicFile::create(path);
  if (!atomic) return atomic.error();
  if (auto written = atomic->file().write_all(bytes); !written) return written;
  return atomic->commit(durable);
}

}  // namespace oci
