#pragma once
// Small text helpers every layer needs (header only, so the static shim and the plugin take
// them without another library): ASCII case folding and trimming. Locale-free on purpose:
// HTTP header names, Dockerfile keywords and registry hosts are ASCII by their grammars.
#include <string>
#include <string_view>

namespace chalk::util {

inline constexpr std::string_view k_whitespace = " \t\r\n\v\f";

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// True when `text` begins with `prefix`, ignoring ASCII case.
inline bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != ascii_lower(prefix[i])) return false;
  }
  return true;
}

// `text` without leading and trailing characters of `blanks`.
inline std::string_view trim(std::string_view text, std::string_view blanks = k_whitespace) {
  const auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

}  // namespace chalk::util
