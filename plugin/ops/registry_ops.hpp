// Images in registries, with no engine: `insert docker://REF` chalks an image where it lives
// (only new blobs uploaded, the tag moved last), `extract docker://REF` reads the mark from
// the manifest, config and the last layer only, and `push` reports the digests the registry
// serves for what `docker push` sent (REPORTS.md §5, §11).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/reference.hpp"
#include "oci/registry.hpp"
#include "plugin/docker/docker_client.hpp"
#include "plugin/docker/engine.hpp"
#include "plugin/ops/context.hpp"
#include "plugin/ops/image_ops.hpp"

namespace chalk::ops {

// How to reach registries: TLS (skopeo's --tls-verify, docker's certs.d) and credentials
// (docker's config directory).
struct RegistryAccess {
  bool tls_verify = true;
  std::filesystem::path certs_directory = "/etc/docker/certs.d";
  std::filesystem::path
      docker_config_directory;             // docker's client config directory (docker::config_directory)
  std::uint64_t chunk_size = 64ull << 20;  // uploads past this go in chunks
  std::filesystem::path blob_cache;        // where pulled blobs are kept ("" = nowhere)
  std::string search_path;                 // PATH, where docker-credential-NAME helpers are found
};

// What RegistryAccess takes from the environment the plugin was given: the blob cache under
// $XDG_CACHE_HOME/chalk (or ~/.cache/chalk) and PATH.
RegistryAccess with_environment(RegistryAccess access, const std::map<std::string, std::string>& environment);

// True for `docker://...` targets.
bool is_registry_target(std::string_view target);

// A client for `host` with credentials from docker's config (auths, credsStore, credHelpers).
util::Result<std::shared_ptr<oci::RegistryClient>> make_registry_client(const std::string& host,
                                                                        const RegistryAccess& access);

// `insert docker://REF [-o docker://OTHER]`. The report's entries carry the pushed digests.
util::Result<OperationOutcome> insert_registry_image(const InsertRequest& request,
                                                     const RegistryAccess& access,
                                                     const ReportContext& context);

// After a buildx `--push`, which sends docker's image straight to the registry: chalks what
// `tag` (docker's syntax, "127.0.0.1:5000/app:1") serves there, in place, with `chalk`'s mark
// fields (the registry insert, the tag moved last). The report is a build report whose
// `_CHALKS` carry the digests the registry now serves.
util::Result<OperationOutcome> chalk_registry_tag(const std::string& tag, ChalkRequest chalk,
                                                  const RegistryAccess& access, const ReportContext& context);

// The push report of images chalked in the registry by us (`chalks`: their `_CHALKS`
// entries with repository keys): CHALK_ID, METADATA_ID and the digests served.
oci::Json push_report_of(const oci::Json& chalks, const ReportContext& context);

util::Result<OperationOutcome> extract_registry_image(const std::string& target, const RegistryAccess& access,
                                                      const ReportContext& context);

// What the registry serves for a tag (or digest): the manifest digest, or for an index its
// digest and each platform's manifest digest.
struct ServedDigests {
  std::string manifest;                            // hex, when the tag is a single manifest
  std::string list;                                // hex, when the tag is an index
  std::map<std::string, std::string> by_platform;  // "linux/amd64" -> manifest hex (indexes)
};
util::Result<ServedDigests> served_digests(oci::RegistryClient& client, const oci::Reference& reference);

// Adds `_REPO_DIGESTS`, `_REPO_TAGS` (and `_REPO_LIST_DIGESTS` for an index) for `reference`
// to a `_CHALKS` entry of platform `platform`.
void add_repository_keys(oci::Json& entry, const oci::Reference& reference, const ServedDigests& served,
                         const std::string& platform);

struct PushRequest {
  std::vector<std::string> args;  // as typed after `docker chalk push`
  RegistryAccess access;
  std::filesystem::path temp_directory;
};

struct PushOutcome {
  int exit_code = 0;                 // docker push's
  std::optional<oci::Json> report;   // `report` topic: the push succeeded
  std::optional<oci::Json> failure;  // `fail` topic: docker push failed
  std::vector<std::string> warnings;
};

// What chalk needs from `docker push` arguments: the reference and --all-tags (-a).
struct PushArguments {
  std::string reference;
  bool all_tags = false;
};
PushArguments read_push_arguments(const std::vector<std::string>& args);

// `docker push` with the user's arguments, then the push report of each pushed tag.
PushOutcome push(const PushRequest& request, docker::DockerClient& client, docker::Engine& engine,
                 const ReportContext& context);

// The push report of references already in the registry (after our own push in build,
// say): one `_CHALKS` entry per reference, from its local image's mark. Problems become warnings.
// An engine image that must be saved to be read goes under `temp_directory`.
oci::Json push_report(const std::vector<std::string>& references, docker::Engine& engine,
                      const RegistryAccess& access, const ReportContext& context,
                      const std::filesystem::path& temp_directory, std::vector<std::string>& warnings);

}  // namespace chalk::ops
