#include <archive.h>
#include <curl/curl.h>
#include <openssl/opensslv.h>

#include <iostream>

#include "chalk_version.hpp"
#include "plugin/chalk/mark.hpp"
#include "plugin/cli/runtime.hpp"

namespace chalk::cli {

void add_version_command(CLI::App& app, Runtime& runtime) {
  auto* command =
      app.add_subcommand("version", "Print the versions of docker-chalk, its mark format and its libraries");
  command->footer(
      command_footer("The config in force is evaluated first, as for every command (its messages print).",
                     "0 printed; 1 a rejected config", "docker chalk version --config my.c4m"));
  add_config_option(*command, runtime);
  command->callback([&runtime] {
    runtime.begin("version");
    std::cout << "docker-chalk " << k_project_version << "\n"
              << "chalk mark version " << k_mark_version << "\n"
              << archive_version_string() << "\n"
              << OPENSSL_VERSION_TEXT << "\n"
              << "libcurl " << curl_version_info(CURLVERSION_NOW)->version << "\n";
  });
}

}  // namespace chalk::cli
