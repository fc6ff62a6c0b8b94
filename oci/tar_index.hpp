// An index of an uncompressed tar file: every entry's name, type and data range, read
// from the headers alone (data is skipped, never read), so an image archive's small JSON
// files can be found wherever they sit and its layers streamed later by offset.
// Hostile archives are rejected while indexing: bad checksums, truncation, sizes past
// the end of the file, and names or links that escape the archive root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/file_io.hpp"
#include "oci/result.hpp"

namespace oci {

// A hard link is resolved while indexing (see TarIndex::read): it reads as a regular file
// (or a symlink) under its own name, holding what its target held when it was made.
struct TarEntry {
  enum class Type { regular, directory, symlink, hardlink, other };
  std::string name;  // normalized: relative, no "./", no trailing "/"
  Type type = Type::regular;
  std::string link_target;  // symlink/hardlink target as written
  std::uint64_t data_offset = 0;
  std::uint64_t size = 0;
};

class TarIndex {
 public:
  // Indexes `path` as docker load extracts it: in order, a later entry of a name replacing
  // an earlier one, hard links bound to their target's content at that point. Errors name
  // the archive and the cause.
  static Result<TarIndex> read(const std::filesystem::path& path);

  [[nodiscard]] const std::vector<TarEntry>& entries() const { return m_entries; }
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  // The regular file at `name`, following symlinks and hard links inside the archive.
  Result<TarEntry> find_file(std::string_view name) const;
  [[nodiscard]] bool contains(std::string_view name) const;

 private:
  void place(TarEntry entry);
  Status link_now(TarEntry& entry, const std::string& target) const;

  std::filesystem::path m_path;
  std::vector<TarEntry> m_entries;
  std::map<std::string, std::size_t, std::less<>> m_by_name;
};

// Lexically normalizes a path inside an archive ("./a//b/" -> "a/b"); nullopt when it is
// absolute or climbs out of the root with "..".
std::optional<std::string> normalize_archive_path(std::string_view name);

// Resolves a link target relative to the directory of `link_name`; nullopt if it escapes.
std::optional<std::string> resolve_archive_link(std::string_view link_name, std::string_view target);

}  // namespace oci
