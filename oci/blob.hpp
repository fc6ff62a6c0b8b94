// Descriptors and blobs. A blob is only ever read through a VerifiedReader, which checks
// the descriptor's size as bytes arrive and the digest at end of file, so no corrupt or
// substituted layer can pass unnoticed, and nothing is buffered beyond one chunk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "oci/digest.hpp"
#include "oci/file_io.hpp"
#include "oci/json.hpp"
#include "oci/result.hpp"

namespace oci {

namespace media_type {
inline constexpr const char* oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* oci_config = "application/vnd.oci.image.config.v1+json";
inline constexpr const char* oci_layer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr const char* oci_layer_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr const char* oci_layer_zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr const char* docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* docker_manifest_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr const char* docker_config = "application/vnd.docker.container.image.v1+json";
inline constexpr const char* docker_layer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr const char* docker_layer_gzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
}  // namespace media_type

bool is_index_media_type(std::string_view type);
bool is_manifest_media_type(std::string_view type);

// The largest manifest, index or config we agree to hold in memory.
inline constexpr std::uint64_t k_max_metadata_blob = 8 << 20;

struct Descriptor {
  std::string media_type;
  Digest digest;
  std::uint64_t size = 0;
  Json raw = Json::object();  // the descriptor as read (platform, annotations, urls...) kept as is

  // Validates mediaType, digest and size; `what` names the descriptor for errors.
  static Result<Descriptor> from_json(const Json& json, std::string_view what);
  // `raw` with mediaType, digest and size set to this descriptor's values.
  [[nodiscard]] Json to_json() const;
};

// A readable stream of raw bytes (a file range, a decompressor...).
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to `size` bytes; 0 means end of stream.
  virtual Result<std::size_t> read(void* buffer, std::size_t size) = 0;
};

// Bytes [offset, offset+size) of an open file: a blob that can be copied by the kernel.
struct FileRange {
  std::shared_ptr<const File> file;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

// Bytes [offset, offset+size) of a file.
class FileRangeStream final : public ByteStream {
 public:
  FileRangeStream(std::shared_ptr<const File> file, std::uint64_t offset, std::uint64_t size);
  Result<std::size_t> read(void* buffer, std::size_t size) override;

 private:
  std::shared_ptr<const File> m_file;
  std::uint64_t m_position;
  std::uint64_t m_end;
};

// Bytes held in memory (a small tar docker printed, say).
class MemoryStream final : public ByteStream {
 public:
  explicit MemoryStream(std::string bytes) : m_bytes(std::move(bytes)) {}
  Result<std::size_t> read(void* buffer, std::size_t size) override;

 private:
  std::string m_bytes;
  std::size_t m_position = 0;
};

// Checks bytes fed in order against a descriptor: never more than `size` bytes, and at
// finish() exactly `size` bytes hashing to `digest`. `what` starts each error.
class BlobCheck {
 public:
  BlobCheck(Descriptor expected, std::string what);
  Status update(const void* data, std::size_t size);
  Status finish();
  [[nodiscard]] const std::string& what() const { return m_what; }

 private:
  Descriptor m_expected;
  std::string m_what;
  Sha256 m_hash;
  std::uint64_t m_seen = 0;
};

// Wraps a stream and checks it against a descriptor (BlobCheck) as bytes arrive.
class VerifiedReader final : public ByteStream {
 public:
  VerifiedReader(std::unique_ptr<ByteStream> inner, Descriptor expected, std::string what);
  Result<std::size_t> read(void* buffer, std::size_t size) override;

 private:
  std::unique_ptr<ByteStream> m_inner;
  BlobCheck m_check;
  bool m_done = false;
};

// Where an image's blobs live. Implementations open raw bytes; callers get verified ones.
class BlobSource {
 public:
  virtual ~BlobSource() = default;
  // The raw bytes of the blob with this digest, or not_found.
  virtual Result<std::unique_ptr<ByteStream>> open_raw(const Descriptor& descriptor) const = 0;
  // The raw bytes as a range of a local file, so they can be copied by the kernel;
  // nullopt when the source only streams (a registry). Unverified, like open_raw.
  virtual Result<std::optional<FileRange>> open_range(const Descriptor& descriptor) const;
  // Human-readable name for errors ("docker-archive `img.tar`").
  [[nodiscard]] virtual std::string describe() const = 0;
};

// How errors name a blob of `source` ("blob sha256:... in docker-archive `img.tar`").
std::string describe_blob(const BlobSource& source, const Descriptor& descriptor);
// A verified stream of a blob from `source`.
Result<std::unique_ptr<ByteStream>> open_blob(const BlobSource& source, const Descriptor& descriptor);
// Reads a small blob (manifest, config, index) fully and verifies it.
Result<std::string> read_blob(const BlobSource& source, const Descriptor& descriptor);
// The sha256 of everything left in a stream.
Result<Digest> hash_stream(ByteStream& from);
// Copies a stream to a file, returning the number of bytes copied.
Result<std::uint64_t> copy_stream(ByteStream& from, File& to);

// Where a LocalBlob's file lives: a temporary of ours (removed when the last reference goes,
// never flushed), or a file kept beyond this process and flushed when it was kept (the layer
// cache), so a writer linking it needs no flush of its own.
enum class BlobFile { temporary, kept };

// A blob created by us, held in a file.
class LocalBlob {
 public:
  LocalBlob(std::filesystem::path path, Descriptor descriptor, BlobFile file);
  ~LocalBlob();
  LocalBlob(const LocalBlob&) = delete;
  LocalBlob& operator=(const LocalBlob&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  [[nodiscard]] const Descriptor& descriptor() const { return m_descriptor; }
  [[nodiscard]] bool flushed() const { return m_file == BlobFile::kept; }

 private:
  std::filesystem::path m_path;
  Descriptor m_descriptor;
  BlobFile m_file;
};

// Blobs added by mutations, consulted before an image's original source.
class OverlaySource final : public BlobSource {
 public:
  OverlaySource(std::shared_ptr<const BlobSource> base,
                std::map<Digest, std::shared_ptr<const LocalBlob>> added);
  Result<std::unique_ptr<ByteStream>> open_raw(const Descriptor& descriptor) const override;
  Result<std::optional<FileRange>> open_range(const Descriptor& descriptor) const override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] const std::map<Digest, std::shared_ptr<const LocalBlob>>& added() const { return m_added; }
  [[nodiscard]] const std::shared_ptr<const BlobSource>& base() const { return m_base; }

 private:
  std::shared_ptr<const BlobSource> m_base;
  std::map<Digest, std::shared_ptr<const LocalBlob>> m_added;
};

}  // namespace oci
