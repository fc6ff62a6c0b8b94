// The clock and randomness of marks and reports, passed in rather than read where needed.
// Its own file (chalk_core keeps one object per file): the fixed ones hash with OpenSSL,
// which host_facts' users (build provenance) do not link.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace chalk {

// cli/ takes the process's once (process_effects); tests pass fixed ones, so the same
// image chalked twice with the same inputs gets the same layer.
struct Effects {
  std::function<std::int64_t()> now_ms;                               // Unix epoch milliseconds
  std::function<void(unsigned char* data, std::size_t size)> random;  // fills the bytes
};

// The system clock and the kernel's random bytes.
Effects process_effects();

// A clock stopped at `ms` and random bytes derived from `seed` (SHA-256 of the seed and a
// block counter): the same seed gives the same bytes in every process.
Effects fixed_effects(std::int64_t ms, const std::string& seed);

}  // namespace chalk
