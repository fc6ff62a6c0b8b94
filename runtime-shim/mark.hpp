// The image's chalk mark (/chalk.json, REPORTS.md §1) as the shim sees it: read for
// reports, and rewritten for child builds by `/chalk onbuild` (§7).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "oci/util/result.hpp"

namespace chalk::shim {

inline constexpr const char* k_magic = "dadfedabbadabbed";

// The mark at `path`; nullopt when there is none to report: no file, or an object without
// MAGIC (a child build's rewritten file). Errors: unreadable file, not a JSON object.
util::Result<std::optional<nlohmann::json>> read_mark(const std::string& path);

// The child-build shape {"EMBEDDED_CHALK":[mark],"OLD_CHALK_METADATA_ID":…
// [,"OLD_CHALK_METADATA_HASH":…]} as one line + "\n"; nullopt if `text` (read from `path`) is not a mark.
util::Result<std::optional<std::string>> child_build_mark(const std::string& text, const std::string& path);

enum class OnbuildOutcome { rewritten, unchanged };

// `/chalk onbuild`: replaces the mark at `path` by its child-build shape; no file or no
// MAGIC: unchanged.
util::Result<OnbuildOutcome> rewrite_for_child_build(const std::string& path);

}  // namespace chalk::shim
