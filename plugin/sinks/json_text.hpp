// The JSON text of reports: one writer for every sink, byte for byte what nlohmann's compact
// dump writes (invalid UTF-8 replaced, non-ASCII kept), and raw values whose text is already
// written. The shim writes its socket tables as raw JSON: as nlohmann values, the 7,000 cells
// of a heartbeat with 1,000 sockets cost several times the kernel's whole dump to build, copy
// and print.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
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
inline bool is_plain_json_string(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return is_plain_json_byte(static_cast<unsigned char>(c)); });
}
// Appends `text` as a JSON string, quotes included.
void append_json_string(std::string& out, std::string_view text);
// Appends one table row, `["cell",...]`, of a range of strings or string views. Plain cells
// (the kernel's always are) are copied in place, a row at a time: 7,000 cells of a heartbeat
// appended one by one cost more than the rest of it.
template <class Cells>
void append_json_row(std::string& out, const Cells& cells) {
  std::size_t size = 2;  // "[" and "]"
  bool plain = true;
  for (const std::string_view cell : cells) {
    size += cell.size() + 3;  // quotes and ","
    plain = plain && is_plain_json_string(cell);
  }
  if (!plain) {
    out += '[';
    for (const std::string_view cell : cells) {
      append_json_string(out, cell);
      out += ',';
    }
    if (out.back() == ',') out.pop_back();
    out += ']';
    return;
  }
  const std::size_t at = out.size();
  out.resize(at + size);
  char* cursor = out.data() + at;
  *cursor++ = '[';
  for (const std::string_view cell : cells) {
    *cursor++ = '"';
    std::memcpy(cursor, cell.data(), cell.size());
    cursor += cell.size();
    *cursor++ = '"';
    *cursor++ = ',';
  }
  if (cursor[-1] == ',') --cursor;
  *cursor++ = ']';
  out.resize(static_cast<std::size_t>(cursor - out.data()));
}
// Appends the compact JSON text of `value` (raw values verbatim).
void append_json_text(std::string& out, const nlohmann::json& value);
std::string json_text(const nlohmann::json& value);

}  // namespace chalk::sinks
