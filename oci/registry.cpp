#include "oci/registry.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "oci/json.hpp"
#include "oci/reference.hpp"
#include "oci/util/strings.hpp"

namespace oci {

void CurlEasyDeleter::operator()(void* handle) const { curl_easy_cleanup(handle); }

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_max_reply_body = 64 << 10;
constexpr long k_connect_timeout_ms = 30000;

struct MultiDeleter {
  void operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, CurlEasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, ListDeleter>;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

using chalk::util::lowercase;

HeaderList make_headers(const std::vector<std::string>& lines) {
  HeaderList list;
  for (const auto& line : lines) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown != nullptr) {
      (void)list.release();
      list.reset(grown);
    }
  }
  return list;
}

std::string escape(std::string_view text) {
  std::string out;
  static constexpr char k_hex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 15]);
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// The registry's own explanation ({"errors":[{"code","message"}]}), or "".
std::string registry_error_text(const std::string& body) {
  auto json = Json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("errors") || !json["errors"].is_array()) return {};
  std::vector<std::string> parts;
  for (const auto& error : json["errors"]) {
    if (!error.is_object()) continue;
    std::string part = error.value("code", "");
    const std::string message = error.value("message", "");
    if (!message.empty()) part += (part.empty() ? "" : ": ") + message;
    if (!part.empty()) parts.push_back(part);
  }
  return join(parts, "; ");
}

bool is_digest_reference(const std::string& reference) { return reference.rfind("sha256:", 0) == 0; }

// Streams the body a ByteStream gives into an upload, counting what leaves.
struct UploadBody {
  ByteStream* stream = nullptr;
  std::uint64_t left = 0;
  std::optional<Error> error;
  std::function<void(std::uint64_t)> sent;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<UploadBody*>(user);
  const std::size_t wanted = static_cast<std::size_t>(std::min<std::uint64_t>(size * count, body->left));
  if (wanted == 0) return 0;
  auto got = body->stream->read(buffer, wanted);
  if (!got) {
    body->error = got.error();
    return CURL_READFUNC_ABORT;
  }
  if (*got == 0) {
    body->error =
        make_error(Errc::size_mismatch, "the blob ended " + std::to_string(body->left) + " bytes early");
    return CURL_READFUNC_ABORT;
  }
  body->left -= *got;
  if (body->sent) body->sent(*got);
  return *got;
}

struct ReplyCollector {
  long status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* reply = static_cast<ReplyCollector*>(user);
  const std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    reply->headers.clear();  // a new response (after a redirect or a 100 Continue)
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    reply->headers[lowercase(line.substr(0, colon))] = std::string(chalk::util::trim(line.substr(colon + 1)));
  }
  return size * count;
}

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* reply = static_cast<ReplyCollector*>(user);
  const std::size_t room = k_max_reply_body + 1 - std::min(k_max_reply_body + 1, reply->body.size());
  reply->body.append(data, std::min(size * count, room));
  return size * count;
}

void set_tls(CURL* h, bool verify, const std::string& ca_file) {
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  if (!ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file.c_str());
}

// A blob GET as a pull stream: the multi interface runs the transfer only as far as the
// reader asks, so a layer is never held whole in memory or on disk.
class DownloadStream final : public ByteStream {
 public:
  DownloadStream(EasyHandle easy, HeaderList headers, std::string what)
      : m_easy(std::move(easy)),
        m_headers(std::move(headers)),
        m_multi(curl_multi_init()),
        m_what(std::move(what)) {
    curl_easy_setopt(m_easy.get(), CURLOPT_WRITEFUNCTION, &DownloadStream::write);
    curl_easy_setopt(m_easy.get(), CURLOPT_WRITEDATA, this);
    curl_multi_add_handle(m_multi.get(), m_easy.get());
  }
  ~DownloadStream() override { curl_multi_remove_handle(m_multi.get(), m_easy.get()); }

