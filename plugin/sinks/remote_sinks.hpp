// Sinks that deliver over HTTP(S): `post` and `s3`, sharing one retry policy (REPORTS.md §9).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "oci/util/result.hpp"
#include "plugin/config/settings.hpp"
#include "plugin/sinks/sink.hpp"

namespace chalk::sinks {

// At most three attempts; connect errors, timeouts, 429 and 5xx are retried after 100 ms,
// then 400 ms. 2xx is success; any other answer is final and disables the sink.
inline constexpr int k_max_attempts = 3;
inline constexpr std::array<std::int64_t, 2> k_backoff_ms{100, 400};
inline constexpr std::int64_t k_default_timeout_ms = 5000;

// Sends `request` under the policy above. `describe` turns a non-2xx answer into a cause
// ("HTTP 403 AccessDenied: ..."); messages name the request by `chalk::redact_url(request.url)`.
Delivery send_with_retries(HttpTransport& transport, Clock& clock, const HttpRequest& request,
                           std::string (*describe)(const HttpOutcome&));

struct S3Location {
  std::string bucket;
  std::string prefix;  // without leading or trailing '/'
};

// `s3://BUCKET[/PREFIX]`.
util::Result<S3Location> parse_s3_uri(std::string_view uri);

// Requests to one bucket signed as the s3 sink signs its PUTs: AWS SigV4 with the config's
// uid, secret, token and region; path-style under `endpoint` (S3-compatible servers), else
// virtual-hosted on AWS. The s3 sink and the readers of a report bucket (`deployments`) share it.
class S3Requests {
 public:
  // missing credentials, a bad `uri` or `endpoint`: a config error.
  static util::Result<S3Requests> make(const config::SinkConfig& config);

  // `key` "" addresses the bucket itself; `query` holds unencoded name/value pairs.
  [[nodiscard]] HttpRequest make(const std::string& method, std::string_view key,
                                 std::vector<std::pair<std::string, std::string>> query, std::string body,
                                 std::int64_t now_ms) const;
  [[nodiscard]] const S3Location& location() const { return m_location; }
  [[nodiscard]] const std::string& key_suffix() const { return m_config.extra; }  // the sink's `extra`
  [[nodiscard]] std::int64_t timeout_ms() const { return m_config.timeout_ms.value_or(k_default_timeout_ms); }

 private:
  S3Requests() = default;
  config::SinkConfig m_config;
  S3Location m_location;
  std::string m_base;  // scheme://authority
  std::string m_host;  // authority, as the Host header carries it
  std::string m_path;  // "" or "/base" without trailing '/'
};

// A non-2xx S3 answer as one cause: "HTTP 403 AccessDenied: Access Denied" (<Code>, <Message>
// only: the rest of an error document may echo what was signed).
std::string describe_s3_answer(const HttpOutcome& outcome);

// `PREFIX/op=OP/dt=YYYY-MM-DD/<13-digit ms>-<26 ID-alphabet chars>[-EXTRA].json` (UTC date; no
// leading '/' when PREFIX is empty). `random26` supplies the 26 random characters; `extra` is the
// sink's `extra` field, placed after them as the original tool does.
std::string s3_object_key(std::string_view prefix, std::string_view operation, std::int64_t unix_ms,
                          std::string_view random26, std::string_view extra = {});

// `count` characters of the ID alphabet (0-9, A-Z without I L O U) from `random`.
std::string random_id_chars(RandomSource& random, std::size_t count);

// `cancel`, when given, is copied into every request (see HttpRequest::cancel).
std::unique_ptr<Sink> make_post_sink(const config::SinkConfig& config, HttpTransport& transport, Clock& clock,
                                     const std::atomic<bool>* cancel = nullptr);
util::Result<std::unique_ptr<Sink>> make_s3_sink(const config::SinkConfig& config, HttpTransport& transport,
                                                 Clock& clock, RandomSource& random,
                                                 const std::atomic<bool>* cancel = nullptr);

}  // namespace chalk::sinks
