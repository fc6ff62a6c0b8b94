#include "plugin/chalk/ids.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

#include "oci/digest.hpp"

namespace chalk {

namespace {

constexpr std::string_view k_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void put_u32(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void put_string(std::string& out, std::string_view text) {
  out.push_back('\x01');
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

void encode(std::string& out, const oci::Json& value, bool top_level);

void encode_dict(std::string& out, const oci::Json& object, bool top_level) {
  static constexpr std::array<std::string_view, 6> k_skipped = {"MAGIC",   "METADATA_HASH", "METADATA_ID",
                                                                "SIGNING", "SIGNATURE",     "EMBEDDED_CHALK"};
  std::vector<std::string> keys;
  for (const auto& item : object.items()) {
    if (top_level && std::find(k_skipped.begin(), k_skipped.end(), item.key()) != k_skipped.end()) continue;
    keys.push_back(item.key());
  }
  std::sort(keys.begin(), keys.end());  // std::string compares bytes, as the original sorts
  out.push_back('\x05');
  put_u32(out, static_cast<std::uint32_t>(keys.size()));
  for (const auto& key : keys) {
    put_string(out, key);
    encode(out, object.at(key), false);
  }
}

void encode(std::string& out, const oci::Json& value, bool top_level) {
  switch (value.type()) {
    case oci::Json::value_t::object:
      encode_dict(out, value, top_level);
      break;
    case oci::Json::value_t::string:
      put_string(out, value.get_ref<const std::string&>());
      break;
    case oci::Json::value_t::number_integer:
    case oci::Json::value_t::number_unsigned: {
      const auto number = value.is_number_unsigned() ? static_cast<std::uint64_t>(value.get<std::uint64_t>())
                                                     : static_cast<std::uint64_t>(value.get<std::int64_t>());
      out.push_back('\x02');
      for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((number >> (8 * i)) & 0xff));
      break;
    }
    case oci::Json::value_t::boolean:
      out.push_back('\x03');
      out.push_back(value.get<bool>() ? '\x01' : '\x00');
      break;
    case oci::Json::value_t::array:
      out.push_back('\x04');
      put_u32(out, static_cast<std::uint32_t>(value.size()));
      for (const auto& item : value) encode(out, item, false);
      break;
    case oci::Json::value_t::number_float:
      out.push_back('\x06');
      break;  // the original writes no payload
    default:
      out.push_back('\x07');
      break;
  }
}

}  // namespace

std::string id_format(std::string_view bytes) {
  std::string text;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && text.size() < 20) {
      text.push_back(k_alphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
    if (text.size() >= 20) break;
  }
  if (text.size() < 20 && bits > 0) text.push_back(k_alphabet[(buffer << (5 - bits)) & 0x1f]);
  std::string grouped;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 6 || i == 10 || i == 14) grouped.push_back('-');
    grouped.push_back(text[i]);
  }
  return grouped;
}

std::string random_chalk_id(const RandomBytes& random) {
  std::array<unsigned char, 32> bytes{};
  random(bytes.data(), bytes.size());
  return id_format(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::string random_chalk_rand(const RandomBytes& random) {
  std::array<unsigned char, 8> bytes{};
  random(bytes.data(), bytes.size());
  std::uint64_t value = 0;
  for (unsigned char byte : bytes) value = (value << 8) | byte;
  char text[24];
  std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(value));
  return text;
}

std::string normalize_mark(const oci::Json& mark) {
  std::string out;
  encode(out, mark, true);
  return out;
}

MarkHashes mark_hashes(const oci::Json& mark) {
  const auto raw = oci::sha256_raw(normalize_mark(mark));
  return {oci::to_hex(raw.data(), raw.size()),
          id_format(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()))};
}

}  // namespace chalk