  Result<std::size_t> read(void* buffer, std::size_t size) override {
    while (m_position == m_buffer.size() && !m_done) {
      m_buffer.clear();
      m_position = 0;
      int running = 0;
      curl_multi_perform(m_multi.get(), &running);
      int left = 0;
      while (CURLMsg* message = curl_multi_info_read(m_multi.get(), &left)) {
        if (message->msg == CURLMSG_DONE) {
          m_done = true;
          m_result = message->data.result;
        }
      }
      if (!m_done && m_buffer.empty()) curl_multi_poll(m_multi.get(), nullptr, 0, 1000, nullptr);
    }
    if (m_position < m_buffer.size()) {
      const std::size_t count = std::min(size, m_buffer.size() - m_position);
      std::memcpy(buffer, m_buffer.data() + m_position, count);
      m_position += count;
      return count;
    }
    if (m_result != CURLE_OK) {
      return make_error(Errc::registry, m_what + ": " + curl_easy_strerror(m_result));
    }
    if (m_status != 200) {
      const std::string why = registry_error_text(m_error_body);
      return make_error(m_status == 404 ? Errc::not_found : Errc::registry,
                        m_what + ": HTTP " + std::to_string(m_status) + (why.empty() ? "" : " " + why));
    }
    return std::size_t{0};
  }

 private:
  static std::size_t write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* self = static_cast<DownloadStream*>(user);
    if (self->m_status == 0) curl_easy_getinfo(self->m_easy.get(), CURLINFO_RESPONSE_CODE, &self->m_status);
    if (self->m_status != 200) {
      if (self->m_error_body.size() < 4096)
        self->m_error_body.append(data, std::min<std::size_t>(size * count, 4096));
      return size * count;
    }
    self->m_buffer.append(data, size * count);
    return size * count;
  }

  EasyHandle m_easy;
  HeaderList m_headers;
  std::unique_ptr<CURLM, MultiDeleter> m_multi;
  std::string m_what;
  std::string m_buffer;
  std::size_t m_position = 0;
  bool m_done = false;
  CURLcode m_result = CURLE_OK;
  long m_status = 0;
  std::string m_error_body;
};

}  // namespace

struct RegistryClient::Reply {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;

  [[nodiscard]] std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
};

struct RegistryClient::Call {
  Call(std::string method_, std::string url_, std::vector<std::string> headers_ = {},
       std::vector<std::string> scopes_ = {})
      : method(std::move(method_)),
        url(std::move(url_)),
        headers(std::move(headers_)),
        scopes(std::move(scopes_)) {}
  std::string method;
  std::string url;  // absolute
  std::vector<std::string> headers;
  std::vector<std::string> scopes;    // token scopes this request needs
  const std::string* body = nullptr;  // in memory (retried after a refreshed token)
  ByteStream* stream = nullptr;       // streamed (never retried)
  std::uint64_t stream_size = 0;
  bool authenticate = true;   // false: the call carries its own Authorization (token server)
  std::string authorization;  // used when authenticate is false
};

std::string manifest_accept_header() {
  return std::string("Accept: ") + media_type::oci_manifest + ", " + media_type::oci_index + ", " +
         media_type::docker_manifest + ", " + media_type::docker_manifest_list;
}

RegistryClient::RegistryClient(std::string host, RegistryOptions options)
    : m_host(std::move(host)), m_options(std::move(options)) {
  global_init();
}

RegistryClient::~RegistryClient() = default;

std::string RegistryClient::describe(const std::string& what) const {
  return "registry `" + m_host + "`: " + what;
}

