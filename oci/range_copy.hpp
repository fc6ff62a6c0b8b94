// Moving blob bytes between files without passing them through user space, and checking
// them on a fixed pool of threads: an archive insert copies each layer with
// copy_file_range (the kernel moves page-cache pages) while other cores hash the same
// source range, which the copy has just brought into the page cache.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "oci/blob.hpp"
#include "oci/file_io.hpp"

namespace oci {

// How bytes move from one file to another, fastest first; each falls back to the next
// when the kernel or filesystem refuses it (EXDEV, EINVAL, ENOSYS, EOPNOTSUPP).
enum class CopyMethod { copy_file_range, sendfile, read_write };

// Appends `range` to `to` at its current position. `first` is the method tried first
// (tests force the fallbacks); `progress` gets the running total after each step.
Status copy_range(const FileRange& range, File& to, CopyMethod first = CopyMethod::copy_file_range,
                  const std::function<void(std::uint64_t)>& progress = {});

// A fixed set of threads running submitted jobs in order of submission; never more
// threads than requested (and at least one), whatever the number of jobs.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads);
  ~WorkerPool();  // runs what is queued, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> job);
  // Returns once every job submitted so far has run.
  void wait();
  // Drops the jobs not started yet (running ones finish): their results are not wanted.
  void cancel();
  [[nodiscard]] std::size_t threads() const { return m_threads.size(); }
  // hardware_concurrency, capped (each hashing job holds a 1 MiB buffer), at least 1.
  static unsigned default_threads();

 private:
  void work();

  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_idle;
  std::deque<std::function<void()>> m_jobs;
  std::size_t m_running = 0;
  bool m_stopping = false;
  std::vector<std::thread> m_threads;
};

// Reads `range` and checks it against `expected` (BlobCheck); `what` starts each error.
Status verify_range(const FileRange& range, const Descriptor& expected, const std::string& what);

// Checks blobs held in file ranges against their descriptors on a WorkerPool: size and
// digest, with the errors a VerifiedReader gives. finish() reports the first failure in
// submission order.
class RangeVerifier {
 public:
  explicit RangeVerifier(unsigned threads = WorkerPool::default_threads());
  // A verifier abandoned (the output failed otherwise) stops hashing what is still queued.
  ~RangeVerifier();
  RangeVerifier(const RangeVerifier&) = delete;
  RangeVerifier& operator=(const RangeVerifier&) = delete;
  void submit(FileRange range, Descriptor expected, std::string what);
  // The first failure (in submission order) among the checks done so far, without
  // waiting: lets a caller stop copying once the output is known to be refused.
  Status failed_so_far();
  // Waits for every check; the first failure in submission order.
  Status finish();

 private:
  std::deque<std::optional<Error>> m_results;  // one per submission (stable addresses), set by its job
  std::mutex m_mutex;
  WorkerPool m_pool;  // last: joined before the results it writes go
};

}  // namespace oci
