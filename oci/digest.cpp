#include "oci/digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

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
  EVP_MD_CTX* context = nullptr;
};

Sha256::Sha256() : m_state(std::make_unique<State>()) {
  m_state->context = EVP_MD_CTX_new();
  // Allocation failure of a 200-byte context is not something callers can handle.
  if (m_state->context == nullptr || EVP_DigestInit_ex(m_state->context, EVP_sha256(), nullptr) != 1) {
    throw std::bad_alloc();
  }
}

Sha256::~Sha256() {
  if (m_state) EVP_MD_CTX_free(m_state->context);
}

Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) { EVP_DigestUpdate(m_state->context, data, size); }

std::array<std::uint8_t, 32> Sha256::finish_raw() {
  std::array<std::uint8_t, 32> raw{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(m_state->context, raw.data(), &length);
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