Status RegistryClient::connect() {
  if (!m_base.empty()) return {};
  m_tls_verify = m_options.tls_verify;
  m_ca_file = m_options.ca_file;
  std::error_code error;
  if (const fs::path own_ca = m_options.certs_directory / m_host / "ca.crt";
      fs::is_regular_file(own_ca, error)) {
    m_ca_file = own_ca.string();
  }
  Reference as_reference;
  as_reference.domain = m_host;
  const bool plain_http_allowed = as_reference.is_loopback() || !m_options.tls_verify;
  std::vector<std::string> schemes{"https://"};
  if (plain_http_allowed) schemes.emplace_back("http://");
  std::string last_failure;
  for (const auto& scheme : schemes) {
    m_base = scheme + m_host;
    Call ping{"GET", m_base + "/v2/"};
    ping.authenticate = false;
    if (scheme == "https://" && plain_http_allowed && m_tls_verify) {
      // Whether the server speaks TLS at all, asked without checking its certificate: a
      // checked handshake parses the whole CA bundle (about 30 ms) even to learn that a
      // loopback registry speaks plain HTTP. The checked ping below follows when it does.
      m_tls_verify = false;
      auto spoken = send(ping);
      m_tls_verify = true;
      if (!spoken) {
        last_failure = spoken.error().message;
        m_base.clear();
        if (m_last_transport_error == CURLE_SSL_CONNECT_ERROR) continue;
        return spoken.error();
      }
    }
    auto reply = send(ping);
    if (!reply) {
      last_failure = reply.error().message;
      // Fall back to HTTP only when the TLS handshake itself failed (a plain HTTP server),
      // never after a certificate was refused.
      const bool handshake_failed =
          m_last_transport_error == CURLE_SSL_CONNECT_ERROR || !m_options.tls_verify;
      m_base.clear();
      if (handshake_failed) continue;
      return reply.error();
    }
    if (reply->status == 401) {
      for (auto& challenge : parse_www_authenticate(reply->header("www-authenticate"))) {
        if (challenge.scheme == "bearer" || (challenge.scheme == "basic" && !m_challenge))
          m_challenge = challenge;
      }
      return {};
    }
    if (reply->status == 200) return {};
    m_base.clear();
    return make_error(Errc::registry, describe("GET /v2/: HTTP " + std::to_string(reply->status) +
                                               ": not a distribution API registry"));
  }
  return make_error(Errc::registry, last_failure);
}

Result<RegistryClient::Reply> RegistryClient::send(Call& call) {
  auto perform = [&](const std::string& authorization) -> Result<Reply> {
    EasyHandle easy = std::move(m_idle_handle);
    if (easy) {
      curl_easy_reset(easy.get());
    } else {
      easy.reset(curl_easy_init());
    }
    if (!easy) return make_error(Errc::registry, describe("cannot create a libcurl handle"));
    // Back for the next request however this one ends (its options are reset then).
    struct KeepIdle {
      EasyHandle& slot;
      EasyHandle& easy;
      ~KeepIdle() {
        if (!slot) slot = std::move(easy);
      }
    } keep{m_idle_handle, easy};
    CURL* h = easy.get();
    std::vector<std::string> lines = call.headers;
    if (!authorization.empty()) lines.push_back("Authorization: " + authorization);
    lines.emplace_back("Expect:");
    HeaderList headers = make_headers(lines);
    ReplyCollector collected;
    UploadBody upload;
    std::array<char, CURL_ERROR_SIZE> error{};
    curl_easy_setopt(h, CURLOPT_URL, call.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_USERAGENT, m_options.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, k_connect_timeout_ms);
    // A transfer that stalls for a minute is dead; a slow one is not.
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &collect_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &collected);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &collect_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &collected);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error.data());
    set_tls(h, m_tls_verify, m_ca_file);
    if (call.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (call.stream != nullptr) {
      upload.stream = call.stream;
      upload.left = call.stream_size;
      upload.sent = [this](std::uint64_t bytes) {
        m_bytes_uploaded += bytes;
        if (m_observer) m_observer(m_bytes_uploaded);
      };
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(call.stream_size));
      curl_easy_setopt(h, CURLOPT_READFUNCTION, &read_upload);
      curl_easy_setopt(h, CURLOPT_READDATA, &upload);
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    } else if (call.method != "GET") {
      static const std::string k_empty;
      const std::string& body = call.body != nullptr ? *call.body : k_empty;
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }
    const CURLcode code = curl_easy_perform(h);
    m_last_transport_error = static_cast<int>(code);
    if (upload.error) return upload.error->with_context(describe("sending a blob"));
    if (code != CURLE_OK) {
      const std::string why =
          error[0] != '\0' ? std::string(chalk::util::trim(error.data())) : curl_easy_strerror(code);
      // The URL is ours (no credentials in it); the path says which step broke.
      return make_error(Errc::registry, describe(call.method + " " + call.url + ": " + why));
    }
    Reply reply;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
    reply.headers = std::move(collected.headers);
    reply.body = std::move(collected.body);
    return reply;
  };

  if (!call.authenticate) return perform(call.authorization);
  auto header = authorization(call.scopes, false);
  if (!header) return header.error();
  auto reply = perform(*header);
  if (!reply || reply->status != 401 || call.stream != nullptr) return reply;
  // A first challenge, or a token that expired: learn the scheme and try once more.
  for (auto& challenge : parse_www_authenticate(reply->header("www-authenticate"))) {
    if (challenge.scheme == "bearer" || challenge.scheme == "basic") m_challenge = challenge;
  }
  auto refreshed = authorization(call.scopes, true);
  if (!refreshed) return refreshed.error();
  if (refreshed->empty()) return reply;
  return perform(*refreshed);
}

