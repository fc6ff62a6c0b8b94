// The `<< >>` literal forms (CONFIG.md §2.1) and the Duration()/Size() conversions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "plugin/config/value.hpp"

namespace chalk::config {

// `1h30m`, `1 hr, 30 min`, `50 msecs` -> microseconds; nullopt when not a Duration.
std::optional<std::int64_t> parse_duration(std::string_view text);
// `5mb`, `1 KiB`, `10b` -> bytes; nullopt when not a Size.
std::optional<std::uint64_t> parse_size(std::string_view text);
// Tries Duration, Size, IPAddr, CIDR in that order on the trimmed text.
std::optional<Value> parse_special_literal(std::string_view text);

}  // namespace chalk::config
