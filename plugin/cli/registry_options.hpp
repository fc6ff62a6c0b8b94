// The options every command that reaches a registry shares, named as skopeo names them.
#pragma once

#include <CLI/CLI.hpp>

#include "plugin/ops/registry_ops.hpp"

namespace chalk::cli {

// --tls-verify=false, --cert-dir DIR, --upload-chunk-size BYTES into `access`.
inline void add_registry_options(CLI::App& command, ops::RegistryAccess& access) {
  command.add_flag("--tls-verify", access.tls_verify,
                   "docker:// registries: verify TLS certificates and refuse plain HTTP except on loopback "
                   "(default true; --tls-verify=false to turn off)");
  command.add_option(
      "--cert-dir", access.certs_directory,
      "docker:// registries: trust DIR/HOST[:PORT]/ca.crt for HOST (default /etc/docker/certs.d)");
  command
      .add_option("--upload-chunk-size", access.chunk_size,
                  "docker:// registries: upload blobs larger than this many bytes in chunks (default 64 MiB)")
      ->check(CLI::PositiveNumber);
}

}  // namespace chalk::cli