Result<std::string> RegistryClient::authorization(const std::vector<std::string>& scopes, bool refresh) {
  if (!m_challenge) return std::string();
  if (!m_credentials_loaded) {
    m_credentials_loaded = true;
    if (m_options.credentials) {
      auto found = m_options.credentials(m_host);
      if (!found) return found.error().with_context(describe("finding credentials"));
      m_credentials = std::move(*found);
    }
  }
  if (m_challenge->scheme == "basic") {
    if (!m_credentials || m_credentials->username.empty()) return std::string();
    return "Basic " + base64_encode(m_credentials->username + ":" + m_credentials->password);
  }
  const std::string key = join(scopes, " ");
  if (refresh) m_tokens.erase(key);
  if (auto cached = m_tokens.find(key); cached != m_tokens.end()) return "Bearer " + cached->second;
  auto token = fetch_token(scopes);
  if (!token) return token.error();
  m_tokens[key] = *token;
  return "Bearer " + *token;
}

Result<std::string> RegistryClient::fetch_token(const std::vector<std::string>& scopes) {
  const std::string realm = m_challenge->params["realm"];
  const std::string service = m_challenge->params["service"];
  if (realm.empty()) return make_error(Errc::registry, describe("a bearer challenge without a realm"));
  const std::string where = describe("token server `" + realm + "`");
  Call call{"GET", ""};
  call.authenticate = false;
  std::string form;
  if (m_credentials && !m_credentials->identity_token.empty()) {
    // docker's OAuth2 refresh-token grant for identity tokens.
    call.method = "POST";
    call.url = realm;
    form = "grant_type=refresh_token&client_id=chalk&service=" + escape(service) +
           "&refresh_token=" + escape(m_credentials->identity_token) + "&scope=" + escape(join(scopes, " "));
    call.body = &form;
    call.headers.emplace_back("Content-Type: application/x-www-form-urlencoded");
  } else {
    call.method = "GET";
    call.url = realm + (realm.find('?') == std::string::npos ? "?" : "&") + "service=" + escape(service);
    for (const auto& scope : scopes) call.url += "&scope=" + escape(scope);
    if (m_credentials && !m_credentials->username.empty()) {
      call.authorization = "Basic " + base64_encode(m_credentials->username + ":" + m_credentials->password);
    }
  }
  auto reply = send(call);
  if (!reply) return make_error(Errc::registry, where + ": the request failed");
  if (reply->status == 401 || reply->status == 403) {
    return make_error(Errc::registry, where + ": authentication failed (HTTP " +
                                          std::to_string(reply->status) + "): check the credentials for `" +
                                          m_host + "`");
  }
  if (reply->status != 200) {
    return make_error(Errc::registry, where + ": HTTP " + std::to_string(reply->status));
  }
  auto token = parse_token_response(reply->body);
  if (!token) return token.error().with_context(where);
  return token;
}

