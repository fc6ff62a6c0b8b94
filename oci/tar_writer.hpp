// Writes tar streams with libarchive: deterministic entries (uid/gid 0, no names, fixed
// mtime), optionally gzip-compressed without a file name or time in the gzip header,
// into a File while hashing exactly the bytes written.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "oci/blob.hpp"
#include "oci/file_io.hpp"

namespace oci {

enum class Compression { none, gzip };

class TarWriter {
 public:
  // `output` must outlive the writer; `what` names the output for errors. With `hash`,
  // finish() returns the digest of every byte written (for layers we create; an archive's
  // own digest is never needed, and hashing it would double the work of a copy).
  static Result<std::unique_ptr<TarWriter>> open(File& output, Compression compression, std::string what,
                                                 bool hash = false);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  Status add_bytes(const std::string& name, int mode, std::string_view bytes, std::int64_t mtime);
  // Copies a file range into an entry by the kernel (copy_range), not through this
  // process; only for writers that neither hash nor compress. `progress` gets the
  // running total.
  Status add_file_range(const std::string& name, int mode, const FileRange& range, std::int64_t mtime,
                        const std::function<void(std::uint64_t)>& progress = {});
  // Streams `size` bytes from `from` into the entry; `progress` gets the running total.
  Status add_stream(const std::string& name, int mode, std::uint64_t size, ByteStream& from,
                    std::int64_t mtime, const std::function<void(std::uint64_t)>& progress = {});
  // Writes the end-of-archive marker and flushes; returns the size of all bytes written
  // to `output` and, when hashing, their digest.
  Result<Descriptor> finish();

  struct State;  // opaque; public so the libarchive callbacks in the .cpp can name it

 private:
  TarWriter() = default;
  Status header(const std::string& name, int mode, std::uint64_t size, std::int64_t mtime);
  Error archive_failure(const std::string& doing) const;

  std::unique_ptr<State> m_state;
};

// Compresses `input` (its whole content) with gzip into `output`, deterministically.
Result<Descriptor> gzip_file(const File& input, File& output, const std::string& what);

// A stream of the uncompressed bytes of a (possibly gzip/zstd-compressed) blob.
Result<std::unique_ptr<ByteStream>> open_decompressed(std::unique_ptr<ByteStream> compressed,
                                                      std::string what);

// Reads one regular file (by name, "./" prefixes ignored) from a layer tar stream,
// refusing more than `limit` bytes; nullopt when the layer has no such file.
Result<std::optional<std::string>> read_file_from_layer(std::unique_ptr<ByteStream> layer,
                                                        std::string_view name, std::uint64_t limit,
                                                        std::string what);

}  // namespace oci
