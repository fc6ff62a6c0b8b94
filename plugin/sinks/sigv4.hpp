// AWS Signature Version 4 for S3 requests, signed with OpenSSL HMAC-SHA256.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chalk::sinks {

struct SigV4Request {
  std::string method;
  std::string canonical_uri;    // the percent-encoded path as sent ("/test%24file.text")
  std::string canonical_query;  // "" for S3 object PUTs
  // Every header to sign, names in any case; host, x-amz-date and x-amz-content-sha256 included.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // lowercase hex
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-content-sha256;x-amz-date"
  std::string signature;       // lowercase hex
  std::string authorization;   // the Authorization header value
};

// Signs `request` for `region`/`service` at `amz_date` ("20130524T000000Z").
SigV4Signature sign_sigv4(const SigV4Request& request, std::string_view access_key,
                          std::string_view secret_key, std::string_view region, std::string_view service,
                          std::string_view amz_date);

// "YYYYMMDDTHHMMSSZ" (UTC) for a Unix time in milliseconds.
std::string amz_date(std::int64_t unix_ms);

// Percent-encodes all but RFC 3986 unreserved characters and '/', as S3 canonical URIs want.
std::string uri_encode_path(std::string_view path);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace chalk::sinks
