// Facts about the running host and clock that every report carries (REPORTS.md §4).
// Plain functions over injected inputs where a test needs to pin them.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace chalk {

// Milliseconds since the Unix epoch, now.
std::int64_t now_ms();

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
