// A fake OCI distribution registry on 127.0.0.1 for tests of the registry client: blobs and
// manifests in memory, uploads (monolithic and chunked PATCH sessions), cross-repository
// mount, and the auth schemes docker meets (none, basic, bearer tokens from a token endpoint
// on the same server). It records every request, and can be told to lie about digests,
// refuse mounts or cut connections mid-body, so tests can see the client notice.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/blob.hpp"
#include "oci/digest.hpp"
#include "oci/registry_auth.hpp"
#include "tests/support/http_server.hpp"

namespace chalk::testing {

enum class FakeAuth { none, basic, bearer };

struct FakeRegistryOptions {
  FakeAuth auth = FakeAuth::none;
  std::string username = "chalk";
  std::string password = "s3cret-pa55";
  bool mount = true;               // false: every mount request falls back to an upload (202)
  bool lie_about_digests = false;  // Docker-Content-Digest of stored blobs/manifests is wrong
};

class FakeRegistry {
 public:
  using Auth = FakeAuth;
  using Options = FakeRegistryOptions;

  explicit FakeRegistry(Options options = {})
      : m_options(std::move(options)),
        m_server([this](const HttpRequest& request) { return handle(request); }) {}

  [[nodiscard]] std::string host() const { return m_server.address(); }
  HttpServer& server() { return m_server; }

  // Stores `bytes` as a blob of `repository`; returns its digest.
  std::string add_blob(const std::string& repository, const std::string& bytes) {
    const std::string digest = oci::sha256_digest(bytes).str();
    m_blobs[repository][digest] = bytes;
    return digest;
  }
  std::optional<std::string> blob(const std::string& repository, const std::string& digest) {
    return find(m_blobs, repository, digest);
  }
  void add_manifest(const std::string& repository, const std::string& reference,
                    const std::string& media_type, const std::string& bytes) {
    m_manifests[repository][reference] = {media_type, bytes};
    m_manifests[repository][oci::sha256_digest(bytes).str()] = {media_type, bytes};
  }
  // The stored manifest's media type and bytes.
  std::optional<std::pair<std::string, std::string>> manifest(const std::string& repository,
                                                              const std::string& reference) {
    return find(m_manifests, repository, reference);
  }

