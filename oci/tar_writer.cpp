// The one file that talks to libarchive: its status codes become oci::Error here.
#include "oci/tar_writer.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <memory>
#include <vector>

#include "oci/range_copy.hpp"
#include "oci/tar_index.hpp"

namespace oci {

struct TarWriter::State {
  archive* handle = nullptr;
  File* output = nullptr;
  std::string what;
  Sha256 hash;
  bool hashing = true;
  // Writes reach `output` as libarchive makes them (no 1 MiB blocking), so raw bytes
  // written between entries (add_file_range) land in order.
  bool unblocked = false;
  std::uint64_t written = 0;
  std::optional<Error> write_error;
};

namespace {

la_ssize_t write_callback(archive*, void* client, const void* buffer, size_t length) {
  auto* state = static_cast<TarWriter::State*>(client);
  if (auto ok = state->output->write_all(buffer, length); !ok) {
    state->write_error = ok.error();
    return -1;
  }
  if (state->hashing) state->hash.update(buffer, length);
  state->written += length;
  return static_cast<la_ssize_t>(length);
}

std::string archive_message(archive* handle) {
  const char* text = archive_error_string(handle);
  return text != nullptr ? text : "unknown libarchive error";
}

// Every tar we write: ustar headers, pax extensions only for what ustar cannot hold.
void set_tar_format(archive* handle) { archive_write_set_format_pax_restricted(handle); }

using EntryPointer = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

EntryPointer regular_entry(const std::string& name, int mode, std::uint64_t size, std::int64_t mtime) {
  EntryPointer entry(archive_entry_new(), &archive_entry_free);
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), static_cast<mode_t>(mode));
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  archive_entry_set_mtime(entry.get(), mtime, 0);
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);
  return entry;
}

// Keeps what libarchive writes until `done` is set; the padding and end-of-archive blocks
// that closing the writer emits after that are dropped.
struct HeaderCapture {
  std::string bytes;
  bool done = false;
};

la_ssize_t capture_callback(archive*, void* client, const void* buffer, size_t length) {
  auto* capture = static_cast<HeaderCapture*>(client);
  if (!capture->done) capture->bytes.append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

// The header bytes libarchive writes for `entry` (the same as in a whole archive: each
// header depends on its entry only). The writer is closed normally, not failed: libarchive
// frees its output buffer only on close, so a failed writer leaks it.
Result<std::string> header_bytes(archive_entry* entry, const std::string& what) {
  HeaderCapture capture;
  archive* handle = archive_write_new();
  if (handle == nullptr) return make_error(Errc::io, "creating a tar writer: out of memory");
  set_tar_format(handle);
  archive_write_set_bytes_per_block(handle, 0);
  int status = archive_write_open2(handle, &capture, nullptr, capture_callback, nullptr, nullptr);
  if (status == ARCHIVE_OK) status = archive_write_header(handle, entry);
  const std::string message = status == ARCHIVE_OK ? "" : archive_message(handle);
  capture.done = true;
  archive_write_close(handle);
  archive_write_free(handle);
  if (status != ARCHIVE_OK) {
    return make_error(Errc::io, "writing tar header `" + std::string(archive_entry_pathname(entry)) +
                                    "` to `" + what + "`: " + message);
  }
  return std::move(capture.bytes);
}

}  // namespace

Error TarWriter::archive_failure(const std::string& doing) const {
  if (m_state->write_error) {
    // The write error names the output itself: "writing `a` to" loses its dangling " to".
    std::string_view context = doing;
    if (context.size() > 3 && context.substr(context.size() - 3) == " to") context.remove_suffix(3);
    return m_state->write_error->with_context(context);
  }
  return make_error(Errc::io, doing + " `" + m_state->what + "`: " + archive_message(m_state->handle));
}

