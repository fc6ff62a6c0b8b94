#include "plugin/docker/endpoint.hpp"

#include <system_error>

#include "oci/digest.hpp"
#include "oci/file_io.hpp"
#include "oci/json.hpp"

namespace chalk::docker {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t k_max_meta_size = 1 << 20;
constexpr const char* k_default_context = "default";

bool is_file(const fs::path& path) {
  std::error_code ignored;
  return fs::is_regular_file(path, ignored);
}

// docker's host syntax: a bare `host:port` or `:port` means tcp://; tcp:// without a port
// takes 2375, or 2376 with TLS (docker's opts.ParseHost).
std::string normalise_host(std::string host, bool tls) {
  if (host.find("://") == std::string::npos)
    host = "tcp://" + (host.rfind(':', 0) == 0 ? "127.0.0.1" + host : host);
  if (host.rfind("tcp://", 0) == 0) {
    const std::string authority =
        host.substr(6, host.find('/', 6) == std::string::npos ? std::string::npos : host.find('/', 6) - 6);
    const bool has_port = authority.rfind(']') != std::string::npos
                              ? authority.find("]:") != std::string::npos
                              : authority.find(':') != std::string::npos;
    if (!has_port) host.insert(6 + authority.size(), tls ? ":2376" : ":2375");
  }
  return host;
}

// The default context: -H or DOCKER_HOST, TLS from the options or DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH (defaulting to the config directory), as docker's own flags default.
util::Result<Endpoint> default_endpoint(const Globals& globals, const Environment& environment) {
  Endpoint endpoint;
  endpoint.context = k_default_context;
  endpoint.verify = globals.tls_verify.value_or(!util::env_value(environment, "DOCKER_TLS_VERIFY").empty());
  endpoint.tls = globals.tls.value_or(false) || endpoint.verify;
  std::string host = !globals.host.empty() ? globals.host : util::env_value(environment, "DOCKER_HOST");
  endpoint.host = host.empty() ? k_default_host : normalise_host(host, endpoint.tls);
  if (!endpoint.tls) return endpoint;
  std::string cert_path = util::env_value(environment, "DOCKER_CERT_PATH");
  if (cert_path.empty()) cert_path = config_directory(globals, environment).string();
  struct Material {
    const std::string& given;
    const char* option;
    const char* file;
    std::string& into;
  };
  for (const Material& item : {Material{globals.tls_ca_cert, "--tlscacert", "ca.pem", endpoint.ca_file},
                               Material{globals.tls_cert, "--tlscert", "cert.pem", endpoint.cert_file},
                               Material{globals.tls_key, "--tlskey", "key.pem", endpoint.key_file}}) {
    if (!item.given.empty()) {
      if (!is_file(item.given)) {
        return util::make_error(util::Errc::invalid_argument,
                                std::string(item.option) + " `" + item.given + "`: no such file");
      }
      item.into = item.given;
    } else if (const fs::path fallback = fs::path(cert_path) / item.file; is_file(fallback)) {
      item.into = fallback.string();  // docker's defaults are used only when they exist
    }
  }
  return endpoint;
}

util::Result<Endpoint> context_endpoint(const std::string& name, const fs::path& config_dir) {
  const std::string id(oci::sha256_digest(name).hex());
  const fs::path meta_path = config_dir / "contexts" / "meta" / id / "meta.json";
  const std::string what = "reading the docker context `" + name + "` (" + meta_path.string() + ")";
  if (!is_file(meta_path)) return util::make_error(util::Errc::not_found, what + ": no such context");
  auto text = oci::read_small_file(meta_path, k_max_meta_size);
  if (!text) return text.error().with_context(what);
  auto meta = oci::parse_json(*text, "meta.json");
  if (!meta) return meta.error().with_context(what);
  const auto endpoints = meta->find("Endpoints");
  if (endpoints == meta->end() || !endpoints->is_object() || !endpoints->contains("docker") ||
      !(*endpoints)["docker"].is_object() || !(*endpoints)["docker"].value("Host", oci::Json()).is_string()) {
    return util::make_error(util::Errc::invalid_format, what + ": no docker endpoint host");
  }
  const oci::Json& docker = (*endpoints)["docker"];
  Endpoint endpoint;
  endpoint.context = name;
  endpoint.host = docker["Host"].get<std::string>();
  endpoint.verify = !docker.value("SkipTLSVerify", false);
  const fs::path tls_dir = config_dir / "contexts" / "tls" / id / "docker";
  for (auto [file, into] :
       {std::pair{"ca.pem", &endpoint.ca_file}, std::pair{"cert.pem", &endpoint.cert_file},
        std::pair{"key.pem", &endpoint.key_file}}) {
    if (is_file(tls_dir / file)) *into = (tls_dir / file).string();
  }
  // A context uses TLS when it stores TLS material or skips verification explicitly.
  endpoint.tls = !endpoint.ca_file.empty() || !endpoint.cert_file.empty() || !endpoint.verify;
  return endpoint;
}

// config.json's currentContext, "" when unset or unreadable (docker itself warns and goes on).
std::string current_context(const fs::path& config_dir) {
  auto text = oci::read_small_file(config_dir / "config.json", k_max_meta_size);
  if (!text) return {};
  auto json = oci::parse_json(*text, "config.json");
  if (!json || !json->is_object()) return {};
  const auto current = json->find("currentContext");
  return current != json->end() && current->is_string() ? current->get<std::string>() : std::string();
}

}  // namespace

util::Result<Endpoint> resolve_endpoint(const Globals& globals, const Environment& environment) {
  const fs::path config_dir = config_directory(globals, environment);
  std::string name = globals.context;
  if (name.empty() && globals.host.empty() && util::env_value(environment, "DOCKER_HOST").empty()) {
    name = util::env_value(environment, "DOCKER_CONTEXT");
    if (name.empty()) name = current_context(config_dir);
  }
  if (name.empty() || name == k_default_context) return default_endpoint(globals, environment);
  return context_endpoint(name, config_dir);
}

}  // namespace chalk::docker