namespace {

Error http_error(long status, const std::string& what, const std::string& body, bool have_credentials) {
  std::string why = registry_error_text(body);
  if (status == 401) {
    why = have_credentials ? "authentication failed (wrong credentials, or a token that was refused)"
                           : "authentication required: no credentials for this registry";
  }
  const Errc code = status == 404 ? Errc::not_found : Errc::registry;
  return make_error(code, what + ": HTTP " + std::to_string(status) + (why.empty() ? "" : ": " + why));
}

// How messages name a manifest by tag or digest.
std::string manifest_name(const std::string& repository, const std::string& reference) {
  return "manifest `" + repository + (is_digest_reference(reference) ? "@" : ":") + reference + "`";
}

// A pull of a manifest by tag or digest, accepting every manifest and index type.
RegistryClient::Call manifest_call(const char* method, const std::string& base, const std::string& repository,
                                   const std::string& reference) {
  return RegistryClient::Call{method,
                              base + "/v2/" + repository + "/manifests/" + reference,
                              {manifest_accept_header()},
                              {"repository:" + repository + ":pull"}};
}

}  // namespace

Result<RegistryClient::Manifest> RegistryClient::get_manifest(const std::string& repository,
                                                              const std::string& reference) {
  if (auto ok = connect(); !ok) return ok.error();
  const std::string what = describe(manifest_name(repository, reference));
  Call call = manifest_call("GET", m_base, repository, reference);
  auto reply = send(call);
  if (!reply) return reply.error();
  if (reply->status != 200) return http_error(reply->status, what, reply->body, m_credentials.has_value());
  if (reply->body.size() > k_max_metadata_blob) return make_error(Errc::invalid_format, what + ": too large");
  Manifest manifest;
  manifest.bytes = std::move(reply->body);
  manifest.descriptor.digest = sha256_digest(manifest.bytes);
  manifest.descriptor.size = manifest.bytes.size();
  const std::string stated = reply->header("docker-content-digest");
  if (!stated.empty() && stated != manifest.descriptor.digest.str()) {
    return make_error(Errc::digest_mismatch, what + ": the registry says its digest is " + stated +
                                                 " but its bytes hash to " +
                                                 manifest.descriptor.digest.str());
  }
  if (is_digest_reference(reference) && reference != manifest.descriptor.digest.str()) {
    return make_error(Errc::digest_mismatch,
                      what + ": the bytes served hash to " + manifest.descriptor.digest.str());
  }
  auto json = parse_json(manifest.bytes, what);
  if (!json) return json.error();
  if (json->is_object() && json->contains("mediaType") && (*json)["mediaType"].is_string()) {
    manifest.descriptor.media_type = (*json)["mediaType"].get<std::string>();
  } else {
    const std::string type = reply->header("content-type");
    manifest.descriptor.media_type = type.substr(0, type.find(';'));
  }
  if (!is_manifest_media_type(manifest.descriptor.media_type) &&
      !is_index_media_type(manifest.descriptor.media_type)) {
    return make_error(Errc::unsupported,
                      what + ": unsupported media type `" + manifest.descriptor.media_type + "`");
  }
  return manifest;
}

Result<Descriptor> RegistryClient::head_manifest(const std::string& repository,
                                                 const std::string& reference) {
  if (auto ok = connect(); !ok) return ok.error();
  const std::string what = describe(manifest_name(repository, reference));
  Call call = manifest_call("HEAD", m_base, repository, reference);
  auto reply = send(call);
  if (!reply) return reply.error();
  if (reply->status != 200) return http_error(reply->status, what, "", m_credentials.has_value());
  Descriptor descriptor;
  auto digest = Digest::parse(reply->header("docker-content-digest"));
  if (!digest) return make_error(Errc::registry, what + ": no valid Docker-Content-Digest in the answer");
  descriptor.digest = *digest;
  const std::string type = reply->header("content-type");
  descriptor.media_type = type.substr(0, type.find(';'));
  descriptor.size = std::strtoull(reply->header("content-length").c_str(), nullptr, 10);
  return descriptor;
}

Status RegistryClient::put_manifest(const std::string& repository, const std::string& reference,
                                    const Descriptor& descriptor, const std::string& bytes) {
  if (auto ok = connect(); !ok) return ok.error();
  const std::string what = describe("putting manifest `" + repository +
                                    (is_digest_reference(reference) ? "@" : ":") + reference + "`");
  if (sha256_digest(bytes) != descriptor.digest) {
    return make_error(Errc::invalid_argument, what + ": the bytes do not hash to " + descriptor.digest.str());
  }
  Call call{"PUT",
            m_base + "/v2/" + repository + "/manifests/" + reference,
            {"Content-Type: " + descriptor.media_type},
            {"repository:" + repository + ":pull,push"}};
  call.body = &bytes;
  auto reply = send(call);
  if (!reply) return reply.error();
  if (reply->status != 201 && reply->status != 200)
    return http_error(reply->status, what, reply->body, m_credentials.has_value());
  const std::string stated = reply->header("docker-content-digest");
  if (!stated.empty() && stated != descriptor.digest.str()) {
    return make_error(Errc::digest_mismatch,
                      what + ": the registry stored it as " + stated + ", not " + descriptor.digest.str());
  }
  return {};
}