Result<std::unique_ptr<TarWriter>> TarWriter::open(File& output, Compression compression, std::string what,
                                                   bool hash) {
  std::unique_ptr<TarWriter> writer(new TarWriter());
  writer->m_state = std::make_unique<State>();
  auto& state = *writer->m_state;
  state.hashing = hash;
  state.unblocked = !hash && compression == Compression::none;
  state.output = &output;
  state.what = std::move(what);
  state.handle = archive_write_new();
  if (state.handle == nullptr) return make_error(Errc::io, "creating a tar writer: out of memory");
  set_tar_format(state.handle);
  if (compression == Compression::gzip) {
    archive_write_add_filter_gzip(state.handle);
    // No original name and no timestamp in the gzip header: same input, same bytes.
    archive_write_set_filter_option(state.handle, "gzip", "timestamp", nullptr);
  }
  // Compressed or hashed output (layers of many small files) in large blocks: one write(2)
  // per MiB instead of per 10 KiB; archives of blobs unblocked. No padding after the last.
  archive_write_set_bytes_per_block(state.handle, state.unblocked ? 0 : 1 << 20);
  archive_write_set_bytes_in_last_block(state.handle, 1);
  if (archive_write_open2(state.handle, &state, nullptr, write_callback, nullptr, nullptr) != ARCHIVE_OK) {
    return writer->archive_failure("opening tar output");
  }
  return writer;
}

TarWriter::~TarWriter() {
  if (m_state && m_state->handle != nullptr) archive_write_free(m_state->handle);
}

Status TarWriter::header(const std::string& name, int mode, std::uint64_t size, std::int64_t mtime) {
  const auto entry = regular_entry(name, mode, size, mtime);
  if (archive_write_header(m_state->handle, entry.get()) != ARCHIVE_OK)
    return archive_failure("writing tar header `" + name + "` to");
  return {};
}

Status TarWriter::add_file_range(const std::string& name, int mode, const FileRange& range,
                                 std::int64_t mtime, const std::function<void(std::uint64_t)>& progress) {
  if (!m_state->unblocked) {
    return make_error(Errc::invalid_argument, "writing `" + name + "` to `" + m_state->what +
                                                  "`: a hashed or compressed tar takes streams only");
  }
  // The previous entry's padding, which libarchive otherwise writes with the next header.
  if (archive_write_finish_entry(m_state->handle) != ARCHIVE_OK)
    return archive_failure("writing `" + name + "` to");
  auto header = header_bytes(regular_entry(name, mode, range.size, mtime).get(), m_state->what);
  if (!header) return header.error();
  CHALK_TRY(m_state->output->write_all(*header));
  CHALK_TRY(copy_range(range, *m_state->output, CopyMethod::copy_file_range, progress));
  constexpr std::size_t k_tar_block = 512;
  static constexpr std::array<char, k_tar_block> k_zeros{};
  const std::size_t padding = (k_tar_block - range.size % k_tar_block) % k_tar_block;
  CHALK_TRY(m_state->output->write_all(k_zeros.data(), padding));
  m_state->written += header->size() + range.size + padding;
  return {};
}

Status TarWriter::add_bytes(const std::string& name, int mode, std::string_view bytes, std::int64_t mtime) {
  if (auto ok = header(name, mode, bytes.size(), mtime); !ok) return ok;
  if (!bytes.empty() && archive_write_data(m_state->handle, bytes.data(), bytes.size()) !=
                            static_cast<la_ssize_t>(bytes.size())) {
    return archive_failure("writing `" + name + "` to");
  }
  return {};
}

