// A client of one registry speaking the OCI distribution API over libcurl: the one place
// that talks registry HTTP. Manifests and blobs by tag or digest, uploads (monolithic, or in
// chunks past `chunk_size`; a HEAD first so a blob the registry has is never sent again;
// cross-repository mount), manifest PUT with its media type. Every digest the registry
// states (Docker-Content-Digest) is checked against our own hash of the bytes.
//
// Auth as docker does it: anonymous, basic, or bearer tokens fetched from the challenge's
// realm for a scope (cached per scope for the client's life), credentials from
// DockerCredentials. TLS is verified; plain HTTP only for loopback registries (after HTTPS
// failed to handshake) or with tls_verify off. Credentials and tokens never appear in errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci/blob.hpp"
#include "oci/registry_auth.hpp"

namespace oci {

// Frees a libcurl easy handle (a CURL*, which is a void*): lets the client keep one without
// this header including curl.h.
struct CurlEasyDeleter {
  void operator()(void* handle) const;
};

struct RegistryOptions {
  bool tls_verify = true;  // false: skopeo's --tls-verify=false (no certificate check, HTTP allowed)
  // Docker's per-registry CAs: DIR/HOST[:PORT]/ca.crt is trusted besides the system roots' file.
  std::filesystem::path certs_directory = "/etc/docker/certs.d";
  std::string ca_file;  // the system roots ("" = libcurl's default)
  // Credentials for a registry host; empty function or nullopt = anonymous.
  std::function<Result<std::optional<Credentials>>(std::string_view host)> credentials;
  std::uint64_t chunk_size = 64ull << 20;  // blobs larger than this are uploaded in PATCH chunks
  // Where blobs were seen (lines "HOST REPOSITORY DIGEST"), so a blob another repository of
  // the same registry holds is mounted instead of sent again (as docker's and skopeo's
  // blob caches do); "" = none.
  std::filesystem::path blob_locations;
  std::string user_agent = "chalk";
};

// Called as upload bytes leave, for progress display and byte counting.
using UploadObserver = std::function<void(std::uint64_t bytes)>;

class RegistryClient {
 public:
  // `host` as Reference::registry_host() gives it ("127.0.0.1:5000", "registry-1.docker.io").
  RegistryClient(std::string host, RegistryOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  [[nodiscard]] const std::string& host() const { return m_host; }

  struct Manifest {
    Descriptor descriptor;  // media type from the manifest itself (or Content-Type), our digest
    std::string bytes;
  };
  // GET of a manifest or index by tag or digest, accepting OCI and Docker v2 types.
  Result<Manifest> get_manifest(const std::string& repository, const std::string& reference);
  // HEAD: what the registry serves for a tag or digest (not_found if nothing).
  Result<Descriptor> head_manifest(const std::string& repository, const std::string& reference);
  // PUT under `reference` (a tag, or the digest itself) with the descriptor's media type.
  Status put_manifest(const std::string& repository, const std::string& reference,
                      const Descriptor& descriptor, const std::string& bytes);

  Result<bool> has_blob(const std::string& repository, const Descriptor& descriptor);
  // The blob's raw bytes, streamed (callers verify them: open_blob(BlobSource) does).
  Result<std::unique_ptr<ByteStream>> open_blob(const std::string& repository, const Descriptor& descriptor);
  // Makes the blob exist in `repository`: nothing if it is there already, else a mount
  // from `mount_from` (another repository of this registry; "" = none), else an upload of
  // `open()`'s bytes. Returns true when bytes were sent.
  Result<bool> push_blob(const std::string& repository, const Descriptor& descriptor,
                         const std::function<Result<std::unique_ptr<ByteStream>>()>& open,
                         const std::string& mount_from = {});

  // Bytes of blob content sent so far.
  [[nodiscard]] std::uint64_t bytes_uploaded() const { return m_bytes_uploaded; }
  void set_upload_observer(UploadObserver observer) { m_observer = std::move(observer); }

  struct Reply;
  struct Call;

 private:
  Status connect();
  Result<Reply> send(Call& call);
  Result<std::string> authorization(const std::vector<std::string>& scopes, bool refresh);
  Result<std::string> fetch_token(const std::vector<std::string>& scopes);
  Result<std::string> upload(const std::string& location, const Descriptor& descriptor, ByteStream& content,
                             const std::vector<std::string>& scopes);
  std::string describe(const std::string& what) const;
  // A repository of this registry known to hold `digest`, other than `repository`, or "".
  std::string known_location(const Digest& digest, const std::string& repository);
  void remember(const std::string& repository, const Digest& digest);

  std::string m_host;
  RegistryOptions m_options;
  std::string m_base;  // "https://host" or "http://host", once connect() decided
  std::string m_ca_file;
  bool m_tls_verify = true;
  std::optional<Challenge> m_challenge;
  std::optional<Credentials> m_credentials;
  bool m_credentials_loaded = false;
  std::map<std::string, std::string> m_tokens;  // scopes joined by " " -> bearer token
  int m_last_transport_error = 0;               // the CURLcode of the last request, for connect()'s fallback
  std::uint64_t m_bytes_uploaded = 0;
  std::optional<std::multimap<std::string, std::string>> m_locations;  // digest -> repository (this host)
  UploadObserver m_observer;
  // The libcurl easy handle of the last request, kept for the next: its open connection, TLS
  // session and parsed CA bundle serve every request to this registry (a handle per request
  // paid a TCP connect, a TLS handshake and ~30 ms of CA parsing each time).
  std::unique_ptr<void, CurlEasyDeleter> m_idle_handle;
};

// The accepted manifest media types, for `Accept`.
std::string manifest_accept_header();

}  // namespace oci