Result<bool> RegistryClient::has_blob(const std::string& repository, const Descriptor& descriptor) {
  if (auto ok = connect(); !ok) return ok.error();
  Call call{"HEAD",
            m_base + "/v2/" + repository + "/blobs/" + descriptor.digest.str(),
            {},
            {"repository:" + repository + ":pull"}};
  auto reply = send(call);
  if (!reply) return reply.error();
  if (reply->status == 404) return false;
  const std::string what = describe("blob " + descriptor.digest.str() + " in `" + repository + "`");
  if (reply->status != 200) return http_error(reply->status, what, "", m_credentials.has_value());
  return true;
}

Result<std::unique_ptr<ByteStream>> RegistryClient::open_blob(const std::string& repository,
                                                              const Descriptor& descriptor) {
  if (auto ok = connect(); !ok) return ok.error();
  const std::string what = describe("blob " + descriptor.digest.str() + " in `" + repository + "`");
  const std::vector<std::string> scopes{"repository:" + repository + ":pull"};
  // A HEAD first: it settles authentication (a streamed GET cannot be retried) and says
  // whether the blob is there at all.
  auto present = has_blob(repository, descriptor);
  if (!present) return present.error();
  if (!*present) return make_error(Errc::not_found, what + ": not in the registry");
  auto header = authorization(scopes, false);
  if (!header) return header.error();
  EasyHandle easy(curl_easy_init());
  if (!easy) return make_error(Errc::registry, describe("cannot create a libcurl handle"));
  CURL* h = easy.get();
  std::vector<std::string> lines;
  if (!header->empty()) lines.push_back("Authorization: " + *header);
  HeaderList headers = make_headers(lines);
  const std::string url = m_base + "/v2/" + repository + "/blobs/" + descriptor.digest.str();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // Blob stores redirect to storage; libcurl keeps our Authorization header to this host.
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, m_options.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, k_connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
  set_tls(h, m_tls_verify, m_ca_file);
  return std::unique_ptr<ByteStream>(
      std::make_unique<DownloadStream>(std::move(easy), std::move(headers), what));
}

Result<std::string> RegistryClient::upload(const std::string& location, const Descriptor& descriptor,
                                           ByteStream& content, const std::vector<std::string>& scopes) {
  const std::string what = describe("uploading blob " + descriptor.digest.str());
  auto absolute = [&](const std::string& url) { return url.rfind("http", 0) == 0 ? url : m_base + url; };
  auto with_digest = [&](const std::string& url) {
    return absolute(url) + (url.find('?') == std::string::npos ? "?" : "&") +
           "digest=" + descriptor.digest.str();
  };
  std::string url = location;
  const std::string octets = "Content-Type: application/octet-stream";
  if (descriptor.size <= m_options.chunk_size) {
    Call put{"PUT", with_digest(url), {octets}, scopes};
    put.stream = &content;
    put.stream_size = descriptor.size;
    auto reply = send(put);
    if (!reply) return reply.error();
    if (reply->status != 201) return http_error(reply->status, what, reply->body, m_credentials.has_value());
    return reply->header("docker-content-digest");
  }
  for (std::uint64_t offset = 0; offset < descriptor.size;) {
    const std::uint64_t count = std::min(m_options.chunk_size, descriptor.size - offset);
    Call patch{
        "PATCH",
        absolute(url),
        {octets, "Content-Range: " + std::to_string(offset) + "-" + std::to_string(offset + count - 1)},
        scopes};
    patch.stream = &content;
    patch.stream_size = count;
    auto reply = send(patch);
    if (!reply) return reply.error();
    if (reply->status != 202)
      return http_error(reply->status, what + " (chunk at " + std::to_string(offset) + ")", reply->body,
                        m_credentials.has_value());
    if (const std::string next = reply->header("location"); !next.empty()) url = next;
    offset += count;
  }
  Call finish{"PUT", with_digest(url), {}, scopes};
  auto reply = send(finish);
  if (!reply) return reply.error();
  if (reply->status != 201) return http_error(reply->status, what, reply->body, m_credentials.has_value());
  return reply->header("docker-content-digest");
}

