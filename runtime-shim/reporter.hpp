// The shim's reporting thread (REPORTS.md §8): evaluates the chalk layer's config, sends
// the exec report ~50 ms after start, then heartbeats at a fixed rate, until the program
// ends. It runs beside the supervisor and never blocks it: the supervisor only writes to a
// pipe and waits a bounded time on another.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "oci/util/result.hpp"
#include "runtime-shim/report.hpp"
#include "runtime-shim/sock_diag.hpp"

namespace chalk::shim {

// Where reports go, as the evaluated config decides.
class ReportChannel {
 public:
  virtual ~ReportChannel() = default;
  // Whether any sink would receive a report of this `_OPERATION` ("exec", "heartbeat").
  [[nodiscard]] virtual bool wants(std::string_view operation) const = 0;
  // Whether heartbeats are configured, and their period.
  [[nodiscard]] virtual bool heartbeat_enabled() const = 0;
  [[nodiscard]] virtual std::int64_t heartbeat_period_ms() const = 0;
  // Queues a report; never blocks on a sink.
  virtual void publish(const nlohmann::json& report) = 0;
  // Waits at most `timeout_ms` for queued reports to be delivered.
  virtual void drain(std::int64_t timeout_ms) = 0;
};

// Builds the channel from the config source text; nullptr when the config asks for
// nothing. An error is a rejected config, reported as one stderr line.
using ChannelFactory =
    std::function<util::Result<std::unique_ptr<ReportChannel>>(const std::string& config_source)>;

struct ReporterOptions {
  std::string root = "/";  // where chalk.json and chalk.c4m live
  std::string proc_root = "/proc";
  // Socket tables through netlink (falling back to `<proc_root>/net`), or /proc/net only.
  SocketTableReader::Source socket_source = SocketTableReader::Source::netlink;
  std::vector<std::string> shim_argv;
  std::string program_path;
  pid_t program_pid = 0;
  std::int64_t exec_delay_ms = 50;
  ChannelFactory open_channel;
  // Writes one stderr line (without newline); the default writes "chalk: " + text.
  std::function<void(std::string_view)> warn;
};

// Milliseconds of a monotonic clock, for schedules.
std::int64_t monotonic_ms() noexcept;

class Reporter {
 public:
  explicit Reporter(ReporterOptions options);
  ~Reporter();
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  // Starts the thread; false (and no reporting) if that is impossible.
  bool start() noexcept;
  // Tells the thread the program has ended and waits at most `timeout_ms` for it to send
  // what it owes (the exec report if not yet sent). True if it finished in time.
  bool finish(int timeout_ms) noexcept;

 private:
  static void* thread_main(void* self) noexcept;
  void run();
  // Sleeps until `deadline` (monotonic ms); false if the program ended first.
  bool wait_until(std::int64_t deadline) noexcept;
  void report_failure(std::string_view text) noexcept;

  ReporterOptions m_options;
  std::int64_t m_start_ms;
  int m_stop_pipe[2] = {-1, -1};
  int m_done_pipe[2] = {-1, -1};
  pthread_t m_thread{};
  bool m_started = false;
};

// sha256 hex of the file at `path`; "" if it cannot be read.
std::string file_sha256_hex(const std::string& path);

}  // namespace chalk::shim
