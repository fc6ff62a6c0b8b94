#include "plugin/config/literals.hpp"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <string>

#include "oci/util/strings.hpp"

namespace chalk::config {

namespace {

constexpr std::string_view k_blanks = " \t\n\r";

bool is_blank(char c) { return k_blanks.find(c) != std::string_view::npos; }

std::string_view trim(std::string_view text) { return util::trim(text, k_blanks); }

// Reads DIGITS at `pos`; false on none or int64 overflow.
bool read_digits(std::string_view text, std::size_t& pos, std::uint64_t limit, std::uint64_t& out) {
  std::size_t start = pos;
  out = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    std::uint64_t digit = static_cast<std::uint64_t>(text[pos] - '0');
    if (out > (limit - digit) / 10) return false;
    out = out * 10 + digit;
    ++pos;
  }
  return pos > start;
}

struct DurationUnit {
  const char* names[5];
  std::int64_t micros;
};

constexpr std::int64_t k_second = 1'000'000;
const std::array<DurationUnit, 8> k_duration_units{{
    {{"us", "usec", "usecs", nullptr, nullptr}, 1},
    {{"ms", "msec", "msecs", nullptr, nullptr}, 1'000},
    {{"s", "sec", "secs", "seconds", nullptr}, k_second},
    {{"m", "min", "mins", "minutes", nullptr}, 60 * k_second},
    {{"h", "hr", "hrs", "hours", nullptr}, 3'600 * k_second},
    {{"d", "day", "days", nullptr, nullptr}, 86'400 * k_second},
    {{"w", "wk", "wks", "week", "weeks"}, 7 * 86'400 * k_second},
    {{"y", "yr", "yrs", "year", "years"}, 365 * 86'400 * k_second},
}};

int duration_unit_index(const std::string& lowered) {
  for (std::size_t n = 0; n < k_duration_units.size(); ++n)
    for (const char* name : k_duration_units[n].names)
      if (name != nullptr && lowered == name) return static_cast<int>(n);
  return -1;
}

struct SizeSuffix {
  const char* name;
  std::uint64_t multiplier;
};

constexpr std::uint64_t k_kib = 1024;
const SizeSuffix k_size_suffixes[] = {
    {"b", 1},
    {"B", 1},
    {"bytes", 1},
    {"Bytes", 1},
    {"k", 1'000},
    {"K", 1'000},
    {"kb", 1'000},
    {"Kb", 1'000},
    {"KB", 1'000},
    {"ki", k_kib},
    {"Ki", k_kib},
    {"kib", k_kib},
    {"KiB", k_kib},
    {"KIB", k_kib},
    {"mb", 1'000'000},
    {"Mb", 1'000'000},
    {"MB", 1'000'000},
    {"mi", k_kib* k_kib},
    {"Mi", k_kib* k_kib},
    {"mib", k_kib* k_kib},
    {"MiB", k_kib* k_kib},
    {"MIB", k_kib* k_kib},
    {"g", 1'000'000'000},
    {"G", 1'000'000'000},
    {"gb", 1'000'000'000},
    {"Gb", 1'000'000'000},
    {"GB", 1'000'000'000},
    {"gi", k_kib* k_kib* k_kib},
    {"Gi", k_kib* k_kib* k_kib},
    {"gib", k_kib* k_kib* k_kib},
    {"GiB", k_kib* k_kib* k_kib},
    {"GIB", k_kib* k_kib* k_kib},
    {"t", 1'000'000'000'000},
    {"T", 1'000'000'000'000},
    {"tb", 1'000'000'000'000},
    {"Tb", 1'000'000'000'000},
    {"TB", 1'000'000'000'000},
    {"ti", k_kib* k_kib* k_kib* k_kib},
    {"Ti", k_kib* k_kib* k_kib* k_kib},
    {"tib", k_kib* k_kib* k_kib* k_kib},
    {"TiB", k_kib* k_kib* k_kib* k_kib},
    {"TIB", k_kib* k_kib* k_kib* k_kib},
};

bool parse_ip(std::string_view text, bool& v6) {
  std::string copy(text);
  std::array<unsigned char, 16> buf{};
  if (copy.find(':') != std::string::npos) {
    v6 = true;
    return inet_pton(AF_INET6, copy.c_str(), buf.data()) == 1;
  }
  v6 = false;
  // inet_pton accepts exactly dotted-quad decimal with octets 0..255.
  return inet_pton(AF_INET, copy.c_str(), buf.data()) == 1;
}

}  // namespace

std::optional<std::int64_t> parse_duration(std::string_view text) {
  text = trim(text);
  std::size_t pos = 0;
  std::int64_t total = 0;
  std::array<bool, k_duration_units.size()> seen{};
  bool any = false;
  while (pos < text.size()) {
    if (any) {
      while (pos < text.size() && (is_blank(text[pos]) || text[pos] == ',')) ++pos;
      if (pos >= text.size()) return std::nullopt;
    }
    std::uint64_t amount = 0;
    if (!read_digits(text, pos, static_cast<std::uint64_t>(INT64_MAX), amount)) return std::nullopt;
    while (pos < text.size() && is_blank(text[pos])) ++pos;
    std::string unit;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos])))
      unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[pos++])));
    int index = duration_unit_index(unit);
    if (index < 0 || seen[static_cast<std::size_t>(index)]) return std::nullopt;
    seen[static_cast<std::size_t>(index)] = true;
    std::int64_t micros = k_duration_units[static_cast<std::size_t>(index)].micros;
    if (amount > static_cast<std::uint64_t>(INT64_MAX / micros)) return std::nullopt;
    std::int64_t part = static_cast<std::int64_t>(amount) * micros;
    if (total > INT64_MAX - part) return std::nullopt;
    total += part;
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  text = trim(text);
  std::size_t pos = 0;
  std::uint64_t amount = 0;
  if (!read_digits(text, pos, UINT64_MAX, amount)) return std::nullopt;
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  std::string_view suffix = text.substr(pos);
  for (const auto& candidate : k_size_suffixes) {
    if (suffix == candidate.name) {
      if (amount > UINT64_MAX / candidate.multiplier) return std::nullopt;
      return amount * candidate.multiplier;
    }
  }
  return std::nullopt;
}

std::optional<Value> parse_special_literal(std::string_view text) {
  text = trim(text);
  if (auto us = parse_duration(text)) return Value::make_duration(*us);
  if (auto bytes = parse_size(text)) return Value::make_size(*bytes);
  bool v6 = false;
  if (parse_ip(text, v6)) {
    Value value;
    value.type = Type::of(Kind::ipaddr);
    value.s = std::string(text);
    return value;
  }
  auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    std::size_t pos = slash + 1;
    std::uint64_t bits = 0;
    if (parse_ip(text.substr(0, slash), v6) && read_digits(text, pos, 1000, bits) && pos == text.size() &&
        bits <= (v6 ? 128U : 32U)) {
      Value value;
      value.type = Type::of(Kind::cidr);
      value.s = std::string(text);
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace chalk::config
