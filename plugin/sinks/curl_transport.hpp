// The real HttpTransport: libcurl, one easy handle per attempt, no redirects, TLS verified.
// The library only includes curl's headers; each executable links libcurl (shared in the
// plugin, the static build of scripts/build-static-curl.sh in the shim).
#pragma once

#include <functional>
#include <string>

#include "plugin/sinks/effects.hpp"

namespace chalk::sinks {

class CurlTransport final : public HttpTransport {
 public:
  // `ca_file` "" = libcurl's built-in default (used when find_ca_bundle finds nothing).
  explicit CurlTransport(std::string ca_file);
  HttpOutcome send(const HttpRequest& request) override;

 private:
  std::string m_ca_file;
};

// The CA bundle for TLS: $SSL_CERT_FILE if it names a file, else the first bundle found at the
// usual distribution paths (Debian/Ubuntu/Alpine, Fedora/RHEL, SUSE...), else the roots the
// plugin shipped in the chalk layer (/chalk.ca.pem), else "".
std::string find_ca_bundle(const std::function<const char*(const char*)>& get_env,
                           const std::function<bool(const std::string&)>& is_file);

// find_ca_bundle over the process environment and filesystem.
std::string find_ca_bundle();

}  // namespace chalk::sinks
