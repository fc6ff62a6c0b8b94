// Sinks that deliver over HTTP(S): `post` and `s3`, sharing one retry policy (REPORTS.md §9).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "oci/result.hpp"
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
oci::Result<S3Location> parse_s3_uri(std::string_view uri);

// `PREFIX/op=OP/dt=YYYY-MM-DD/<13-digit ms>-<26 ID-alphabet chars>.json` (UTC date; no leading
// '/' when PREFIX is empty). `random26` supplies the 26 random characters.
std::string s3_object_key(std::string_view prefix, std::string_view operation, std::int64_t unix_ms,
                          std::string_view random26);

// `count` characters of the ID alphabet (0-9, A-Z without I L O U) from `random`.
std::string random_id_chars(RandomSource& random, std::size_t count);

// `cancel`, when given, is copied into every request (see HttpRequest::cancel).
std::unique_ptr<Sink> make_post_sink(const config::SinkConfig& config, HttpTransport& transport, Clock& clock,
                                     const std::atomic<bool>* cancel = nullptr);
oci::Result<std::unique_ptr<Sink>> make_s3_sink(const config::SinkConfig& config, HttpTransport& transport,
                                                Clock& clock, RandomSource& random,
                                                const std::atomic<bool>* cancel = nullptr);

}  // namespace chalk::sinks
