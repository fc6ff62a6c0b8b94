#include "plugin/sinks/json_text.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

namespace chalk::sinks {
namespace {

// The binary subtype that marks raw JSON text. Reports hold no other binary values.
constexpr std::uint8_t k_raw_json_subtype = 0x4a;

std::string nlohmann_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

nlohmann::json raw_json(std::string_view text) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  return nlohmann::json::binary(std::vector<std::uint8_t>(bytes, bytes + text.size()), k_raw_json_subtype);
}

bool is_raw_json(const nlohmann::json& value) {
  if (!value.is_binary()) return false;
  const auto& binary = value.get_binary();
  return binary.has_subtype() && binary.subtype() == k_raw_json_subtype;
}

nlohmann::json parsed_raw_json(const nlohmann::json& value) {
  if (is_raw_json(value)) {
    const auto& bytes = value.get_binary();
    return nlohmann::json::parse(bytes.begin(), bytes.end());
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, element] : value.items()) out[key] = parsed_raw_json(element);
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& element : value) out.push_back(parsed_raw_json(element));
    return out;
  }
  return value;
}

void append_json_string(std::string& out, std::string_view text) {
  // Escapes and non-ASCII (which may be invalid UTF-8, replaced) take nlohmann's own path.
  if (!is_plain_json_string(text)) {
    out += nlohmann_text(nlohmann::json(text));
    return;
  }
  const std::size_t at = out.size();
  out.resize(at + text.size() + 2);
  char* cursor = out.data() + at;
  *cursor++ = '"';
  std::memcpy(cursor, text.data(), text.size());
  cursor[text.size()] = '"';
}

void append_json_text(std::string& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, element] : value.get_ref<const nlohmann::json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, key);
        out += ':';
        append_json_text(out, element);
      }
      out += '}';
      return;
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value.get_ref<const nlohmann::json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        append_json_text(out, element);
      }
      out += ']';
      return;
    }
    case nlohmann::json::value_t::string:
      append_json_string(out, value.get_ref<const std::string&>());
      return;
    case nlohmann::json::value_t::binary:
      if (is_raw_json(value)) {
        const auto& bytes = value.get_binary();
        out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return;
      }
      break;
    default:
      break;
  }
  out += nlohmann_text(value);
}

std::string json_text(const nlohmann::json& value) {
  std::string out;
  append_json_text(out, value);
  return out;
}

}  // namespace chalk::sinks
