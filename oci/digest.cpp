#include "oci/digest.hpp"

// OpenSSL 3 deprecates the low-level SHA-256 calls in favour of EVP, but an EVP digest's
// first use builds the default library context and provider tables: about 1 ms, at every
// start of every command, and more than a small insert's own work. The low-level calls run
// the same assembly (SHA-NI where the CPU has it) without that set-up.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace oci {

namespace {
bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

Result<Digest> Digest::parse(std::string_view text) {
  constexpr std::string_view prefix = "sha256:";
  if (text.substr(0, prefix.size()) != prefix) {
    return make_error(Errc::invalid_format, "unsupported digest `" + std::string(text) + "` (only sha256)");
  }
  const auto hex = text.substr(prefix.size());
  if (hex.size() != 64 || !is_lower_hex(hex)) {
    return make_error(Errc::invalid_format, "malformed digest `" + std::string(text) + "`");
  }
  return from_hex(hex);
}

Digest Digest::from_hex(std::string_view hex64) {
  Digest digest;
  digest.m_text = "sha256:" + std::string(hex64);
  return digest;
}

struct Sha256::State {
  SHA256_CTX context{};
};

Sha256::Sha256() : m_state(std::make_unique<State>()) { SHA256_Init(&m_state->context); }

Sha256::~Sha256() = default;

Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) { SHA256_Update(&m_state->context, data, size); }

std::array<std::uint8_t, 32> Sha256::finish_raw() {
  std::array<std::uint8_t, 32> raw{};
  SHA256_Final(raw.data(), &m_state->context);
  return raw;
}

Digest Sha256::finish() {
  const auto raw = finish_raw();
  return Digest::from_hex(to_hex(raw.data(), raw.size()));
}

std::array<std::uint8_t, 32> sha256_raw(std::string_view bytes) {
  Sha256 hasher;
  hasher.update(bytes);
  return hasher.finish_raw();
}

Digest sha256_digest(std::string_view bytes) {
  Sha256 hasher;
  hasher.update(bytes);
  return hasher.finish();
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    text[2 * i] = digits[data[i] >> 4];
    text[2 * i + 1] = digits[data[i] & 0xf];
  }
  return text;
}

}  // namespace oci
