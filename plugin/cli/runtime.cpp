#include "plugin/cli/runtime.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace chalk::cli {

void fail(const oci::Error& error) {
  const bool bad_input = error.code != oci::Errc::io && error.code != oci::Errc::docker && error.code != oci::Errc::registry;
  throw Fatal(bad_input ? k_exit_bad_input : k_exit_failure, error.message);
}

Runtime::Runtime(int argc, char** argv) {
  m_context.argv = absolute_argv(argc, argv);
  m_context.environment = process_environment();
}

void Runtime::publish(const oci::Json& report) {
  const oci::Json wrapped = oci::Json::array({report});
  const std::string text = isatty(STDOUT_FILENO) ? wrapped.dump(2) : oci::dump_json(wrapped);
  std::cout << text << '\n' << std::flush;
}

void Runtime::warn(const std::string& line) {
  end_progress();
  std::cerr << "docker chalk: warning: " << line << '\n';
}

oci::ProgressFn Runtime::progress(const std::string& label) {
  if (!isatty(STDERR_FILENO)) return {};
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [this, label, last](std::uint64_t bytes) {
    const auto now = std::chrono::steady_clock::now();
    if (now - *last < std::chrono::milliseconds(100)) return;
    *last = now;
    std::fprintf(stderr, "\r%s: %.1f MB", label.c_str(), static_cast<double>(bytes) / 1e6);
    std::fflush(stderr);
    m_progress_shown = true;
  };
}

void Runtime::end_progress() {
  if (m_progress_shown) {
    std::fputs("\r\033[K", stderr);
    m_progress_shown = false;
  }
}

}  // namespace chalk::cli