std::string RegistryClient::known_location(const Digest& digest, const std::string& repository) {
  if (!m_locations) {
    m_locations.emplace();
    std::ifstream file(m_options.blob_locations);
    std::string line;
    while (std::getline(file, line)) {
      std::istringstream fields(line);
      std::string host, where, seen;
      if (fields >> host >> where >> seen && host == m_host) m_locations->emplace(seen, where);
    }
  }
  auto [first, last] = m_locations->equal_range(digest.str());
  for (auto it = first; it != last; ++it) {
    if (it->second != repository) return it->second;
  }
  return {};
}

void RegistryClient::remember(const std::string& repository, const Digest& digest) {
  if (m_options.blob_locations.empty()) return;
  (void)known_location(digest, repository);
  auto [first, last] = m_locations->equal_range(digest.str());
  for (auto it = first; it != last; ++it) {
    if (it->second == repository) return;
  }
  m_locations->emplace(digest.str(), repository);
  // A cache: losing a line costs an upload, never correctness (a stale one fails to mount).
  std::error_code error;
  fs::create_directories(m_options.blob_locations.parent_path(), error);
  std::ofstream(m_options.blob_locations, std::ios::app)
      << m_host << ' ' << repository << ' ' << digest.str() << '\n';
}

Result<bool> RegistryClient::push_blob(const std::string& repository, const Descriptor& descriptor,
                                       const std::function<Result<std::unique_ptr<ByteStream>>()>& open,
                                       const std::string& mount_from) {
  if (auto ok = connect(); !ok) return ok.error();
  const std::string what = describe("blob " + descriptor.digest.str() + " in `" + repository + "`");
  std::string from = mount_from;
  if ((from.empty() || from == repository) && !m_options.blob_locations.empty()) {
    from = known_location(descriptor.digest, repository);
  }
  std::vector<std::string> scopes{"repository:" + repository + ":pull,push"};
  if (!from.empty() && from != repository) scopes.push_back("repository:" + from + ":pull");
  Call head{"HEAD", m_base + "/v2/" + repository + "/blobs/" + descriptor.digest.str(), {}, scopes};
  auto exists = send(head);
  if (!exists) return exists.error();
  if (exists->status == 200) {
    remember(repository, descriptor.digest);
    return false;
  }
  if (exists->status != 404) return http_error(exists->status, what, "", m_credentials.has_value());

  std::string start_url = m_base + "/v2/" + repository + "/blobs/uploads/";
  if (scopes.size() > 1) start_url += "?mount=" + descriptor.digest.str() + "&from=" + escape(from);
  Call start{"POST", start_url, {}, scopes};
  auto started = send(start);
  if (!started) return started.error();
  if (started->status == 201) {
    const std::string stated = started->header("docker-content-digest");
    if (!stated.empty() && stated != descriptor.digest.str()) {
      return make_error(Errc::digest_mismatch, what + ": mounted as " + stated);
    }
    remember(repository, descriptor.digest);
    return false;
  }
  if (started->status != 202)
    return http_error(started->status, what + ": starting an upload", started->body,
                      m_credentials.has_value());
  const std::string location = started->header("location");
  if (location.empty()) return make_error(Errc::registry, what + ": the upload answer has no Location");
  auto content = open();
  if (!content) return content.error();
  auto stated = upload(location, descriptor, **content, scopes);
  if (!stated) return stated.error();
  if (!stated->empty() && *stated != descriptor.digest.str()) {
    return make_error(Errc::digest_mismatch, what + ": the registry stored it as " + *stated);
  }
  remember(repository, descriptor.digest);
  return true;
}

}  // namespace oci
