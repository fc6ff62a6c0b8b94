// Registry credentials as docker finds them, and the parts of the auth handshake that are
// plain text: `WWW-Authenticate` challenges and token responses. Nothing here talks HTTP;
// registry.cpp does. Credentials are values to send, never text for a message.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/result.hpp"

namespace oci {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;  // an OAuth2 refresh token (`identitytoken`, helper user `<token>`)
};

// Runs `docker-credential-NAME get` with `input` on its stdin and returns its stdout, or
// not_found when the helper has no credentials (or cannot run).
using CredentialHelperRunner =
    std::function<Result<std::string>(const std::string& program, const std::string& input)>;

// Docker's `config.json`: `auths` (`auth` = base64 user:password, `identitytoken`),
// `credsStore` and `credHelpers`, looked up by registry host as docker does.
class DockerCredentials {
 public:
  // Reads `DIR/config.json`; a missing file means no credentials (anonymous access).
  static Result<DockerCredentials> load(const std::filesystem::path& config_directory,
                                        CredentialHelperRunner run_helper);
  // Credentials for `registry_host` ("127.0.0.1:5000", "registry-1.docker.io"), or nullopt.
  Result<std::optional<Credentials>> lookup(std::string_view registry_host) const;

 private:
  std::filesystem::path m_file;
  std::map<std::string, Credentials> m_auths;    // key: host as normalised by docker
  std::map<std::string, std::string> m_helpers;  // host -> helper suffix
  std::string m_store;                           // credsStore
  CredentialHelperRunner m_run_helper;
};

// The key docker files credentials under: "https://index.docker.io/v1/" for Docker Hub,
// else the host with any scheme and path removed.
std::string credential_key(std::string_view registry_host);

struct Challenge {
  std::string scheme;                         // lowercase: "basic", "bearer"
  std::map<std::string, std::string> params;  // realm, service, scope, error (keys lowercase)
};

// Parses a `WWW-Authenticate` header value (one or more challenges, quoted params).
std::vector<Challenge> parse_www_authenticate(std::string_view header);

// The token in a token server's JSON answer (`token` or `access_token`).
Result<std::string> parse_token_response(std::string_view body);

std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

}  // namespace oci
