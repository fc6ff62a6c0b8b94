// Facts about the running host and clock that every report carries (REPORTS.md §4).
// Plain functions over injected inputs where a test needs to pin them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace chalk {

// Milliseconds since the Unix epoch, now.
std::int64_t now_ms();

// The effects a chalk mark and a report read: the clock and random bytes. cli/ takes the
// process's once (process_effects); tests pass fixed ones, so the same image chalked twice
// with the same inputs gets the same layer.
struct Effects {
  std::function<std::int64_t()> now_ms;                                // Unix epoch milliseconds
  std::function<void(unsigned char* data, std::size_t size)> random;  // fills the bytes
};

// The system clock and OpenSSL's CSPRNG.
Effects process_effects();

// A clock stopped at `ms` and random bytes derived from `seed` (SHA-256 of the seed and a
// block counter): the same seed gives the same bytes in every process.
Effects fixed_effects(std::int64_t ms, const std::string& seed);

// SOURCE_DATE_EPOCH of `environment` as seconds (the reproducible-builds convention), or 0
// when unset or not a positive integer.
std::int64_t source_date_epoch(const std::map<std::string, std::string>& environment);

// `_DATETIME` format: local time, milliseconds and a ±HH:MM offset,
// e.g. "2023-09-22T20:20:05.130+00:00". `utc_offset_seconds` is the zone's offset at that instant.
std::string format_datetime(std::int64_t ms, long utc_offset_seconds);

// format_datetime in the process's local time zone.
std::string local_datetime(std::int64_t ms);

// RFC 3339 UTC with seconds ("2023-09-22T20:20:05Z"), for image history `created`.
std::string utc_rfc3339(std::int64_t ms);

// `_OP_PLATFORM` / `PLATFORM_WHEN_CHALKED`: "GNU/Linux x86_64" from uname (sysname Linux
// reads as GNU/Linux, as `uname -o` prints it).
std::string platform_string();

}  // namespace chalk
