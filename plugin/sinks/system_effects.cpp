#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "oci/util/random.hpp"
#include "plugin/sinks/effects.hpp"

namespace chalk::sinks {
namespace {

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  void sleep_ms(std::int64_t ms) override { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
};

class SystemRandom final : public RandomSource {
 public:
  void fill(std::uint8_t* data, std::size_t size) override { util::fill_random(data, size); }
};

class StderrLog final : public ErrorLog {
 public:
  void line(std::string_view text) override {
    std::string buffer(text);
    buffer += '\n';
    std::lock_guard<std::mutex> guard(m_lock);
    std::string_view rest = buffer;
    while (!rest.empty()) {
      ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  }

 private:
  std::mutex m_lock;
};

}  // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

RandomSource& system_random() {
  static SystemRandom random;
  return random;
}

ErrorLog& stderr_log() {
  static StderrLog log;
  return log;
}

}  // namespace chalk::sinks
