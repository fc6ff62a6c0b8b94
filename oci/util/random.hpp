// Random bytes from the kernel, for IDs and temporary names (header only, so the static shim
// takes it too). Not OpenSSL's RAND_bytes: its first call builds the DRBG and the provider
// tables, about 1.5 ms at every start of every command.
#pragma once

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace chalk::util {

namespace detail {
// Unique rather than secret: only when the kernel gives no randomness at all (getrandom
// refused by a seccomp filter and no /dev/urandom in the container).
inline void fill_unique(unsigned char* data, std::size_t size) {
  static std::atomic<std::uint64_t> counter{0x9E3779B97F4A7C15ULL};
  std::uint64_t x = counter.fetch_add(1) ^ (static_cast<std::uint64_t>(::getpid()) << 32) ^
                    static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    data[i] = static_cast<unsigned char>(x);
  }
}

inline bool fill_from_urandom(unsigned char* data, std::size_t size) {
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  while (size > 0) {
    const ssize_t n = ::read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  ::close(fd);
  return size == 0;
}
}  // namespace detail

// Fills `size` bytes: getrandom(2), else /dev/urandom, else bytes that are only unique.
inline void fill_random(unsigned char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::getrandom(data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (!detail::fill_from_urandom(data, size)) detail::fill_unique(data, size);
      return;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace chalk::util
