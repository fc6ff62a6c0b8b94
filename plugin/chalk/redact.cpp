#include "plugin/chalk/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "oci/util/strings.hpp"
#include "oci/util/url.hpp"

namespace chalk {

namespace {

using util::lowercase;

using util::split_url;
using util::UrlParts;

bool is_ssh(std::string_view scheme) {
  const std::string lower = lowercase(scheme);
  return lower == "ssh" || lower == "git+ssh" || lower == "ssh+git";
}

// `name=value` pairs of a query, as written (names are compared undecoded: credential
// names are plain ASCII).
template <typename Visit>
void for_each_parameter(std::string_view query, Visit visit) {
  while (true) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    visit(pair, pair.substr(0, eq), eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (amp == std::string_view::npos) return;
    query.remove_prefix(amp + 1);
  }
}

// The `name=value` pairs of a query or fragment without credential ones.
std::string without_credentials(std::string_view query) {
  std::string kept;
  for_each_parameter(query, [&](std::string_view pair, std::string_view name, std::string_view) {
    if (is_credential_name(name)) return;
    kept += (kept.empty() ? "" : "&") + std::string(pair);
  });
  return kept;
}

std::string redact_build_arg(std::string_view spec) {
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos) return std::string(spec);
  return std::string(spec.substr(0, eq + 1)) + std::string(k_redacted);
}

// Where the first `scheme://` in a word starts (`--config=https://…`); npos without one.
std::size_t url_start(std::string_view word) {
  const auto separator = word.find("://");
  if (separator == std::string_view::npos) return separator;
  std::size_t start = separator;
  while (start > 0 && util::is_url_scheme_char(word[start - 1])) --start;
  while (start < separator && !std::isalpha(static_cast<unsigned char>(word[start]))) ++start;
  return start < separator ? start : std::string_view::npos;
}

}  // namespace

bool is_credential_name(std::string_view name) {
  const std::string lower = lowercase(name);
  if (lower == "cookie" || lower == "set-cookie" || lower == "sig") return true;
  static constexpr std::array<std::string_view, 9> k_parts{
      "token", "secret", "passw", "pwd", "key", "auth", "signature", "credential", "session"};
  return std::any_of(k_parts.begin(), k_parts.end(),
                     [&](std::string_view part) { return lower.find(part) != std::string::npos; });
}

std::vector<std::string> url_credentials(std::string_view url) {
  std::vector<std::string> found;
  const auto parts = split_url(url);
  if (!parts) return found;
  if (parts->has_userinfo) {
    const auto colon = parts->userinfo.find(':');
    if (colon != std::string_view::npos) {
      if (colon + 1 < parts->userinfo.size()) found.emplace_back(parts->userinfo.substr(colon + 1));
    } else if (!parts->userinfo.empty() && !is_ssh(parts->scheme)) {
      found.emplace_back(parts->userinfo);
    }
  }
  for (const auto& [present, query] :
       {std::pair{parts->has_query, parts->query}, std::pair{parts->has_fragment, parts->fragment}}) {
    if (!present) continue;
    for_each_parameter(query, [&](std::string_view, std::string_view name, std::string_view value) {
      if (!value.empty() && is_credential_name(name)) found.emplace_back(value);
    });
  }
  return found;
}

std::string redact_url(std::string_view url) {
  const auto parts = split_url(url);
  if (!parts) return std::string(url);
  std::string out = std::string(parts->scheme) + "://";
  if (parts->has_userinfo && is_ssh(parts->scheme)) {
    out += std::string(parts->userinfo.substr(0, parts->userinfo.find(':'))) + "@";
  }
  out += std::string(parts->host) + std::string(parts->path);
  if (parts->has_query) {
    if (const auto kept = without_credentials(parts->query); !kept.empty()) out += "?" + kept;
  }
  if (parts->has_fragment) {
    if (const auto kept = without_credentials(parts->fragment); !kept.empty()) out += "#" + kept;
  }
  return out;
}

std::vector<std::string> redact_argv(const std::vector<std::string>& argv) {
  constexpr std::string_view k_build_arg = "--build-arg";
  std::vector<std::string> out;
  out.reserve(argv.size());
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string_view word = argv[i];
    if (word == k_build_arg && i + 1 < argv.size()) {
      out.emplace_back(word);
      out.push_back(redact_build_arg(argv[++i]));
    } else if (word.substr(0, k_build_arg.size() + 1) == std::string(k_build_arg) + "=") {
      out.push_back(std::string(k_build_arg) + "=" + redact_build_arg(word.substr(k_build_arg.size() + 1)));
    } else if (const auto start = url_start(word); start != std::string_view::npos) {
      out.push_back(std::string(word.substr(0, start)) + redact_url(word.substr(start)));
    } else {
      out.emplace_back(word);
    }
  }
  return out;
}

}  // namespace chalk
