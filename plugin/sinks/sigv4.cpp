#include "plugin/sinks/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

#include "oci/digest.hpp"
#include "oci/util/strings.hpp"

namespace chalk::sinks {
namespace {

using Mac = std::array<std::uint8_t, 32>;

Mac hmac(std::string_view key, std::string_view data) {
  Mac out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
  return out;
}

std::string_view as_view(const Mac& mac) { return {reinterpret_cast<const char*>(mac.data()), mac.size()}; }

using util::lowercase;

// Trims the value and collapses inner runs of spaces, as canonical headers require.
std::string canonical_value(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

SigV4Signature sign_sigv4(const SigV4Request& request, std::string_view access_key,
                          std::string_view secret_key, std::string_view region, std::string_view service,
                          std::string_view amz_date) {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers)
    headers.emplace_back(lowercase(name), canonical_value(value));
  std::sort(headers.begin(), headers.end());

  SigV4Signature out;
  std::string canonical_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += name;
  }
  out.canonical_request = request.method + "\n" + request.canonical_uri + "\n" + request.canonical_query +
                          "\n" + canonical_headers + "\n" + out.signed_headers + "\n" +
                          request.payload_sha256;

  std::string date(amz_date.substr(0, 8));
  std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  out.string_to_sign =
      "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" + sha256_hex(out.canonical_request);

  Mac key = hmac("AWS4" + std::string(secret_key), date);
  key = hmac(as_view(key), region);
  key = hmac(as_view(key), service);
  key = hmac(as_view(key), "aws4_request");
  Mac signature = hmac(as_view(key), out.string_to_sign);
  out.signature = oci::to_hex(signature.data(), signature.size());
  out.authorization = "AWS4-HMAC-SHA256 Credential=" + std::string(access_key) + "/" + scope +
                      ", SignedHeaders=" + out.signed_headers + ", Signature=" + out.signature;
  return out;
}

std::string amz_date(std::int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  std::array<char, 20> text{};
  std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &utc);
  return text.data();
}

std::string uri_encode_path(std::string_view path) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 0xF];
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  auto raw = oci::sha256_raw(data);
  return oci::to_hex(raw.data(), raw.size());
}

}  // namespace chalk::sinks
