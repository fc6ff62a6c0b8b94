#include "oci/registry_auth.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <cstdlib>

#include "oci/file_io.hpp"
#include "oci/json.hpp"
#include "oci/util/strings.hpp"
#include "oci/util/url.hpp"

namespace oci {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t k_max_docker_config_size = 4 << 20;
constexpr const char* k_docker_hub_key = "https://index.docker.io/v1/";

bool is_docker_hub(std::string_view host) {
  return host == "registry-1.docker.io" || host == "docker.io" || host == "index.docker.io";
}

// "https://host:5000/v2/" -> "host:5000", as docker's ConvertToHostname.
std::string strip_scheme_and_path(std::string_view text) {
  if (const auto parts = chalk::util::split_url(text)) return std::string(parts->host);
  return std::string(text.substr(0, text.find('/')));
}

using chalk::util::lowercase;

// A helper's `get` answer: {"ServerURL","Username","Secret"}; user "<token>" = identity token.
Result<Credentials> parse_helper_answer(std::string_view output, const std::string& program) {
  auto json = parse_json(output, "the answer of `" + program + " get`");
  if (!json) return json.error();
  if (!json->is_object() || !(*json)["Secret"].is_string()) {
    return make_error(Errc::invalid_format, "the answer of `" + program + " get` has no Secret");
  }
  Credentials credentials;
  const std::string user = json->value("Username", "");
  if (user == "<token>") {
    credentials.identity_token = (*json)["Secret"].get<std::string>();
  } else {
    credentials.username = user;
    credentials.password = (*json)["Secret"].get<std::string>();
  }
  return credentials;
}

}  // namespace

std::string credential_key(std::string_view registry_host) {
  if (is_docker_hub(strip_scheme_and_path(registry_host))) return k_docker_hub_key;
  return strip_scheme_and_path(registry_host);
}

Result<DockerCredentials> DockerCredentials::load(const fs::path& config_directory,
                                                  CredentialHelperRunner run_helper) {
  DockerCredentials credentials;
  credentials.m_file = config_directory / "config.json";
  credentials.m_run_helper = std::move(run_helper);
  std::error_code error;
  if (!fs::exists(credentials.m_file, error)) return credentials;
  const std::string what = "docker config `" + credentials.m_file.string() + "`";
  auto bytes = read_small_file(credentials.m_file, k_max_docker_config_size);
  if (!bytes) return bytes.error().with_context("reading " + what);
  auto json = parse_json(*bytes, what);
  if (!json) return json.error();
  if (!json->is_object()) return make_error(Errc::config, what + ": expected an object");
  if (auto store = json->find("credsStore"); store != json->end() && store->is_string()) {
    credentials.m_store = store->get<std::string>();
  }
  if (auto helpers = json->find("credHelpers"); helpers != json->end() && helpers->is_object()) {
    for (const auto& item : helpers->items()) {
      if (item.value().is_string())
        credentials.m_helpers[credential_key(item.key())] = item.value().get<std::string>();
    }
  }
  if (auto auths = json->find("auths"); auths != json->end() && auths->is_object()) {
    for (const auto& item : auths->items()) {
      if (!item.value().is_object()) continue;
      Credentials entry;
      if (auto token = item.value().find("identitytoken");
          token != item.value().end() && token->is_string()) {
        entry.identity_token = token->get<std::string>();
      }
      if (auto auth = item.value().find("auth");
          auth != item.value().end() && auth->is_string() && !auth->get<std::string>().empty()) {
        auto decoded = base64_decode(auth->get<std::string>());
        const auto colon = decoded ? decoded->find(':') : std::string::npos;
        // The entry's name is safe to show; its value never is.
        if (colon == std::string::npos) {
          return make_error(Errc::config,
                            what + ": auths `" + item.key() + "`: auth is not base64 of user:password");
        }
        entry.username = decoded->substr(0, colon);
        entry.password = decoded->substr(colon + 1);
      }
      if (entry.username.empty() && entry.identity_token.empty())
        continue;  // `docker login` with a credsStore leaves {}
      credentials.m_auths[credential_key(item.key())] = std::move(entry);
    }
  }
  return credentials;
}

Result<std::optional<Credentials>> DockerCredentials::lookup(std::string_view registry_host) const {
  const std::string key = credential_key(registry_host);
  std::string helper;
  if (auto found = m_helpers.find(key); found != m_helpers.end()) {
    helper = found->second;
  } else {
    helper = m_store;
  }
  if (!helper.empty() && m_run_helper) {
    const std::string program = "docker-credential-" + helper;
    auto output = m_run_helper(program, key);
    if (output) {
      auto parsed = parse_helper_answer(*output, program);
      if (!parsed) return parsed.error();
      return std::optional<Credentials>(std::move(*parsed));
    }
    if (output.error().code != Errc::not_found) return output.error();
  }
  if (auto found = m_auths.find(key); found != m_auths.end())
    return std::optional<Credentials>(found->second);
  return std::optional<Credentials>();
}

std::vector<Challenge> parse_www_authenticate(std::string_view header) {
  std::vector<Challenge> challenges;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ',')) ++i;
  };
  auto read_token = [&] {
    const std::size_t start = i;
    while (i < header.size() && header[i] != ' ' && header[i] != '\t' && header[i] != '=' && header[i] != ',')
      ++i;
    return header.substr(start, i - start);
  };
  while (true) {
    skip_space();
    if (i >= header.size()) break;
    const std::string_view word = read_token();
    if (i < header.size() && header[i] == '=') {
      // A parameter of the current challenge.
      ++i;
      std::string value;
      if (i < header.size() && header[i] == '"') {
        ++i;
        while (i < header.size() && header[i] != '"') {
          if (header[i] == '\\' && i + 1 < header.size()) ++i;
          value.push_back(header[i++]);
        }
        ++i;
      } else {
        value = std::string(read_token());
      }
      if (!challenges.empty()) challenges.back().params[lowercase(word)] = value;
      continue;
    }
    challenges.push_back(Challenge{lowercase(word), {}});
  }
  return challenges;
}

Result<std::string> parse_token_response(std::string_view body) {
  auto json = parse_json(body, "the token server's answer");
  if (!json) return json.error();
  if (json->is_object()) {
    for (const char* key : {"token", "access_token"}) {
      if (auto found = json->find(key);
          found != json->end() && found->is_string() && !found->get<std::string>().empty()) {
        return found->get<std::string>();
      }
    }
  }
  return make_error(Errc::registry, "the token server's answer has no token");
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return make_error(Errc::invalid_format, "base64 text of a length not a multiple of 4");
  std::string out(text.size() / 4 * 3 + 1, '\0');
  const int written =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (written < 0) return make_error(Errc::invalid_format, "invalid base64");
  std::size_t size = static_cast<std::size_t>(written);
  // EVP_DecodeBlock counts padding as zero bytes.
  for (std::size_t pad = 0; pad < 2 && !text.empty() && text[text.size() - 1 - pad] == '='; ++pad) --size;
  out.resize(size);
  return out;
}

}  // namespace oci
