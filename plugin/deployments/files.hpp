// Local inputs: regular files under a path (directories walked in name order, `dt=` partitions
// outside the wanted dates left out) and their text, gunzipped when the name ends in `.gz`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "oci/util/result.hpp"

namespace chalk::deployments {

// Dates of the `dt=YYYY-MM-DD` partitions to read (REPORTS.md §9); "" leaves that end open.
struct DateRange {
  std::string since;
  std::string until;
  // True for a path part that is no partition, or a partition inside the range.
  [[nodiscard]] bool admits(std::string_view path_part) const;
};

// `root` itself when it is a file; else every regular file below it whose name does not start
// with a dot, in name order, skipping directories that are partitions out of `range`.
// Symbolic links to directories are not followed (no loops).
util::Result<std::vector<std::filesystem::path>> list_files(const std::filesystem::path& root,
                                                            const DateRange& range);

// The file's bytes; `.gz` files decompressed (gzip, as Cloud Custodian's S3 output writes them).
util::Result<std::string> read_text(const std::filesystem::path& path);

// Decompresses a gzip stream; `name` is for the error message.
util::Result<std::string> gunzip(std::string_view compressed, const std::string& name);

}  // namespace chalk::deployments