Status TarWriter::add_stream(const std::string& name, int mode, std::uint64_t size, ByteStream& from,
                             std::int64_t mtime, const std::function<void(std::uint64_t)>& progress) {
  if (auto ok = header(name, mode, size, mtime); !ok) return ok;
  std::vector<char> buffer(1 << 20);
  std::uint64_t copied = 0;
  for (;;) {
    auto got = from.read(buffer.data(), buffer.size());
    if (!got) return got.error();
    if (*got == 0) break;
    if (copied + *got > size) break;  // the verified source reports the size error itself
    if (archive_write_data(m_state->handle, buffer.data(), *got) != static_cast<la_ssize_t>(*got)) {
      return archive_failure("writing `" + name + "` to");
    }
    copied += *got;
    if (progress) progress(copied);
  }
  if (copied != size) {
    return make_error(Errc::size_mismatch, "writing `" + name + "`: source gave " + std::to_string(copied) +
                                               " bytes, expected " + std::to_string(size));
  }
  return {};
}

Result<Descriptor> TarWriter::finish() {
  if (archive_write_close(m_state->handle) != ARCHIVE_OK) return archive_failure("finishing");
  Descriptor descriptor;
  if (m_state->hashing) descriptor.digest = m_state->hash.finish();
  descriptor.size = m_state->written;
  return descriptor;
}

Result<Descriptor> gzip_file(const File& input, File& output, const std::string& what) {
  TarWriter::State state;
  state.output = &output;
  state.what = what;
  state.handle = archive_write_new();
  archive_write_set_format_raw(state.handle);
  archive_write_add_filter_gzip(state.handle);
  archive_write_set_filter_option(state.handle, "gzip", "timestamp", nullptr);
  archive_write_set_bytes_in_last_block(state.handle, 1);
  auto fail = [&](const std::string& doing) -> Error {
    Error error = state.write_error
                      ? state.write_error->with_context(doing)
                      : make_error(Errc::io, doing + " `" + what + "`: " + archive_message(state.handle));
    archive_write_free(state.handle);
    return error;
  };
  if (archive_write_open2(state.handle, &state, nullptr, write_callback, nullptr, nullptr) != ARCHIVE_OK) {
    return fail("compressing");
  }
  archive_entry* entry = archive_entry_new();
  archive_entry_set_filetype(entry, AE_IFREG);
  const int header_status = archive_write_header(state.handle, entry);
  archive_entry_free(entry);
  if (header_status != ARCHIVE_OK) return fail("compressing");
  std::vector<char> buffer(1 << 20);
  std::uint64_t offset = 0;
  for (;;) {
    auto got = input.read_some_at(offset, buffer.data(), buffer.size());
    if (!got) {
      archive_write_free(state.handle);
      return got.error();
    }
    if (*got == 0) break;
    if (archive_write_data(state.handle, buffer.data(), *got) < 0) return fail("compressing");
    offset += *got;
  }
  if (archive_write_close(state.handle) != ARCHIVE_OK) return fail("compressing");
  archive_write_free(state.handle);
  Descriptor descriptor;
  descriptor.digest = state.hash.finish();
  descriptor.size = state.written;
  return descriptor;
}

namespace {

// Feeds a ByteStream to libarchive.
struct ReadState {
  std::unique_ptr<ByteStream> stream;
  std::vector<char> buffer = std::vector<char>(1 << 20);
  std::optional<Error> error;
};

la_ssize_t read_callback(archive*, void* client, const void** buffer) {
  auto* state = static_cast<ReadState*>(client);
  auto got = state->stream->read(state->buffer.data(), state->buffer.size());
  if (!got) {
    state->error = got.error();
    return -1;
  }
  *buffer = state->buffer.data();
  return static_cast<la_ssize_t>(*got);
}

class ArchiveReader {
 public:
  ArchiveReader(std::unique_ptr<ByteStream> stream, std::string what, bool raw)
      : m_handle(archive_read_new()), m_what(std::move(what)) {
    m_state.stream = std::move(stream);
    archive_read_support_filter_gzip(m_handle);
    archive_read_support_filter_zstd(m_handle);
    archive_read_support_filter_none(m_handle);
    if (raw) {
      archive_read_support_format_raw(m_handle);
    } else {
      archive_read_support_format_tar(m_handle);
    }
  }
  ~ArchiveReader() { archive_read_free(m_handle); }
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  Status open() {
    if (archive_read_open(m_handle, &m_state, nullptr, read_callback, nullptr) != ARCHIVE_OK)
      return failure("opening");
    return {};
  }
  Error failure(const std::string& doing) const {
    if (m_state.error) return *m_state.error;
    return make_error(Errc::invalid_format, doing + " " + m_what + ": " + archive_message(m_handle));
  }
  archive* handle() { return m_handle; }
  // Reads what libarchive left unread, so a verifying stream reaches its end and checks.
  Status drain() {
    for (;;) {
      auto got = m_state.stream->read(m_state.buffer.data(), m_state.buffer.size());
      if (!got) return got.error();
      if (*got == 0) return {};
    }
  }

