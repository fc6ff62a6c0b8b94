// The Engine spoken through the engine's HTTP API with libcurl: over its unix socket
// (CURLOPT_UNIX_SOCKET_PATH) or tcp://, with TLS as the endpoint says. One connection is kept
// for the whole run; the API version is negotiated once with GET /_ping.
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>

#include "oci/util/strings.hpp"
#include "plugin/docker/engine.hpp"

namespace chalk::docker {

namespace {

namespace fs = std::filesystem;

// The API versions this client speaks: 1.41 is the 20.10 engine's; the calls used here are
// unchanged up to 1.47, which engines that dropped old versions (1.44 minimum) still accept.
constexpr int k_min_api_minor = 24;
constexpr int k_max_api_minor = 47;
constexpr std::size_t k_max_json_response = 64 << 20;
constexpr std::size_t k_max_copied_archive = 8 << 20;

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

struct Request {
  Request(const char* verb, std::string target) : method(verb), path(std::move(target)) {}
  const char* method;
  std::string path;             // with its query, e.g. "/images/x/json"
  std::string json_body;        // sent as application/json when not empty
  std::FILE* upload = nullptr;  // sent as application/x-tar when set
  std::uint64_t upload_size = 0;
  std::FILE* download = nullptr;  // a 2xx body goes here when set
  std::size_t limit = k_max_json_response;
};

struct Response {
  long status = 0;
  std::string body;         // the body (or an error body when `download` was set)
  std::string api_version;  // the Api-Version header
  bool too_large = false;
  bool write_failed = false;
};

struct Transfer {
  CURL* handle = nullptr;
  const Request* request = nullptr;
  Response* response = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(transfer->handle, CURLINFO_RESPONSE_CODE, &status);
  if (transfer->request->download != nullptr && status >= 200 && status < 300) {
    if (std::fwrite(data, 1, n, transfer->request->download) != n) {
      transfer->response->write_failed = true;
      return 0;
    }
    return n;
  }
  if (transfer->response->body.size() + n > transfer->request->limit) {
    transfer->response->too_large = true;
    return 0;
  }
  transfer->response->body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* response = static_cast<Response*>(user);
  const std::string_view line(data, size * count);
  constexpr std::string_view k_name = "api-version:";
  if (line.size() > k_name.size() && util::starts_with_ignoring_case(line, k_name)) {
    response->api_version = std::string(util::trim(line.substr(k_name.size())));
  }
  return size * count;
}

std::size_t on_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  return std::fread(buffer, 1, size * count, static_cast<std::FILE*>(user));
}

// Percent-encodes all but unreserved characters and those of image names ("/:@").
std::string escape(const std::string& text) {
  static const char* k_hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 ||
        std::string_view("-._~/:@").find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', k_hex[c >> 4], k_hex[c & 15]};
    }
  }
  return out;
}

// "1.41" -> 41; -1 unless it is "1.N".
int api_minor(const std::string& version) {
  if (version.rfind("1.", 0) != 0 || version.size() < 3) return -1;
  int minor = 0;
  for (char c : version.substr(2)) {
    if (c < '0' || c > '9') return -1;
    minor = minor * 10 + (c - '0');
  }
  return minor;
}

// The "message" of the engine's JSON error body, else the status.
std::string engine_message(const Response& response) {
  auto json = oci::parse_json(response.body, "engine error");
  if (json && json->is_object() && (*json)["message"].is_string())
    return (*json)["message"].get<std::string>();
  return "HTTP " + std::to_string(response.status);
}

class ApiEngine final : public Engine {
 public:
  ApiEngine(Endpoint endpoint, DebugLog debug) : m_endpoint(std::move(endpoint)), m_debug(std::move(debug)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (m_endpoint.host.rfind("unix://", 0) == 0) {
      m_socket = m_endpoint.host.substr(7);
      m_base = "http://localhost";
    } else {
      m_base = (m_endpoint.tls ? "https://" : "http://") + m_endpoint.host.substr(6);
      while (!m_base.empty() && m_base.back() == '/') m_base.pop_back();
    }
  }

  util::Result<oci::Json> inspect_image(const std::string& reference) override {
    auto response = call({"GET", "/images/" + escape(reference) + "/json"});
    if (!response) {
      return util::make_error(util::Errc::docker,
                              "`" + reference +
                                  "`: no such file or directory, and the engine cannot say "
                                  "whether it is a local image: " +
                                  response.error().message);
    }
    if (response->status == 404) {
      return util::make_error(util::Errc::not_found,
                              "`" + reference + "`: no such file, directory or local image");
    }
    return json_of(*response, "inspecting image `" + reference + "`", oci::Json::value_t::object);
  }

