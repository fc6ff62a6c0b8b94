#include "plugin/sinks/curl_transport.hpp"

#include <curl/curl.h>
#include <sys/stat.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <utility>

namespace chalk::sinks {
namespace {

struct Collected {
  std::size_t max_body = 0;
  std::string body;
  bool truncated = false;
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* out = static_cast<Collected*>(user);
  std::size_t n = size * count;
  std::size_t room = out->max_body - std::min(out->max_body, out->body.size());
  if (n > room) out->truncated = true;
  out->body.append(data, std::min(n, room));
  return n;
}

int check_cancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel != nullptr && cancel->load() ? 1 : 0;
}

TransportFailure classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return TransportFailure::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportFailure::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
      return TransportFailure::tls;
    default:
      return TransportFailure::other;
  }
}

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

CurlTransport::CurlTransport(std::string ca_file) : m_ca_file(std::move(ca_file)) {}

HttpOutcome CurlTransport::send(const HttpRequest& request) {
  // At the first request, not before: initialising libcurl initialises OpenSSL (about 1.5 ms),
  // which a run whose sinks never speak HTTP (and the shim before it starts the program) skips.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  HttpOutcome outcome;
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) {
    outcome.failure = TransportFailure::other;
    outcome.message = "cannot create a libcurl handle";
    return outcome;
  }
  std::unique_ptr<curl_slist, ListDeleter> headers;
  auto append = [&](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown != nullptr) {
      (void)headers.release();
      headers.reset(grown);
    }
  };
  for (const auto& [name, value] : request.headers) append(name + ": " + value);
  // No 100-continue round trip: reports are small and some servers never answer it.
  append("Expect:");

  Collected collected;
  collected.max_body = request.max_response_body;
  std::array<char, CURL_ERROR_SIZE> error{};
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  const std::string& ca_file = request.ca_file.empty() ? m_ca_file : request.ca_file;
  if (!ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout_ms));
  // Signals must stay with the program (the shim forwards them); the threaded resolver
  // keeps timeouts working without SIGALRM.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &collected);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &check_cancel);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, request.cancel);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error.data());

  CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    outcome.failure = classify(code);
    outcome.message = error[0] != '\0' ? error.data() : curl_easy_strerror(code);
    if (code == CURLE_ABORTED_BY_CALLBACK) outcome.message = "cancelled at shutdown";
    return outcome;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &outcome.status);
  outcome.body = std::move(collected.body);
  outcome.body_truncated = collected.truncated;
  return outcome;
}

std::string find_ca_bundle(const std::function<const char*(const char*)>& get_env,
                           const std::function<bool(const std::string&)>& is_file) {
  if (const char* env = get_env("SSL_CERT_FILE"); env != nullptr && *env != '\0' && is_file(env)) return env;
  static constexpr std::array<const char*, 7> k_bundles{
      "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Alpine, Arch
      "/etc/pki/tls/certs/ca-bundle.crt",                   // Fedora, RHEL
      "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // RHEL 7+, CentOS
      "/etc/ssl/ca-bundle.pem",                             // openSUSE
      "/etc/pki/tls/cacert.pem",                            // OpenELEC
      "/etc/ssl/cert.pem",                                  // Alpine, macOS
      "/chalk.ca.pem",  // the plugin's roots, shipped in the chalk layer for images with none
  };
  for (const char* path : k_bundles) {
    if (is_file(path)) return path;
  }
  return {};
}

std::string find_ca_bundle() {
  return find_ca_bundle([](const char* name) { return std::getenv(name); },
                        [](const std::string& path) {
                          struct stat st {};
                          return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
                        });
}

}  // namespace chalk::sinks
