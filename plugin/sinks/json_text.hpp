// The JSON text of reports: one writer for every sink, byte for byte what nlohmann's compact
// dump writes (invalid UTF-8 replaced, non-ASCII kept), and raw values whose text is already
// written. The shim writes its socket tables as raw JSON: as nlohmann values, the 7,000 cells
// of a heartbeat with 1,000 sockets cost several times the kernel's whole dump to build, copy
// and print.
#pragma once

#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace chalk::sinks {

// A value that serialises as `text`, which must be one complete JSON value. Copies of the
// report copy it as one buffer. Only the writers below know it: anything else that inspects a
// report holding raw values should look at parsed_raw_json(report).
nlohmann::json raw_json(std::string_view text);
[[nodiscard]] bool is_raw_json(const nlohmann::json& value);

// `value` with every raw value parsed into ordinary values.
nlohmann::json parsed_raw_json(const nlohmann::json& value);

// Whether a byte is written between quotes as it is: ASCII, not a control, '"' or '\\'. A
// table: the shim checks every byte of a heartbeat's 7,000 cells.
inline constexpr std::array<bool, 256> k_plain_json_bytes = [] {
  std::array<bool, 256> plain{};
  for (std::size_t byte = 0x20; byte < 0x80; ++byte) plain[byte] = byte != '"' && byte != '\\';
  return plain;
}();
constexpr bool is_plain_json_byte(unsigned char byte) { return k_plain_json_bytes[byte]; }
// Whether `text` is written between quotes as it is.
[[nodiscard]] bool is_plain_json_string(std::string_view text);
// Appends `text` as a JSON string, quotes included.
void append_json_string(std::string& out, std::string_view text);
// Appends the compact JSON text of `value` (raw values verbatim).
void append_json_text(std::string& out, const nlohmann::json& value);
std::string json_text(const nlohmann::json& value);

}  // namespace chalk::sinks
