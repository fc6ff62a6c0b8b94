#include "plugin/sinks/remote_sinks.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <utility>
#include <vector>

#include "oci/util/url.hpp"
#include "plugin/chalk/redact.hpp"
#include "plugin/sinks/sigv4.hpp"

namespace chalk::sinks {
namespace {

constexpr std::string_view k_id_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

bool retryable(const HttpOutcome& outcome) {
  switch (outcome.failure) {
    case TransportFailure::connect:
    case TransportFailure::timeout:
      return true;
    case TransportFailure::none:
      return outcome.status == 429 || (outcome.status >= 500 && outcome.status <= 599);
    case TransportFailure::tls:
    case TransportFailure::other:
      return false;
  }
  return false;
}

bool cancelled(const HttpRequest& request) { return request.cancel != nullptr && request.cancel->load(); }

std::string http_status(const HttpOutcome& outcome) { return "HTTP " + std::to_string(outcome.status); }

// The text of the first <TAG>...</TAG> in an S3 error document.
std::string xml_field(const std::string& body, const std::string& tag) {
  std::size_t start = body.find("<" + tag + ">");
  if (start == std::string::npos) return {};
  start += tag.size() + 2;
  std::size_t end = body.find("</" + tag + ">", start);
  if (end == std::string::npos) return {};
  return body.substr(start, end - start);
}

// S3 errors name their cause in <Code> and <Message>; the rest of the document (string to
// sign, canonical request, access key id) stays out of logs.
std::string s3_status(const HttpOutcome& outcome) {
  std::string text = http_status(outcome);
  std::string code = xml_field(outcome.body, "Code");
  std::string message = xml_field(outcome.body, "Message");
  while (!message.empty() && (message.back() == '.' || message.back() == ' ')) message.pop_back();
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  return text;
}

class PostSink final : public Sink {
 public:
  PostSink(const config::SinkConfig& config, HttpTransport& transport, Clock& clock,
           const std::atomic<bool>* cancel)
      : m_transport(transport), m_clock(clock) {
    m_request.method = "POST";
    m_request.cancel = cancel;
    m_request.url = config.uri;
    m_request.timeout_ms = config.timeout_ms.value_or(k_default_timeout_ms);
    m_request.ca_file = config.pinned_cert_file;
    bool user_content_type = false;
    for (const auto& [name, value] : config.headers) {
      if (lowercase_equal(name, "content-type")) user_content_type = true;
      m_request.headers.emplace_back(name, value);
    }
    if (!user_content_type) {
      m_request.headers.emplace(m_request.headers.begin(), "Content-Type",
                                config.content_type.empty() ? "application/json" : config.content_type);
    }
  }

  Delivery deliver(const nlohmann::json& report) override {
    HttpRequest request = m_request;
    request.body = as_array(report);
    return send_with_retries(m_transport, m_clock, request, &http_status);
  }

 private:
  static bool lowercase_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != b[i]) return false;
    }
    return true;
  }

  HttpTransport& m_transport;
  Clock& m_clock;
  HttpRequest m_request;
};

struct Endpoint {
  std::string base;  // scheme://authority
  std::string host;  // authority, as the Host header carries it
  std::string path;  // "" or "/base" without trailing '/'
};

util::Result<Endpoint> parse_endpoint(std::string_view url) {
  const auto parts = util::split_url(url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
    return util::make_error(util::Errc::config,
                            "endpoint `" + redact_url(url) + "`: expected http:// or https://");
  }
  if (parts->host.empty())
    return util::make_error(util::Errc::config, "endpoint `" + redact_url(url) + "`: no host");
  Endpoint out;
  out.host = std::string(parts->host);
  out.base = std::string(parts->scheme) + "://" + out.host;
  // The endpoint's own path: a query or fragment has no place in an S3 endpoint.
  out.path = std::string(parts->path);
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  return out;
}

