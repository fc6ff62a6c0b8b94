#include "oci/range_copy.hpp"

#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace oci {

namespace {

// The errors with which a kernel or filesystem refuses a copy method (rather than the
// copy failing): the next, more general method is tried.
bool method_refused(int error) {
  return error == EXDEV || error == EINVAL || error == ENOSYS || error == EOPNOTSUPP;
}

// Bytes per system call: large enough that the calls cost nothing, small enough that
// progress moves.
constexpr std::uint64_t k_copy_step = 8 << 20;
// The user-space buffer of read+write copies and of hashing.
constexpr std::size_t k_buffer_size = 1 << 20;

Error truncated(const File& file) {
  return make_error(Errc::invalid_format,
                    "reading `" + file.path().string() + "`: unexpected end of file (truncated?)");
}

}  // namespace

Status copy_range(const FileRange& range, File& to, CopyMethod first,
                  const std::function<void(std::uint64_t)>& progress) {
  CopyMethod method = first;
  std::vector<char> buffer;  // read_write only
  std::uint64_t done = 0;
  while (done < range.size) {
    const auto step = static_cast<std::size_t>(std::min(range.size - done, k_copy_step));
    const std::uint64_t from = range.offset + done;
    ssize_t copied = -1;
    switch (method) {
      case CopyMethod::copy_file_range: {
        auto in = static_cast<loff_t>(from);
        copied = ::copy_file_range(range.file->fd(), &in, to.fd(), nullptr, step, 0);
        break;
      }
      case CopyMethod::sendfile: {
        auto in = static_cast<off_t>(from);
        copied = ::sendfile(to.fd(), range.file->fd(), &in, step);
        break;
      }
      case CopyMethod::read_write: {
        buffer.resize(std::min(step, k_buffer_size));
        auto got = range.file->read_some_at(from, buffer.data(), buffer.size());
        if (!got) return got.error();
        if (*got == 0) return truncated(*range.file);
        CHALK_TRY(to.write_all(buffer.data(), *got));
        copied = static_cast<ssize_t>(*got);
        break;
      }
    }
    if (copied < 0) {
      const int error = errno;
      if (error == EINTR) continue;
      if (method != CopyMethod::read_write && method_refused(error)) {
        // A refused call moved nothing: the next method starts at the same place.
        method = method == CopyMethod::copy_file_range ? CopyMethod::sendfile : CopyMethod::read_write;
        continue;
      }
      return make_error(Errc::io, "copying `" + range.file->path().string() + "` to `" + to.path().string() +
                                      "`: " + errno_text(error));
    }
    if (copied == 0) return truncated(*range.file);
    done += static_cast<std::uint64_t>(copied);
    if (progress) progress(done);
  }
  return {};
}

WorkerPool::WorkerPool(unsigned threads) {
  const unsigned count = std::max(threads, 1U);
  m_threads.reserve(count);
  for (unsigned i = 0; i < count; ++i) m_threads.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  for (auto& thread : m_threads) thread.join();
}

unsigned WorkerPool::default_threads() {
  constexpr unsigned k_most = 4;
  return std::clamp(std::thread::hardware_concurrency(), 1U, k_most);
}

void WorkerPool::submit(std::function<void()> job) {
  {
    const std::lock_guard lock(m_mutex);
    m_jobs.push_back(std::move(job));
  }
  m_wake.notify_one();
}

void WorkerPool::cancel() {
  const std::lock_guard lock(m_mutex);
  m_jobs.clear();
  if (m_running == 0) m_idle.notify_all();
}

void WorkerPool::wait() {
  std::unique_lock lock(m_mutex);
  m_idle.wait(lock, [this] { return m_jobs.empty() && m_running == 0; });
}

void WorkerPool::work() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
    if (m_jobs.empty()) return;  // stopping, and everything queued has run
    auto job = std::move(m_jobs.front());
    m_jobs.pop_front();
    ++m_running;
    lock.unlock();
    job();
    lock.lock();
    --m_running;
    if (m_jobs.empty() && m_running == 0) m_idle.notify_all();
  }
}

Status verify_range(const FileRange& range, const Descriptor& expected, const std::string& what) {
  BlobCheck check(expected, what);
  std::vector<char> buffer(k_buffer_size);
  for (std::uint64_t done = 0; done < range.size;) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(range.size - done, buffer.size()));
    auto got = range.file->read_some_at(range.offset + done, buffer.data(), want);
    if (!got) return got.error().with_context(what);
    if (*got == 0) return truncated(*range.file).with_context(what);
    CHALK_TRY(check.update(buffer.data(), *got));
    done += *got;
  }
  return check.finish();
}

RangeVerifier::RangeVerifier(unsigned threads) : m_pool(threads) {}

RangeVerifier::~RangeVerifier() { m_pool.cancel(); }

void RangeVerifier::submit(FileRange range, Descriptor expected, std::string what) {
  std::optional<Error>* slot = nullptr;
  {
    const std::lock_guard lock(m_mutex);
    slot = &m_results.emplace_back();
  }
  m_pool.submit(
      [this, slot, range = std::move(range), expected = std::move(expected), what = std::move(what)] {
        auto ok = verify_range(range, expected, what);
        if (ok) return;
        const std::lock_guard lock(m_mutex);
        *slot = ok.error();
      });
}

Status RangeVerifier::failed_so_far() {
  const std::lock_guard lock(m_mutex);
  for (const auto& result : m_results) {
    if (result) return *result;
  }
  return {};
}

Status RangeVerifier::finish() {
  m_pool.wait();
  return failed_so_far();
}

}  // namespace oci
