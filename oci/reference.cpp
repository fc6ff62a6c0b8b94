#include "oci/reference.hpp"

#include <algorithm>
#include <cctype>

#include "oci/util/strings.hpp"

namespace oci {

namespace {

constexpr std::string_view k_hub = "docker.io";
constexpr std::size_t k_max_name = 255;
constexpr std::size_t k_max_tag = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
bool valid_component(std::string_view part) {
  if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) return false;
  for (std::size_t i = 0; i < part.size();) {
    if (is_lower_alnum(part[i])) {
      ++i;
      continue;
    }
    std::size_t run = i;
    while (run < part.size() && !is_lower_alnum(part[run])) ++run;
    const auto sep = part.substr(i, run - i);
    const bool dashes = std::all_of(sep.begin(), sep.end(), [](char c) { return c == '-'; });
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = run;
  }
  return true;
}

bool valid_domain(std::string_view domain) {
  if (domain.empty()) return false;
  std::string_view host = domain;
  if (host.front() == '[') {  // [IPv6]:port
    const auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = host.substr(close + 1);
    if (host.empty()) return true;
    if (host.front() != ':') return false;
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    const auto name = host.substr(0, colon);
    if (name.empty()) return false;
    for (char c : name) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return false;
    }
    host = host.substr(colon);
  } else {
    for (char c : host) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return false;
    }
    return true;
  }
  const auto port = host.substr(1);
  return !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > k_max_tag) return false;
  const auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(tag.front())) return false;
  return std::all_of(tag.begin(), tag.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

bool valid_digest(std::string_view digest) {
  constexpr std::string_view prefix = "sha256:";
  if (digest.substr(0, prefix.size()) != prefix) return false;
  const auto hex = digest.substr(prefix.size());
  return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Error invalid(std::string_view text, std::string_view why) {
  return make_error(Errc::invalid_argument,
                    "invalid reference `" + std::string(text) + "`: " + std::string(why));
}

}  // namespace

Result<Reference> parse_reference(std::string_view text) {
  const std::string_view original = text;
  if (text.substr(0, 9) == "docker://") text.remove_prefix(9);
  if (text.empty()) return invalid(original, "empty name");

  Reference ref;
  std::string_view rest = text;
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    if (!valid_digest(ref.digest))
      return invalid(original, "digest must be sha256: and 64 lowercase hex digits");
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' after the last '/' (a ':' before it is a registry port).
  const auto slash = rest.rfind('/');
  if (const auto colon = rest.rfind(':');
      colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    if (!valid_tag(ref.tag))
      return invalid(original, "tag `" + ref.tag + "` is not [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return invalid(original, "empty name");
  if (rest.size() > k_max_name) return invalid(original, "name longer than 255 characters");

  // Docker's rule: the first part is a registry when it has a '.' or ':', is `localhost`,
  // or has upper case (which no repository may have).
  std::string_view path = rest;
  if (const auto first = rest.find('/'); first != std::string_view::npos) {
    const auto head = rest.substr(0, first);
    const bool upper = std::any_of(head.begin(), head.end(),
                                   [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
    if (head.find_first_of(".:") != std::string_view::npos || head == "localhost" || upper) {
      if (!valid_domain(head))
        return invalid(original, "registry `" + std::string(head) + "` is not host[:port]");
      ref.domain = std::string(head);
      path = rest.substr(first + 1);
    }
  }
  if (std::any_of(path.begin(), path.end(),
                  [](char c) { return std::isupper(static_cast<unsigned char>(c)); })) {
    return invalid(original, "repository name must be lowercase");
  }
  for (std::size_t start = 0;;) {
    const auto end = path.find('/', start);
    if (!valid_component(
            path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start))) {
      return invalid(original,
                     "repository `" + std::string(path) + "` has an empty or invalid path component");
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }

  ref.domain = chalk::util::lowercase(ref.domain);
  if (ref.domain.empty() || ref.domain == "index.docker.io" || ref.domain == "registry-1.docker.io") {
    ref.domain = std::string(k_hub);
  }
  ref.repository = std::string(path);
  if (ref.domain == k_hub && ref.repository.find('/') == std::string::npos)
    ref.repository = "library/" + ref.repository;
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string Reference::familiar_name() const {
  if (domain != k_hub) return domain + "/" + repository;
  constexpr std::string_view library = "library/";
  if (repository.compare(0, library.size(), library) == 0 &&
      repository.find('/', library.size()) == std::string::npos) {
    return repository.substr(library.size());
  }
  return repository;
}

std::string Reference::familiar() const {
  std::string out = familiar_name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::full() const {
  std::string out = domain + "/" + repository;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::registry_host() const { return domain == k_hub ? "registry-1.docker.io" : domain; }

bool Reference::is_loopback() const {
  std::string host = domain;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool same_reference(std::string_view a, std::string_view b) {
  auto left = parse_reference(a);
  auto right = parse_reference(b);
  return left && right && *left == *right;
}

Result<std::vector<std::string>> docker_repo_tags(const std::vector<std::string>& names) {
  std::vector<std::string> tags;
  for (const auto& name : names) {
    auto ref = parse_reference(name);
    if (!ref) return ref.error();
    if (!ref->digest.empty()) continue;
    std::string tag = ref->familiar();
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(std::move(tag));
  }
  return tags;
}

}  // namespace oci
