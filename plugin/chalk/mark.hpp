// The chalk mark (REPORTS.md §1): building one with its METADATA_ID, serialising it in the
// original tool's key order, and checking one read back.
#pragma once

#include <optional>
#include <string>

#include "oci/json.hpp"

namespace chalk {

inline constexpr const char* k_magic = "dadfedabbadabbed";
// The mark format's version (CHALK_VERSION, REPORTS.md §1): changes only with the format,
// independently of the project version (chalk_version.hpp).
inline constexpr const char* k_mark_version = "0.1.0";

// Orders a mark's keys: MAGIC, CHALK_ID, CHALK_VERSION, TIMESTAMP_WHEN_CHALKED,
// DATETIME_WHEN_CHALKED, the rest by bytes, METADATA_HASH, METADATA_ID; nested keys by bytes.
oci::Json order_mark(const oci::Json& mark);

// Adds MAGIC and METADATA_ID to `fields` (which must not hold them) and orders the result.
oci::Json seal_mark(oci::Json fields);

// One line of compact JSON plus "\n".
std::string serialize_mark(const oci::Json& mark);

struct MarkCheck {
  bool valid = false;
  std::string problem;  // why not, for _OP_ERRORS
};
// Recomputes METADATA_ID (and METADATA_HASH when present) and compares.
MarkCheck check_mark(const oci::Json& mark);

// Parses /chalk.json content; nullopt unless it is a JSON object whose MAGIC is chalk's.
std::optional<oci::Json> parse_mark(std::string_view text);

}  // namespace chalk
