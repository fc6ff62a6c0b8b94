#include "plugin/ops/load_op.hpp"

#include <unistd.h>

#include "oci/file_io.hpp"
#include "plugin/chalk/config_credentials.hpp"
#include "plugin/chalk/redact.hpp"
#include "plugin/embedded/embedded.hpp"

namespace chalk::ops {

namespace fs = std::filesystem;

namespace {

bool is_url(const std::string& text) {
  return text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0;
}

bool writable(const fs::path& path) { return ::access(path.c_str(), W_OK) == 0; }

// A config is loaded whole or not at all: a response over the limit is refused, never cut.
util::Result<std::string> fetch(const std::string& url, const std::string& shown,
                                sinks::HttpTransport& transport) {
  sinks::HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.timeout_ms = 30000;
  request.max_response_body = config::k_max_config_size;
  const auto outcome = transport.send(request);
  const std::string doing = "fetching `" + shown + "`: ";
  if (outcome.failure != sinks::TransportFailure::none)
    return util::make_error(util::Errc::io, doing + outcome.message);
  if (outcome.status < 200 || outcome.status > 299)
    return util::make_error(util::Errc::io, doing + "HTTP status " + std::to_string(outcome.status));
  if (outcome.body_truncated) {
    return util::make_error(util::Errc::io, doing + "the config is larger than the " +
                                                std::to_string(config::k_max_config_size) +
                                                "-byte limit for configs");
  }
  return outcome.body;
}

util::Result<std::string> read_location(const LoadRequest& request, const std::string& shown) {
  if (is_url(request.location)) {
    if (request.transport == nullptr)
      return util::make_error(util::Errc::invalid_argument, "fetching `" + shown + "`: no HTTP transport");
    return fetch(request.location, shown, *request.transport);
  }
  auto text = oci::read_small_file(request.location, config::k_max_config_size);
  if (!text) return text.error().with_context("reading config");
  return text;
}

}  // namespace

util::Result<LoadOutcome> load_config(const LoadRequest& request) {
  LoadOutcome outcome;
  outcome.shown = redact_url(request.location);  // names the config in every line
  auto text = read_location(request, outcome.shown);
  if (!text) return text.error();
  for (const auto host : {config::Host::plugin, config::Host::shim}) {
    auto settings = config::evaluate({outcome.shown, *text}, request.environment, host);
    if (!settings) return settings.error();
    if (host != config::Host::plugin) continue;
    for (const auto& message : settings->messages) outcome.messages.push_back(message.line);
    const auto credentials = literal_credentials(*text, *settings);
    if (!credentials.empty() && !settings->allow_credentials_in_images) {
      outcome.warnings.push_back(
          "`" + outcome.shown + "` spells out credentials (" + credentials.front() +
          (credentials.size() > 1 ? ", ..." : "") +
          "): build and insert will refuse to copy it into images; read them with env()");
    }
  }
  const fs::path folder = request.binary.parent_path();
  if (writable(request.binary) && writable(folder)) {
    outcome.written = request.binary;
  } else {
    outcome.wrote_copy = true;
    const fs::path name = request.binary.filename().string() + ".configured";
    outcome.written = writable(folder) ? folder / name : request.fallback_directory / name;
  }
  if (auto ok = embedded::write_with_config(request.binary, *text, outcome.written); !ok) {
    return ok.error().with_context((outcome.wrote_copy ? "writing `" : "rewriting `") +
                                   outcome.written.string() + "`");
  }
  return outcome;
}

}  // namespace chalk::ops
