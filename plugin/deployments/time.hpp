// Timestamps as reports, Cloud Custodian and Kubernetes write them, to and from Unix ms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chalk::deployments {

// "2023-09-18T19:43:25.617000+03:00", "2023-09-22T20:20:05.130Z", "2024-01-02T03:04:05Z":
// any number of fraction digits (ms kept), `Z` or `±HH:MM`. Nothing else parses.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

// "2023-09-18T16:43:25.617Z" (UTC); "" for 0 (unknown).
std::string format_utc_ms(std::int64_t unix_ms);

}  // namespace chalk::deployments
