#include "runtime-shim/reporter.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "oci/digest.hpp"
#include "runtime-shim/file_text.hpp"
#include "runtime-shim/mark.hpp"
#include "runtime-shim/proc_net.hpp"
#include "runtime-shim/process_info.hpp"

namespace chalk::shim {
namespace {

// How much freed heap the reporting threads keep between heartbeats.
constexpr int k_kept_heap_bytes = 4 << 20;

void write_stderr_line(std::string_view text) noexcept {
  std::string line;
  try {
    line = "chalk: " + std::string(text) + "\n";
  } catch (...) {
    return;
  }
  // One write, so the line never interleaves with the program's output.
  while (::write(2, line.data(), line.size()) < 0 && errno == EINTR) {
  }
}

void close_pair(int (&fds)[2]) noexcept {
  for (int& fd : fds) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

}  // namespace

std::int64_t monotonic_ms() noexcept {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

std::string file_sha256_hex(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  // oci::Sha256 is OpenSSL's low-level SHA-256: no provider set-up, which would cost the
  // shim about 1 MB of resident memory it only needs for TLS.
  oci::Sha256 hasher;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return {};
    }
    hasher.update(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::string(hasher.finish().hex());
}

Reporter::Reporter(ReporterOptions options) : m_options(std::move(options)), m_start_ms(monotonic_ms()) {
  if (!m_options.warn) m_options.warn = write_stderr_line;
}

Reporter::~Reporter() {
  if (m_started) {
    finish(-1);
    pthread_join(m_thread, nullptr);
  }
  close_pair(m_stop_pipe);
  close_pair(m_done_pipe);
}

bool Reporter::start() noexcept {
  if (::pipe2(m_stop_pipe, O_CLOEXEC) != 0) return false;
  if (::pipe2(m_done_pipe, O_CLOEXEC) != 0) {
    close_pair(m_stop_pipe);
    return false;
  }
  m_started = pthread_create(&m_thread, nullptr, &Reporter::thread_main, this) == 0;
  if (!m_started) {
    close_pair(m_stop_pipe);
    close_pair(m_done_pipe);
  }
  return m_started;
}

bool Reporter::finish(int timeout_ms) noexcept {
  if (!m_started) return true;
  if (m_stop_pipe[1] >= 0) {
    ::close(m_stop_pipe[1]);  // EOF wakes the thread, however often it polls
    m_stop_pipe[1] = -1;
  }
  pollfd done{m_done_pipe[0], POLLIN, 0};
  const std::int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    const std::int64_t left = timeout_ms < 0 ? -1 : std::max<std::int64_t>(0, deadline - monotonic_ms());
    const int ready = ::poll(&done, 1, static_cast<int>(left));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return false;
  }
}

void* Reporter::thread_main(void* self) noexcept {
  auto* reporter = static_cast<Reporter*>(self);
  try {
    reporter->run();
  } catch (const std::exception& error) {
    reporter->report_failure(std::string("reporting: ") + error.what());
  } catch (...) {
    reporter->report_failure("reporting: unexpected failure");
  }
  ::close(reporter->m_done_pipe[1]);
  reporter->m_done_pipe[1] = -1;
  return nullptr;
}

void Reporter::report_failure(std::string_view text) noexcept {
  try {
    m_options.warn(text);
  } catch (...) {
    // Reporting about reporting has nowhere left to go.
  }
}

bool Reporter::wait_until(std::int64_t deadline) noexcept {
  pollfd stop{m_stop_pipe[0], POLLIN, 0};
  for (;;) {
    const std::int64_t left = deadline - monotonic_ms();
    if (left <= 0) return true;
    const int ready = ::poll(&stop, 1, static_cast<int>(std::min<std::int64_t>(left, 1 << 30)));
    if (ready > 0) return false;
    if (ready < 0 && errno != EINTR) return false;
  }
}

void Reporter::run() {
  const std::string root = m_options.root == "/" ? std::string() : m_options.root;
  auto source = read_text_file(root + "/chalk.c4m");
  if (!source) {
    if (source.error().code != util::Errc::not_found) report_failure(source.error().message);
    return;
  }
  auto opened = m_options.open_channel(*source);
  if (!opened) {
    report_failure(opened.error().message);
    return;
  }
  if (!*opened) return;
  ReportChannel& channel = **opened;
  const bool exec_wanted = channel.wants("exec");
  const bool heartbeats = channel.heartbeat_enabled() && channel.wants("heartbeat");
  if (!exec_wanted && !heartbeats) return;

  ExecFacts facts;
  if (auto mark = read_mark(root + "/chalk.json"); mark) {
    facts.mark = std::move(mark.value());
  } else {
    report_failure(mark.error().message);
  }
  facts.exec_id = random_exec_id();
  facts.host = current_host_facts();
  facts.shim_argv = m_options.shim_argv;
  facts.program_path = m_options.program_path;
  facts.program_hash = file_sha256_hex(m_options.program_path);
  struct stat proc_net {};
  if (::stat((m_options.proc_root + "/net").c_str(), &proc_net) != 0) {
    report_failure("reading network tables `" + m_options.proc_root + "/net`: not available");
  }

  SocketTableReader sockets(m_options.proc_root, m_options.socket_source);
  const auto tables = [&]() { return network_tables(m_options.proc_root, sockets.read()); };
  bool running = wait_until(m_start_ms + m_options.exec_delay_ms);
  if (exec_wanted) {
    const nlohmann::json process =
        running ? read_process_info(m_options.proc_root, m_options.program_pid) : nlohmann::json::object();
    channel.publish(exec_report(facts, current_instant(), process, tables()));
  }
  if (heartbeats) {
    // A beat's memory (some 400 KB with 1,000 sockets) is kept for the next one: by default
    // glibc hands the freed top of the thread's heap back to the kernel and maps large blocks
    // afresh, so every beat paid about 50 page faults and two madvise calls for it.
    ::mallopt(M_MMAP_THRESHOLD, k_kept_heap_bytes / 4);
    ::mallopt(M_TRIM_THRESHOLD, k_kept_heap_bytes);
    // A floor keeps a zero or tiny rate from turning reporting into a busy loop.
    const std::int64_t period = std::max<std::int64_t>(10, channel.heartbeat_period_ms());
    // Fixed rate: beat n is due at start + n * period, however long the previous one took.
    for (std::int64_t count = 1; running; ++count) {
      running = wait_until(m_start_ms + count * period);
      if (!running) break;
      channel.publish(heartbeat_report(facts, current_instant(), count, tables()));
    }
  }
  wait_until(INT64_MAX);
  channel.drain(1000);
}

}  // namespace chalk::shim
