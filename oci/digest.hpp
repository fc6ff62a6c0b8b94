// SHA-256 digests as OCI writes them ("sha256:<64 lowercase hex>") and a streaming hasher.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "oci/result.hpp"

namespace oci {

// A validated "sha256:<hex>" digest.
class Digest {
 public:
  Digest() = default;
  // Accepts "sha256:<64 lowercase hex>" only; anything else is invalid_format.
  static Result<Digest> parse(std::string_view text);
  static Digest from_hex(std::string_view hex64);  // caller guarantees 64 lowercase hex

  [[nodiscard]] const std::string& str() const { return m_text; }  // "sha256:abc..."
  [[nodiscard]] std::string_view hex() const { return std::string_view(m_text).substr(7); }
  [[nodiscard]] bool empty() const { return m_text.empty(); }
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;

 private:
  std::string m_text;
};

// Incremental SHA-256 (OpenSSL's low-level SHA-256 underneath: no provider set-up).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // Finishes the hash; the object must not be updated afterwards.
  std::array<std::uint8_t, 32> finish_raw();
  Digest finish();

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

std::array<std::uint8_t, 32> sha256_raw(std::string_view bytes);
Digest sha256_digest(std::string_view bytes);
std::string to_hex(const std::uint8_t* data, std::size_t size);

}  // namespace oci