 private:
  archive* m_handle;
  std::string m_what;
  ReadState m_state;
};

class DecompressedStream final : public ByteStream {
 public:
  DecompressedStream(std::unique_ptr<ByteStream> compressed, std::string what)
      : m_reader(std::move(compressed), what, true), m_what(std::move(what)) {}
  Status start() {
    if (auto ok = m_reader.open(); !ok) return ok;
    archive_entry* entry = nullptr;
    if (archive_read_next_header(m_reader.handle(), &entry) != ARCHIVE_OK)
      return m_reader.failure("decompressing");
    return {};
  }
  Result<std::size_t> read(void* buffer, std::size_t size) override {
    const la_ssize_t got = archive_read_data(m_reader.handle(), buffer, size);
    if (got < 0) return m_reader.failure("decompressing");
    if (got == 0) {
      if (auto drained = m_reader.drain(); !drained) return drained.error();
    }
    return static_cast<std::size_t>(got);
  }

 private:
  ArchiveReader m_reader;
  std::string m_what;
};

}  // namespace

Result<std::unique_ptr<ByteStream>> open_decompressed(std::unique_ptr<ByteStream> compressed,
                                                      std::string what) {
  auto stream = std::make_unique<DecompressedStream>(std::move(compressed), std::move(what));
  if (auto ok = stream->start(); !ok) return ok.error();
  return std::unique_ptr<ByteStream>(std::move(stream));
}

Result<std::optional<std::string>> read_file_from_layer(std::unique_ptr<ByteStream> layer,
                                                        std::string_view name, std::uint64_t limit,
                                                        std::string what) {
  ArchiveReader reader(std::move(layer), what, false);
  if (auto ok = reader.open(); !ok) return ok.error();
  archive_entry* entry = nullptr;
  std::optional<std::string> found;
  for (;;) {
    const int status = archive_read_next_header(reader.handle(), &entry);
    if (status == ARCHIVE_EOF) {
      if (auto drained = reader.drain(); !drained) return drained.error();
      return found;
    }
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) return reader.failure("reading");
    const char* path = archive_entry_pathname(entry);
    const auto normalized = normalize_archive_path(path != nullptr ? path : "");
    if (found || !normalized || *normalized != name || archive_entry_filetype(entry) != AE_IFREG) continue;
    const auto size = archive_entry_size(entry);
    if (size < 0 || static_cast<std::uint64_t>(size) > limit) {
      return make_error(Errc::invalid_format, what + ": `" + std::string(name) + "` is larger than " +
                                                  std::to_string(limit) + " bytes");
    }
    std::string content(static_cast<std::size_t>(size), '\0');
    std::size_t filled = 0;
    while (filled < content.size()) {
      const la_ssize_t got =
          archive_read_data(reader.handle(), content.data() + filled, content.size() - filled);
      if (got < 0) return reader.failure("reading");
      if (got == 0)
        return make_error(Errc::invalid_format, what + ": `" + std::string(name) + "` is truncated");
      filled += static_cast<std::size_t>(got);
    }
    found = std::move(content);
  }
}

}  // namespace oci
