#pragma once
// The one split of a URL into its RFC 3986 parts, for every layer that reads URLs (sink
// endpoints, redaction, registry credentials keys). Views into the caller's text: no
// decoding, no allocation. Header only, so the static shim takes it without a library.
#include <cctype>
#include <optional>
#include <string_view>

namespace chalk::util {

struct UrlParts {
  std::string_view scheme;
  std::string_view userinfo;  // without '@'; empty when absent
  bool has_userinfo = false;
  std::string_view host;  // host[:port]
  std::string_view path;
  std::string_view query;  // without '?'
  bool has_query = false;
  std::string_view fragment;  // without '#'
  bool has_fragment = false;
};

inline bool is_url_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// `scheme://authority/path?query#fragment`; nullopt without a valid `scheme://`.
inline std::optional<UrlParts> split_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return std::nullopt;
  const std::string_view scheme = url.substr(0, scheme_end);
  if (!std::isalpha(static_cast<unsigned char>(scheme.front()))) return std::nullopt;
  for (const char c : scheme) {
    if (!is_url_scheme_char(c)) return std::nullopt;
  }
  UrlParts parts;
  parts.scheme = scheme;
  std::string_view rest = url.substr(scheme_end + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    parts.fragment = rest.substr(hash + 1);
    parts.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  if (const auto question = rest.find('?'); question != std::string_view::npos) {
    parts.query = rest.substr(question + 1);
    parts.has_query = true;
    rest = rest.substr(0, question);
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) parts.path = rest.substr(slash);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    parts.userinfo = authority.substr(0, at);
    parts.has_userinfo = true;
    authority = authority.substr(at + 1);
  }
  parts.host = authority;
  return parts;
}

}  // namespace chalk::util
