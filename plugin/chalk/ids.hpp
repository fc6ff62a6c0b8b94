// Chalk IDs and the canonical binary form of a mark (REPORTS.md §3), byte-compatible
// with the original tool so IDs computed by either validate in the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "oci/json.hpp"

namespace chalk {

// Base32 (alphabet without I L O U), MSB first, first 20 characters, grouped 6-4-4-6.
std::string id_format(std::string_view bytes);

// Where random bytes come from (Effects::random): fills `size` bytes at `data`.
using RandomBytes = std::function<void(unsigned char* data, std::size_t size)>;

// A fresh CHALK_ID from 32 random bytes.
std::string random_chalk_id(const RandomBytes& random);
// Lowercase hex of a random u64, no zero padding (CHALK_RAND).
std::string random_chalk_rand(const RandomBytes& random);

// The original's 0.4.0+ binary encoding of a mark, skipping the top-level keys MAGIC,
// METADATA_HASH, METADATA_ID, SIGNING, SIGNATURE and EMBEDDED_CHALK.
std::string normalize_mark(const oci::Json& mark);

struct MarkHashes {
  std::string metadata_hash;  // lowercase hex SHA-256 of normalize_mark
  std::string metadata_id;    // id_format of the raw digest
};
MarkHashes mark_hashes(const oci::Json& mark);

}  // namespace chalk