  // A one-layer image (`layer`, uncompressed) stored under `repository:tag`, as a
  // builder's push leaves it; returns its manifest digest.
  std::string add_image(const std::string& repository, const std::string& tag, const std::string& layer) {
    const std::string config = R"({"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},)"
                               R"("rootfs":{"type":"layers","diff_ids":[")" +
                               oci::sha256_digest(layer).str() + R"("]}})";
    const std::string layer_digest = add_blob(repository, layer);
    const std::string config_digest = add_blob(repository, config);
    const std::string manifest =
        R"({"schemaVersion":2,"mediaType":")" + std::string(oci::media_type::oci_manifest) +
        R"(","config":{"mediaType":")" + oci::media_type::oci_config + R"(","digest":")" + config_digest +
        R"(","size":)" + std::to_string(config.size()) + R"(},"layers":[{"mediaType":")" +
        oci::media_type::oci_layer + R"(","digest":")" + layer_digest + R"(","size":)" +
        std::to_string(layer.size()) + "}]}";
    add_manifest(repository, tag, oci::media_type::oci_manifest, manifest);
    return oci::sha256_digest(manifest).str();
  }

  // "METHOD path" of every registry request, without the /v2/ ping and the token endpoint.
  std::vector<std::string> calls() {
    std::vector<std::string> lines;
    for (const auto& request : m_server.requests()) {
      if (request.path() != "/v2/" && request.path() != k_token_path)
        lines.push_back(request.method + " " + request.path());
    }
    return lines;
  }
  std::vector<HttpRequest> token_requests() {
    std::vector<HttpRequest> found;
    for (const auto& request : m_server.requests()) {
      if (request.path() == k_token_path) found.push_back(request);
    }
    return found;
  }

 private:
  static constexpr const char* k_token_path = "/token";

  template <typename Value>
  static std::optional<Value> find(const std::map<std::string, std::map<std::string, Value>>& store,
                                   const std::string& repository, const std::string& key) {
    auto repo = store.find(repository);
    if (repo == store.end()) return std::nullopt;
    auto item = repo->second.find(key);
    if (item == repo->second.end()) return std::nullopt;
    return item->second;
  }

  static HttpResponse answer(int status, std::vector<std::pair<std::string, std::string>> headers = {},
                             std::string body = {}) {
    return HttpResponse{status, std::move(headers), std::move(body), std::nullopt};
  }
  static HttpResponse error(int status, const std::string& code) {
    return answer(status, {{"Content-Type", "application/json"}},
                  R"({"errors":[{"code":")" + code + R"(","message":"fake registry says no"}]})");
  }
  // The digest we state for stored bytes: the truth, unless told to lie.
  std::string stated_digest(const std::string& bytes) const {
    return oci::sha256_digest(m_options.lie_about_digests ? bytes + "lie" : bytes).str();
  }
  static std::string query_value(const std::string& target, const std::string& key) {
    const auto query = target.find('?');
    if (query == std::string::npos) return {};
    std::size_t at = query;
    while ((at = target.find(key + "=", at + 1)) != std::string::npos) {
      const char before = target[at - 1];
      if (before == '?' || before == '&') {
        const std::size_t start = at + key.size() + 1;
        std::string value = target.substr(start, target.find('&', start) - start);
        for (std::size_t i = 0; (i = value.find("%3A", i)) != std::string::npos;) value.replace(i, 3, ":");
        for (std::size_t i = 0; (i = value.find("%2F", i)) != std::string::npos;) value.replace(i, 3, "/");
        for (std::size_t i = 0; (i = value.find("%20", i)) != std::string::npos;) value.replace(i, 3, " ");
        return value;
      }
    }
    return {};
  }

  std::string basic_credentials() const {
    return "Basic " + oci::base64_encode(m_options.username + ":" + m_options.password);
  }

  HttpResponse issue_token(const HttpRequest& request) {
    const std::string authorization = request.header("Authorization");
    if (!authorization.empty() && authorization != basic_credentials()) return error(401, "UNAUTHORIZED");
    const std::string token = "token-" + std::to_string(m_tokens.size() + 1);
    m_tokens.push_back(token);
    return answer(200, {{"Content-Type", "application/json"}}, R"({"token":")" + token + R"("})");
  }

  // Nullopt when the request may proceed, else the 401 challenge.
  std::optional<HttpResponse> challenge(const HttpRequest& request, const std::string& scope) const {
    const std::string authorization = request.header("Authorization");
    if (m_options.auth == Auth::basic) {
      if (authorization == basic_credentials()) return std::nullopt;
      return answer(401, {{"WWW-Authenticate", R"(Basic realm="fake")"}}, {});
    }
    if (authorization.rfind("Bearer token-", 0) == 0) return std::nullopt;
    std::string value = R"(Bearer realm="http://)" + host() + k_token_path + R"(",service="fake-registry")";
    if (!scope.empty()) value += R"(,scope=")" + scope + R"(")";
    return answer(401, {{"WWW-Authenticate", value}}, {});
  }

  HttpResponse handle(const HttpRequest& request) {
    const std::string path = request.path();
    if (path == k_token_path) return issue_token(request);
    if (path.rfind("/v2/", 0) != 0) return error(404, "NOT_FOUND");
    std::string repository;
    std::string rest;
    for (const char* marker : {"/manifests/", "/blobs/uploads/", "/blobs/"}) {
      if (const auto at = path.find(marker, 4); at != std::string::npos) {
        repository = path.substr(4, at - 4);
        rest = path.substr(at);
        break;
      }
    }
    const bool pull_only = request.method == "GET" || request.method == "HEAD";
    const std::string scope =
        repository.empty() ? "" : "repository:" + repository + (pull_only ? ":pull" : ":pull,push");
    if (m_options.auth != Auth::none) {
      if (auto refused = challenge(request, scope)) return *refused;
    }
    if (path == "/v2/") return answer(200);
    if (rest.rfind("/manifests/", 0) == 0) return manifests(request, repository, rest.substr(11));
    if (rest.rfind("/blobs/uploads/", 0) == 0) return uploads(request, repository, rest.substr(15));
    if (rest.rfind("/blobs/", 0) == 0) return blobs(repository, rest.substr(7));
    return error(404, "NOT_FOUND");
  }

  HttpResponse manifests(const HttpRequest& request, const std::string& repository,
                         const std::string& reference) {
    if (request.method == "PUT") {
      add_manifest(repository, reference, request.header("Content-Type"), request.body);
      return answer(201, {{"Docker-Content-Digest", stated_digest(request.body)}});
    }
    auto stored = manifest(repository, reference);
    if (!stored) return error(404, "MANIFEST_UNKNOWN");
    HttpResponse found = answer(
        200, {{"Content-Type", stored->first}, {"Docker-Content-Digest", stated_digest(stored->second)}},
        stored->second);
    found.head_length = stored->second.size();
    return found;
  }

  HttpResponse blobs(const std::string& repository, const std::string& digest) {
    auto stored = blob(repository, digest);
    if (!stored) return error(404, "BLOB_UNKNOWN");
    HttpResponse found = answer(200, {{"Docker-Content-Digest", digest}}, *stored);
    found.head_length = stored->size();
    return found;
  }

  HttpResponse uploads(const HttpRequest& request, const std::string& repository,
                       const std::string& session) {
    if (request.method == "POST") {
      const std::string mounted = query_value(request.target, "mount");
      const std::string from = query_value(request.target, "from");
      if (!mounted.empty() && m_options.mount) {
        if (auto source = blob(from, mounted)) {
          m_blobs[repository][mounted] = *source;
          return answer(201, {{"Docker-Content-Digest", mounted}});
        }
      }
      const std::string id = "session-" + std::to_string(++m_sessions_started);
      m_sessions[id].clear();
      return answer(202, {{"Location", "/v2/" + repository + "/blobs/uploads/" + id}});
    }
    auto open = m_sessions.find(session);
    if (open == m_sessions.end()) return error(404, "BLOB_UPLOAD_UNKNOWN");
    open->second += request.body;
    if (request.method == "PATCH") {
      return answer(202, {{"Location", "/v2/" + repository + "/blobs/uploads/" + session},
                          {"Range", "0-" + std::to_string(open->second.size() - 1)}});
    }
    const std::string digest = query_value(request.target, "digest");
    if (oci::sha256_digest(open->second).str() != digest) return error(400, "DIGEST_INVALID");
    m_blobs[repository][digest] = open->second;
    const std::string stated = stated_digest(open->second);
    m_sessions.erase(open);
    return answer(201, {{"Docker-Content-Digest", stated}});
  }

  Options m_options;
  // Declared before the server: its thread calls handle(), which uses them.
  std::map<std::string, std::map<std::string, std::string>> m_blobs;  // repository -> digest -> bytes
  std::map<std::string, std::map<std::string, std::pair<std::string, std::string>>> m_manifests;
  std::map<std::string, std::string> m_sessions;  // upload id -> bytes so far
  int m_sessions_started = 0;
  std::vector<std::string> m_tokens;
  HttpServer m_server;
};

}  // namespace chalk::testing
