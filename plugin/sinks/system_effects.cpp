#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

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
  void fill(std::uint8_t* data, std::size_t size) override {
    while (size > 0) {
      ssize_t n = ::getrandom(data, size, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        // getrandom only fails without kernel support (pre-3.17); keys then stay unique
        // through their millisecond stamp and a per-process counter.
        fallback(data, size);
        return;
      }
      data += n;
      size -= static_cast<std::size_t>(n);
    }
  }

 private:
  void fallback(std::uint8_t* data, std::size_t size) {
    std::uint64_t x = m_counter++ ^ (static_cast<std::uint64_t>(::getpid()) << 32) ^
                      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (std::size_t i = 0; i < size; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      data[i] = static_cast<std::uint8_t>(x);
    }
  }
  std::atomic<std::uint64_t> m_counter{0x9E3779B97F4A7C15ULL};
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