  util::Result<oci::Json> image_history(const std::string& reference) override {
    const std::string what = "reading the history of `" + reference + "`";
    auto response = call({"GET", "/images/" + escape(reference) + "/history"});
    if (!response) return response.error();
    auto entries = json_of(*response, what, oci::Json::value_t::array);
    if (!entries) return entries.error();
    // The CLI's shape (`docker history --format '{{json .}}'`), oldest first: the engine
    // answers newest first with Created in Unix seconds.
    oci::Json history = oci::Json::array();
    for (const auto& entry : *entries) {
      if (!entry.is_object())
        return util::make_error(util::Errc::docker, what + ": an entry is not an object");
      for (const auto& [key, number] :
           {std::pair{"Created", true}, {"CreatedBy", false}, {"Comment", false}, {"Size", true}}) {
        const auto field = entry.find(key);
        if (field != entry.end() && (number ? !field->is_number() : !field->is_string()))
          return util::make_error(util::Errc::docker, what + ": an entry's " + key + " is not a " +
                                                          (number ? "number" : "string"));
      }
      oci::Json item = oci::Json::object();
      item["CreatedAt"] = rfc3339(entry.value("Created", std::int64_t{0}));
      item["CreatedBy"] = entry.value("CreatedBy", "");
      item["Comment"] = entry.value("Comment", "");
      item["Size"] = entry.value("Size", std::uint64_t{0});  // unsigned, as the history rule reads it
      history.insert(history.begin(), std::move(item));
    }
    return history;
  }

  util::Status save_image(const std::string& reference, const fs::path& path) override {
    const std::string what = "saving image `" + reference + "`";
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
    if (!file) return util::make_error(util::Errc::io, what + ": cannot create `" + path.string() + "`");
    Request request{"GET", "/images/get?names=" + escape(reference)};
    request.download = file.get();
    auto response = call(request);
    if (!response) return response.error();
    if (response->write_failed || std::fflush(file.get()) != 0) {
      return util::make_error(util::Errc::io, what + ": cannot write `" + path.string() + "`");
    }
    if (response->status != 200) return failed(what, *response);
    return {};
  }