class S3Sink final : public Sink {
 public:
  S3Sink(S3Requests requests, HttpTransport& transport, Clock& clock, RandomSource& random,
         const std::atomic<bool>* cancel)
      : m_requests(std::move(requests)),
        m_transport(transport),
        m_clock(clock),
        m_random(random),
        m_cancel(cancel) {}

  Delivery deliver(const nlohmann::json& report) override {
    std::int64_t now = m_clock.now_ms();
    std::string operation = "unknown";
    if (auto it = report.find("_OPERATION"); it != report.end() && it->is_string())
      operation = it->get<std::string>();
    std::string key = s3_object_key(m_requests.location().prefix, operation, now,
                                    random_id_chars(m_random, 26), m_requests.key_suffix());
    HttpRequest request = m_requests.make("PUT", key, {}, as_object_line(report), now);
    request.cancel = m_cancel;
    return send_with_retries(m_transport, m_clock, request, &s3_status);
  }

 private:
  S3Requests m_requests;
  HttpTransport& m_transport;
  Clock& m_clock;
  RandomSource& m_random;
  const std::atomic<bool>* m_cancel;
};

// RFC 3986 unreserved characters stay; everything else, '/' included, is %XX (SigV4 query).
std::string uri_encode_component(std::string_view text) {
  static const char* k_hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 0x0F];
    }
  }
  return out;
}

}  // namespace

Delivery send_with_retries(HttpTransport& transport, Clock& clock, const HttpRequest& request,
                           std::string (*describe)(const HttpOutcome&)) {
  std::string what = request.method + " `" + redact_url(request.url) + "`: ";
  HttpOutcome outcome;
  int attempt = 0;
  for (; attempt < k_max_attempts; ++attempt) {
    if (attempt > 0) clock.sleep_ms(k_backoff_ms[static_cast<std::size_t>(attempt - 1)]);
    if (cancelled(request)) return Delivery::failure(what + "cancelled at shutdown");
    outcome = transport.send(request);
    if (outcome.failure == TransportFailure::none && outcome.status >= 200 && outcome.status <= 299) {
      return Delivery::ok();
    }
    if (!retryable(outcome)) break;
  }
  std::string cause = outcome.failure == TransportFailure::none ? describe(outcome) : outcome.message;
  if (attempt == k_max_attempts) {
    return Delivery::failure(what + cause + " (after " + std::to_string(k_max_attempts) + " attempts)");
  }
  if (outcome.failure == TransportFailure::other) return Delivery::failure(what + cause);
  return Delivery::final_failure(what + cause + "; sink disabled");
}

util::Result<S3Location> parse_s3_uri(std::string_view uri) {
  constexpr std::string_view k_scheme = "s3://";
  if (uri.substr(0, k_scheme.size()) != k_scheme) {
    return util::make_error(util::Errc::config,
                            "uri `" + std::string(uri) + "`: expected s3://BUCKET/PREFIX");
  }
  std::string_view rest = uri.substr(k_scheme.size());
  std::size_t slash = rest.find('/');
  S3Location out;
  out.bucket = std::string(rest.substr(0, slash));
  if (out.bucket.empty())
    return util::make_error(util::Errc::config, "uri `" + std::string(uri) + "`: no bucket");
  if (slash != std::string_view::npos) out.prefix = std::string(rest.substr(slash + 1));
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  while (!out.prefix.empty() && out.prefix.front() == '/') out.prefix.erase(0, 1);
  return out;
}

std::string s3_object_key(std::string_view prefix, std::string_view operation, std::int64_t unix_ms,
                          std::string_view random26, std::string_view extra) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  std::array<char, 16> day{};
  std::strftime(day.data(), day.size(), "%Y-%m-%d", &utc);
  std::array<char, 24> stamp{};
  std::snprintf(stamp.data(), stamp.size(), "%013" PRId64, unix_ms);
  // The operation becomes a partition value: keep it to characters every engine accepts.
  std::string op;
  for (char c : operation) {
    bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    op += plain ? c : '_';
  }
  std::string key = prefix.empty() ? "" : std::string(prefix) + "/";
  key += "op=" + op + "/dt=" + day.data() + "/" + stamp.data() + "-" + std::string(random26);
  if (!extra.empty()) key += "-" + std::string(extra);
  key += ".json";
  return key;
}

