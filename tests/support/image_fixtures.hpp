// Small images generated in tests: raw tar writing (so hostile archives can be made on
// purpose: bad checksums, `..` names, escaping links, truncation, lying sizes) and valid
// docker-archive / OCI layout fixtures built from it. Independent of oci/'s writers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace chalk::testing {

struct RawEntry {
  std::string name;
  std::string content;
  char type = '0';
  std::string link;
  std::optional<std::uint64_t> declared_size;  // header size when it should lie
  int mode = 0644;
};

// A ustar archive of `entries` followed by the end-of-archive marker.
std::string raw_tar(const std::vector<RawEntry>& entries, bool end_marker = true);

std::string sha256_hex(const std::string& bytes);
// Bytes that are not all alike, so a chunk sent twice, out of order or off by one changes
// the digest.
std::string patterned(std::size_t size);
void write_file(const std::filesystem::path& path, const std::string& bytes);
std::string read_file(const std::filesystem::path& path);

// A fresh directory under the system temp dir, removed when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

struct FixtureImage {
  std::vector<std::string> layers;  // uncompressed layer tars
  nlohmann::ordered_json config;    // rootfs/history filled in by the writers
  std::string architecture = "amd64";
};

// A minimal config for `image`: os, architecture, Entrypoint/Cmd, rootfs, history.
nlohmann::ordered_json fixture_config(const FixtureImage& image);
// One layer with a single file.
std::string one_file_layer(const std::string& name, const std::string& content);

// `docker save` (legacy) layout: manifest.json, <hex>.json config, <id>/layer.tar.
std::vector<RawEntry> legacy_archive_entries(const FixtureImage& image, const std::vector<std::string>& tags);
void write_legacy_docker_archive(const std::filesystem::path& path, const FixtureImage& image,
                                 const std::vector<std::string>& tags);
// An OCI layout directory holding `images`: one index.json entry each, or, with
// `as_index`, a single entry pointing to an image index of all of them.
void write_oci_layout(const std::filesystem::path& directory, const std::vector<FixtureImage>& images,
                      bool as_index, const std::string& ref_name = "latest");
// Writes `bytes` as blobs/sha256/<hex> of the layout `directory`, returning its descriptor.
nlohmann::ordered_json write_layout_blob(const std::filesystem::path& directory, const std::string& bytes,
                                         const std::string& media_type);
// Tars a directory's files (sorted) into an archive, as an oci-archive.
void tar_directory(const std::filesystem::path& directory, const std::filesystem::path& archive);

}  // namespace chalk::testing
