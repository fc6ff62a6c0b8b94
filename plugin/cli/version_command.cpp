#include <archive.h>
#include <curl/curl.h>
#include <openssl/opensslv.h>

#include <iostream>

#include "plugin/chalk/mark.hpp"
#include "plugin/cli/runtime.hpp"

namespace chalk::cli {

void add_version_command(CLI::App& app, Runtime&) {
  auto* command = app.add_subcommand("version", "Print the versions of docker-chalk, its mark format and its libraries");
  command->callback([] {
    std::cout << "docker-chalk " << k_chalker_version << "\n"
              << "chalk mark version " << k_mark_version << "\n"
              << archive_version_string() << "\n"
              << OPENSSL_VERSION_TEXT << "\n"
              << "libcurl " << curl_version_info(CURLVERSION_NOW)->version << "\n";
  });
}

}  // namespace chalk::cli
