// `load` and `dump`: the config embedded in docker-chalk. `load` is ops::load_config (a
// config validated before anything changes, the binary rewritten atomically); this prints.
#include <iostream>

#include "oci/file_io.hpp"
#include "plugin/cli/runtime.hpp"
#include "plugin/embedded/embedded.hpp"
#include "plugin/ops/load_op.hpp"
#include "plugin/sinks/curl_transport.hpp"

namespace chalk::cli {

namespace fs = std::filesystem;

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
    sinks::CurlTransport transport(sinks::find_ca_bundle());
    ops::LoadRequest request;
    request.location = *location;
    request.binary = embedded::self_path();
    request.environment = config::current_environment("load", runtime.context().argv);
    request.transport = &transport;
    request.fallback_directory = fs::current_path();
    auto loaded = ops::load_config(request);
    if (!loaded) {
      const auto& error = loaded.error();
      throw Fatal(k_exit_failure, error.message,
                  error.code == util::Errc::config ? Fatal::Style::bare : Fatal::Style::prefixed);
    }
    for (const auto& message : loaded->messages) std::cerr << message << '\n';
    for (const auto& warning : loaded->warnings) runtime.warn(warning);
    if (loaded->wrote_copy) {
      std::cerr << "docker chalk: " << request.binary.string()
                << " is not writable; wrote a configured copy to " << loaded->written.string()
                << " (install it in its place)\n";
    } else {
      std::cerr << "docker chalk: loaded " << loaded->shown << " into " << loaded->written.string() << '\n';
    }
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