  util::Result<std::string> load_image(const fs::path& archive) override {
    const std::string what = "loading `" + archive.string() + "`";
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(archive.c_str(), "rb"));
    std::error_code size_error;
    const auto size = fs::file_size(archive, size_error);
    if (!file || size_error) return util::make_error(util::Errc::io, what + ": cannot read it");
    Request request{"POST", "/images/load?quiet=1"};
    request.upload = file.get();
    request.upload_size = size;
    auto response = call(request);
    if (!response) return response.error();
    if (response->status != 200) return failed(what, *response);
    // A stream of JSON messages; a failure mid-load arrives as {"error": ...} after the 200.
    std::string loaded;
    std::istringstream lines(response->body);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line == "\r") continue;
      auto message = oci::parse_json(line, "docker load output");
      if (!message || !message->is_object())
        return util::make_error(util::Errc::docker, what + ": unexpected output");
      if (message->contains("error"))
        return util::make_error(util::Errc::docker, what + ": " + message->value("error", ""));
      loaded += message->value("stream", "");
    }
    return loaded;
  }

  util::Result<std::optional<std::string>> copy_from_image(const std::string& reference,
                                                           const std::string& path) override {
    const std::string what = "creating a container of `" + reference + "`";
    Request create{"POST", "/containers/create"};
    create.json_body = oci::dump_json(oci::Json{{"Image", reference}, {"Cmd", oci::Json::array({"/chalk"})}});
    auto created = call(create);
    if (!created) return created.error();
    if (created->status != 201) return failed(what, *created);
    auto body = oci::parse_json(created->body, "container create response");
    if (!body || !body->is_object() || !(*body)["Id"].is_string()) {
      return util::make_error(util::Errc::docker, what + ": no container ID in the engine's answer");
    }
    const std::string container = (*body)["Id"].get<std::string>();
    Request archive{"GET", "/containers/" + escape(container) + "/archive?path=" + escape(path)};
    archive.limit = k_max_copied_archive;
    auto copied = call(archive);
    // Best effort, as `docker rm -f -v`: the container never ran.
    [[maybe_unused]] auto removed = call({"DELETE", "/containers/" + escape(container) + "?force=1&v=1"});
    if (!copied) return copied.error();
    if (copied->status == 404) return std::optional<std::string>();
    if (copied->status != 200) return failed("copying `" + path + "` out of `" + reference + "`", *copied);
    return std::optional<std::string>(std::move(copied->body));
  }

 private:
  static std::string rfc3339(std::int64_t seconds) {
    const std::time_t time = static_cast<std::time_t>(seconds);
    std::tm parts{};
    gmtime_r(&time, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
  }

  util::Error failed(const std::string& what, const Response& response) const {
    return util::make_error(util::Errc::docker, what + ": " + engine_message(response));
  }

  util::Result<oci::Json> json_of(const Response& response, const std::string& what,
                                  oci::Json::value_t type) const {
    if (response.status != 200) return failed(what, response);
    auto json = oci::parse_json(response.body, "the engine's answer");
    if (!json) return json.error().with_context(what);
    if (json->type() != type)
      return util::make_error(util::Errc::docker, what + ": unexpected answer from the engine");
    return json;
  }

  // A versioned API call, negotiating the version on first use.
  util::Result<Response> call(const Request& request) {
    if (m_version.empty()) {
      auto ping = perform({"GET", "/_ping"});
      if (!ping) return ping.error();
      if (ping->status != 200)
        return util::make_error(util::Errc::docker, where() + ": /_ping: " + engine_message(*ping));
      const int minor = ping->api_version.empty() ? k_min_api_minor : api_minor(ping->api_version);
      if (minor < k_min_api_minor) {
        return util::make_error(util::Errc::docker, where() + ": API version `" + ping->api_version +
                                                        "` is older than 1." +
                                                        std::to_string(k_min_api_minor));
      }
      m_version = "/v1." + std::to_string(std::min(minor, k_max_api_minor));
    }
    Request versioned = request;
    versioned.path = m_version + request.path;
    return perform(versioned);
  }

  std::string where() const { return "docker engine at " + m_endpoint.host; }

  util::Result<Response> perform(const Request& request) {
    const auto started = std::chrono::steady_clock::now();
    if (!m_handle) m_handle.reset(curl_easy_init());
    if (!m_handle) return util::make_error(util::Errc::docker, where() + ": cannot start libcurl");
    CURL* handle = m_handle.get();
    curl_easy_reset(handle);  // keeps the connection
    Response response;
    Transfer transfer{handle, &request, &response};
    const std::string url = m_base + request.path;
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    if (!m_socket.empty()) curl_easy_setopt(handle, CURLOPT_UNIX_SOCKET_PATH, m_socket.c_str());
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response);
    if (m_endpoint.tls && m_socket.empty()) {
      if (!m_endpoint.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, m_endpoint.ca_file.c_str());
      if (!m_endpoint.cert_file.empty())
        curl_easy_setopt(handle, CURLOPT_SSLCERT, m_endpoint.cert_file.c_str());
      if (!m_endpoint.key_file.empty()) curl_easy_setopt(handle, CURLOPT_SSLKEY, m_endpoint.key_file.c_str());
      curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, m_endpoint.verify ? 1L : 0L);
      curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, m_endpoint.verify ? 2L : 0L);
    }
    std::unique_ptr<curl_slist, ListDeleter> headers;
    auto add_header = [&](const char* header) {
      headers.reset(curl_slist_append(headers.release(), header));
    };
    add_header("Expect:");  // no 100-continue round trip before an upload
    if (request.upload != nullptr) {
      add_header("Content-Type: application/x-tar");
      curl_easy_setopt(handle, CURLOPT_POST, 1L);
      curl_easy_setopt(handle, CURLOPT_READFUNCTION, on_upload);
      curl_easy_setopt(handle, CURLOPT_READDATA, request.upload);
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.upload_size));
    } else if (!request.json_body.empty()) {
      add_header("Content-Type: application/json");
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.json_body.c_str());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.json_body.size()));
    }
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
    const CURLcode code = curl_easy_perform(handle);
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
    if (m_debug) {
      const auto elapsed =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      m_debug("engine " + std::string(request.method) + " " + request.path + ": " +
              (code == CURLE_OK ? std::to_string(response.status) : std::string(curl_easy_strerror(code))) +
              " in " + std::to_string(elapsed.count()) + " ms");
    }
    const std::string what = where() + ": " + request.method + " " + request.path;
    if (response.too_large)
      return util::make_error(util::Errc::docker, what + ": answer larger than expected");
    if (response.write_failed) return response;  // the caller names the file
    if (code != CURLE_OK) return util::make_error(util::Errc::docker, what + ": " + curl_easy_strerror(code));
    return response;
  }

  Endpoint m_endpoint;
  DebugLog m_debug;
  std::string m_socket;   // the unix socket's path, "" for tcp://
  std::string m_base;     // "http://localhost", "https://host:port"
  std::string m_version;  // "/v1.41" once negotiated
  std::unique_ptr<CURL, EasyDeleter> m_handle;
};

}  // namespace

std::unique_ptr<Engine> make_engine(const Endpoint& endpoint, DockerClient& fallback, DebugLog debug) {
  if (endpoint.host.rfind("unix://", 0) == 0 || endpoint.host.rfind("tcp://", 0) == 0) {
    return std::make_unique<ApiEngine>(endpoint, std::move(debug));
  }
  if (debug)
    debug("engine " + endpoint.host + ": not an endpoint chalk's API client speaks; using the docker CLI");
  return make_cli_engine(fallback);
}

}  // namespace chalk::docker