std::string random_id_chars(RandomSource& random, std::size_t count) {
  std::vector<std::uint8_t> bytes(count);
  random.fill(bytes.data(), bytes.size());
  std::string out;
  out.reserve(count);
  // 256 is a multiple of 32, so the low five bits are uniform.
  for (std::uint8_t b : bytes) out += k_id_alphabet[b & 0x1F];
  return out;
}

std::unique_ptr<Sink> make_post_sink(const config::SinkConfig& config, HttpTransport& transport, Clock& clock,
                                     const std::atomic<bool>* cancel) {
  return std::make_unique<PostSink>(config, transport, clock, cancel);
}

util::Result<S3Requests> S3Requests::make(const config::SinkConfig& config) {
  auto location = parse_s3_uri(config.uri);
  if (!location) return location.error();
  if (config.uid.empty() || config.secret.empty()) {
    return util::make_error(util::Errc::config, "missing credentials (uid and secret are required)");
  }
  S3Requests out;
  out.m_config = config;
  if (out.m_config.region.empty()) out.m_config.region = "us-east-1";
  auto endpoint = parse_endpoint(config.endpoint.empty() ? "https://" + location->bucket + ".s3." +
                                                               out.m_config.region + ".amazonaws.com"
                                                         : config.endpoint);
  if (!endpoint) return endpoint.error();
  out.m_location = std::move(*location);
  out.m_base = std::move(endpoint->base);
  out.m_host = std::move(endpoint->host);
  out.m_path = std::move(endpoint->path);
  return out;
}

HttpRequest S3Requests::make(const std::string& method, std::string_view key,
                             std::vector<std::pair<std::string, std::string>> query, std::string body,
                             std::int64_t now_ms) const {
  const bool virtual_host = m_config.endpoint.empty();
  std::string path =
      m_path + "/" + (virtual_host ? "" : m_location.bucket + (key.empty() ? "" : "/")) + std::string(key);
  SigV4Request signing;
  signing.method = method;
  signing.canonical_uri = uri_encode_path(path);
  std::sort(query.begin(), query.end());
  for (const auto& [name, value] : query) {
    if (!signing.canonical_query.empty()) signing.canonical_query += '&';
    signing.canonical_query += uri_encode_component(name) + "=" + uri_encode_component(value);
  }
  HttpRequest request;
  request.method = method;
  request.url = m_base + signing.canonical_uri + (query.empty() ? "" : "?" + signing.canonical_query);
  request.timeout_ms = timeout_ms();
  request.body = std::move(body);
  signing.payload_sha256 = sha256_hex(request.body);
  signing.headers = {
      {"Host", m_host}, {"x-amz-content-sha256", signing.payload_sha256}, {"x-amz-date", amz_date(now_ms)}};
  if (method == "PUT")
    signing.headers.insert(signing.headers.begin() + 1, {"Content-Type", "application/json"});
  if (!m_config.token.empty()) signing.headers.emplace_back("x-amz-security-token", m_config.token);
  SigV4Signature signature =
      sign_sigv4(signing, m_config.uid, m_config.secret, m_config.region, "s3", amz_date(now_ms));
  request.headers = signing.headers;
  request.headers.emplace_back("Authorization", signature.authorization);
  return request;
}

std::string describe_s3_answer(const HttpOutcome& outcome) { return s3_status(outcome); }

util::Result<std::unique_ptr<Sink>> make_s3_sink(const config::SinkConfig& config, HttpTransport& transport,
                                                 Clock& clock, RandomSource& random,
                                                 const std::atomic<bool>* cancel) {
  auto requests = S3Requests::make(config);
  if (!requests) return requests.error();
  return std::unique_ptr<Sink>(
      std::make_unique<S3Sink>(std::move(*requests), transport, clock, random, cancel));
}

}  // namespace chalk::sinks
