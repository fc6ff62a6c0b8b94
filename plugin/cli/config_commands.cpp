// `load` and `dump`: the config embedded in docker-chalk. A config is validated before
// anything changes; the binary is rewritten atomically, so a failure leaves it intact.
#include <unistd.h>

#include <iostream>

#include "oci/file_io.hpp"
#include "plugin/chalk/config_credentials.hpp"
#include "plugin/chalk/redact.hpp"
#include "plugin/cli/runtime.hpp"
#include "plugin/embedded/embedded.hpp"
#include "plugin/sinks/curl_transport.hpp"

namespace chalk::cli {

namespace fs = std::filesystem;

namespace {

// Generous for a config (the shipped ones are a few KiB), small enough to refuse a wrong URL.

bool is_url(const std::string& text) {
  return text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0;
}

// A config is loaded whole or not at all: a response over the limit is refused, never cut.
std::string fetch(const std::string& url) {
  const std::string shown = redact_url(url);
  sinks::CurlTransport transport(sinks::find_ca_bundle());
  sinks::HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.timeout_ms = 30000;
  request.max_response_body = config::k_max_config_size;
  const auto outcome = transport.send(request);
  if (outcome.failure != sinks::TransportFailure::none)
    throw Fatal(k_exit_failure, "fetching `" + shown + "`: " + outcome.message);
  if (outcome.status < 200 || outcome.status > 299) {
    throw Fatal(k_exit_failure, "fetching `" + shown + "`: HTTP status " + std::to_string(outcome.status));
  }
  if (outcome.body_truncated) {
    throw Fatal(k_exit_failure, "fetching `" + shown + "`: the config is larger than the " +
                                    std::to_string(config::k_max_config_size) + "-byte limit for configs");
  }
  return outcome.body;
}

std::string read_source(const std::string& location) {
  if (is_url(location)) return fetch(location);
  auto text = oci::read_small_file(location, config::k_max_config_size);
  if (!text) throw Fatal(k_exit_failure, "reading config: " + text.error().message);
  return std::move(*text);
}

}  // namespace

void add_config_commands(CLI::App& app, Runtime& runtime) {
  auto location = std::make_shared<std::string>();
  auto* load =
      app.add_subcommand("load", "Validate a config (file or http(s) URL) and embed it in docker-chalk");
  load->footer(command_footer(
      "The config is checked completely first (syntax, types, schema); a rejected config changes nothing.\n"
      "The plugin binary is then rewritten atomically with the new config. If the binary is not writable,\n"
      "a configured copy is written beside it (or in the current directory) and its path printed.\n"
      "--config/--config-file does not apply: CONFIG is the config load checks and embeds.",
      "0 loaded; 1 a rejected or unreadable config, or a failed rewrite; 2 bad usage",
      "docker chalk load configs/net-heartbeat.c4m"));
  load->add_option("config", *location, "Config file or http(s) URL")->required();
  load->callback([&runtime, location] {
    if (!runtime.config_path().empty()) {
      throw Fatal(k_exit_bad_input,
                  "load `" + *location + "`: --config does not apply to load (it embeds " + *location + ")");
    }
    const std::string text = read_source(*location);
    const std::string shown = redact_url(*location);  // names the config in every line below
    for (const auto host : {config::Host::plugin, config::Host::shim}) {
      auto settings =
          config::evaluate({shown, text}, config::current_environment("load", runtime.context().argv), host);
      if (!settings) throw Fatal(k_exit_failure, settings.error().message, Fatal::Style::bare);
      if (host == config::Host::plugin) {
        for (const auto& message : settings->messages) std::cerr << message.line << '\n';
        const auto credentials = literal_credentials(text, *settings);
        if (!credentials.empty() && !settings->allow_credentials_in_images) {
          runtime.warn("`" + shown + "` spells out credentials (" + credentials.front() +
                       (credentials.size() > 1 ? ", ..." : "") +
                       "): build and insert will refuse to copy it into images; read them with env()");
        }
      }
    }
    const fs::path binary = embedded::self_path();
    if (::access(binary.c_str(), W_OK) == 0 && ::access(binary.parent_path().c_str(), W_OK) == 0) {
      if (auto ok = embedded::write_with_config(binary, text, binary); !ok) {
        throw Fatal(k_exit_failure, "rewriting `" + binary.string() + "`: " + ok.error().message);
      }
      std::cerr << "docker chalk: loaded " << shown << " into " << binary.string() << '\n';
      return;
    }
    fs::path copy = binary.parent_path() / (binary.filename().string() + ".configured");
    if (::access(binary.parent_path().c_str(), W_OK) != 0) copy = fs::current_path() / copy.filename();
    if (auto ok = embedded::write_with_config(binary, text, copy); !ok) {
      throw Fatal(k_exit_failure, "writing `" + copy.string() + "`: " + ok.error().message);
    }
    std::cerr << "docker chalk: " << binary.string() << " is not writable; wrote a configured copy to "
              << copy.string() << " (install it in its place)\n";
  });

  auto output = std::make_shared<std::string>();
  auto* dump = app.add_subcommand("dump", "Print the embedded config, or write it to FILE");
  dump->footer(command_footer(
      "The config in force is printed byte for byte as it was loaded (the default config if none was),\n"
      "or the --config FILE's when one is given.",
      "0 printed; 1 the config or FILE could not be read or written",
      "docker chalk dump my.c4m   # edit it, then: docker chalk load my.c4m"));
  add_config_option(*dump, runtime);
  dump->add_option("file", *output, "Write here instead of stdout (atomically)");
  dump->callback([&runtime, output] {
    const std::string text = runtime.read_config_source().text;
    if (output->empty()) {
      std::cout << text << std::flush;
      return;
    }
    if (auto ok = oci::write_file_atomically(*output, text); !ok)
      throw Fatal(k_exit_failure, ok.error().message);
  });
}

}  // namespace chalk::cli
