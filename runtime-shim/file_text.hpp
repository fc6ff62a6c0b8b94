// Whole-file reads with O_CLOEXEC, so no descriptor of ours can leak into the program.
#pragma once

#include <string>

#include "oci/util/result.hpp"

namespace chalk::shim {

// Reads all of `path`; a missing file is Errc::not_found, other failures Errc::io.
util::Result<std::string> read_text_file(const std::string& path);

// Replaces `path` with `content` via a temporary file in the same directory and rename,
// keeping the old file's mode.
util::Status replace_file(const std::string& path, const std::string& content);

}  // namespace chalk::shim
