#include "plugin/embedded/embedded.hpp"

#include <sys/stat.h>

#include <cstring>
#include <memory>
#include <vector>

#include "oci/digest.hpp"
#include "oci/file_io.hpp"
#include "oci/tar_writer.hpp"
#include "plugin/config/config.hpp"

extern "C" {
extern const char chalk_default_config_start[];
extern const char chalk_default_config_end[];
// Weak: a build without the static shim links without it. zstd-compressed (a third of its size).
extern const char chalk_shim_zst_start[] __attribute__((weak));
extern const char chalk_shim_zst_end[] __attribute__((weak));
extern const char chalk_shim_sha256[] __attribute__((weak));  // 64 hex digits, computed at build
}

namespace chalk::embedded {

namespace fs = std::filesystem;

namespace {

constexpr char k_trailer_magic[16] = {'C', 'H', 'A', 'L', 'K', '-', 'C', '4',
                                      'M', '-', 'T', 'R', 'A', 'I', 'L', 'R'};
constexpr std::size_t k_trailer_size = 8 + sizeof k_trailer_magic;

struct Layout {
  std::uint64_t program_size = 0;  // bytes before any appended config
  std::optional<std::string> config;
};

util::Result<Layout> read_layout(const fs::path& executable) {
  auto file = oci::File::open_read(executable);
  if (!file) return file.error();
  auto size = file->size();
  if (!size) return size.error();
  Layout layout;
  layout.program_size = *size;
  if (*size < k_trailer_size) return layout;
  char trailer[k_trailer_size];
  if (auto ok = file->read_at(*size - k_trailer_size, trailer, sizeof trailer); !ok) return ok.error();
  if (std::memcmp(trailer + 8, k_trailer_magic, sizeof k_trailer_magic) != 0) return layout;
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(trailer[i]);
  if (length > config::k_max_config_size || length > *size - k_trailer_size) {
    return util::make_error(util::Errc::invalid_format,
                            "`" + executable.string() + "`: corrupt embedded config trailer");
  }
  std::string config(static_cast<std::size_t>(length), '\0');
  layout.program_size = *size - k_trailer_size - length;
  if (auto ok = file->read_at(layout.program_size, config.data(), config.size()); !ok) return ok.error();
  layout.config = std::move(config);
  return layout;
}

// The compressed copy unpacked, and checked against the digest taken when it was built.
util::Result<std::string> unpack_shim() {
  const std::string what = "the shim embedded in " + self_path().string();
  auto stream = oci::open_decompressed(
      std::make_unique<oci::MemoryStream>(std::string(
          chalk_shim_zst_start, static_cast<std::size_t>(chalk_shim_zst_end - chalk_shim_zst_start))),
      what);
  if (!stream) return stream.error();
  std::string bytes;
  std::vector<char> buffer(1 << 20);
  while (true) {
    auto got = (*stream)->read(buffer.data(), buffer.size());
    if (!got) return got.error();
    if (*got == 0) break;
    bytes.append(buffer.data(), *got);
  }
  if (oci::sha256_digest(bytes).hex() != shim_sha256()) {
    return util::make_error(util::Errc::invalid_format,
                            what + ": its unpacked bytes do not match the sha256 " +
                                std::string(shim_sha256()) + " taken when it was built");
  }
  return bytes;
}

}  // namespace

bool has_shim() { return chalk_shim_zst_start != nullptr && chalk_shim_zst_end != nullptr; }

util::Result<std::string_view> shim() {
  if (!has_shim()) return std::string_view{};
  static const util::Result<std::string> k_unpacked = unpack_shim();
  if (!k_unpacked) return k_unpacked.error();
  return std::string_view(*k_unpacked);
}

std::string_view shim_sha256() {
  if (chalk_shim_sha256 == nullptr) return {};
  return {chalk_shim_sha256, 64};
}

std::string_view default_config() {
  return {chalk_default_config_start,
          static_cast<std::size_t>(chalk_default_config_end - chalk_default_config_start)};
}

util::Result<std::optional<std::string>> read_loaded_config(const fs::path& executable) {
  auto layout = read_layout(executable);
  if (!layout) return layout.error();
  return std::move(layout->config);
}

util::Result<std::string> current_config(const fs::path& executable) {
  auto loaded = read_loaded_config(executable);
  if (!loaded) return loaded.error();
  if (*loaded) return std::move(**loaded);
  return std::string(default_config());
}

util::Status write_with_config(const fs::path& executable, std::string_view config,
                               const fs::path& destination) {
  auto layout = read_layout(executable);
  if (!layout) return layout.error();
  auto input = oci::File::open_read(executable);
  if (!input) return input.error();
  struct stat info {};
  if (::fstat(input->fd(), &info) != 0)
    return util::make_error(util::Errc::io, "reading `" + executable.string() + "`");
  auto output = oci::AtomicFile::create(destination);
  if (!output) return output.error();
  std::vector<char> buffer(1 << 20);
  for (std::uint64_t offset = 0; offset < layout->program_size;) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), layout->program_size - offset));
    if (auto ok = input->read_at(offset, buffer.data(), want); !ok) return ok;
    if (auto ok = output->file().write_all(buffer.data(), want); !ok) return ok;
    offset += want;
  }
  char trailer[k_trailer_size];
  std::uint64_t length = config.size();
  for (int i = 0; i < 8; ++i, length >>= 8) trailer[i] = static_cast<char>(length & 0xff);
  std::memcpy(trailer + 8, k_trailer_magic, sizeof k_trailer_magic);
  if (auto ok = output->file().write_all(config); !ok) return ok;
  if (auto ok = output->file().write_all(trailer, sizeof trailer); !ok) return ok;
  if (::fchmod(output->file().fd(), info.st_mode & 07777) != 0) {
    return util::make_error(util::Errc::io, "setting the mode of `" + output->file().path().string() + "`");
  }
  return output->commit(true);
}

fs::path self_path() {
  std::error_code error;
  auto path = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path("/proc/self/exe") : path;
}

}  // namespace chalk::embedded
