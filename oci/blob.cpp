#include "oci/blob.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace oci {

bool is_index_media_type(std::string_view type) {
  return type == media_type::oci_index || type == media_type::docker_manifest_list;
}

bool is_manifest_media_type(std::string_view type) {
  return type == media_type::oci_manifest || type == media_type::docker_manifest;
}

Result<Descriptor> Descriptor::from_json(const Json& json, std::string_view what) {
  if (!json.is_object())
    return make_error(Errc::invalid_format, std::string(what) + ": descriptor is not an object");
  Descriptor descriptor;
  auto type = optional_member(json, "mediaType", JsonType::string, what, "mediaType");
  if (!type) return type.error();
  if (*type != nullptr) descriptor.media_type = (*type)->get<std::string>();
  auto digest_text = string_field(json, "digest", what);
  if (!digest_text) return digest_text.error();
  auto digest = Digest::parse(*digest_text);
  if (!digest) return digest.error().with_context(std::string(what));
  descriptor.digest = *digest;
  const auto size = json.find("size");
  if (size == json.end()) return make_error(Errc::invalid_format, std::string(what) + ": missing `size`");
  CHALK_TRY(expect_type(*size, JsonType::unsigned_integer, what, "size"));
  descriptor.size = size->get<std::uint64_t>();
  auto annotations = optional_member(json, "annotations", JsonType::object, what, "annotations");
  if (!annotations) return annotations.error();
  if (*annotations != nullptr)
    CHALK_TRY(expect_members(**annotations, JsonType::string, what, "annotations"));
  auto platform = optional_member(json, "platform", JsonType::object, what, "platform");
  if (!platform) return platform.error();
  if (*platform != nullptr) {
    for (const char* key : {"os", "architecture", "variant"}) {
      auto text = optional_member(**platform, key, JsonType::string, what, std::string("platform.") + key);
      if (!text) return text.error();
    }
  }
  descriptor.raw = json;
  return descriptor;
}

Json Descriptor::to_json() const {
  Json json = raw.is_object() ? raw : Json::object();
  if (!media_type.empty()) json["mediaType"] = media_type;
  json["digest"] = digest.str();
  json["size"] = size;
  return json;
}

FileRangeStream::FileRangeStream(std::shared_ptr<const File> file, std::uint64_t offset, std::uint64_t size)
    : m_file(std::move(file)), m_position(offset), m_end(offset + size) {}

Result<std::size_t> FileRangeStream::read(void* buffer, std::size_t size) {
  const std::uint64_t left = m_end - m_position;
  const auto wanted = static_cast<std::size_t>(std::min<std::uint64_t>(left, size));
  if (wanted == 0) return std::size_t{0};
  auto got = m_file->read_some_at(m_position, buffer, wanted);
  if (!got) return got.error();
  if (*got == 0) {
    return make_error(Errc::invalid_format,
                      "reading `" + m_file->path().string() + "`: unexpected end of file (truncated?)");
  }
  m_position += *got;
  return *got;
}

Result<std::size_t> MemoryStream::read(void* buffer, std::size_t size) {
  const std::size_t count = std::min(size, m_bytes.size() - m_position);
  std::memcpy(buffer, m_bytes.data() + m_position, count);
  m_position += count;
  return count;
}

BlobCheck::BlobCheck(Descriptor expected, std::string what)
    : m_expected(std::move(expected)), m_what(std::move(what)) {}

Status BlobCheck::update(const void* data, std::size_t size) {
  m_seen += size;
  if (m_seen > m_expected.size) {
    return make_error(Errc::size_mismatch, m_what + ": larger than the " + std::to_string(m_expected.size) +
                                               " bytes its descriptor declares");
  }
  m_hash.update(data, size);
  return {};
}

Status BlobCheck::finish() {
  if (m_seen != m_expected.size) {
    return make_error(Errc::size_mismatch, m_what + ": " + std::to_string(m_seen) +
                                               " bytes, but its descriptor declares " +
                                               std::to_string(m_expected.size));
  }
  const auto actual = m_hash.finish();
  if (actual != m_expected.digest) {
    return make_error(Errc::digest_mismatch,
                      m_what + ": content hashes to " + actual.str() + ", not the declared digest");
  }
  return {};
}

VerifiedReader::VerifiedReader(std::unique_ptr<ByteStream> inner, Descriptor expected, std::string what)
    : m_inner(std::move(inner)), m_check(std::move(expected), std::move(what)) {}

Result<std::size_t> VerifiedReader::read(void* buffer, std::size_t size) {
  if (m_done) return std::size_t{0};
  auto got = m_inner->read(buffer, size);
  if (!got) return got.error().with_context(m_check.what());
  if (*got > 0) {
    if (auto ok = m_check.update(buffer, *got); !ok) return ok.error();
    return got;
  }
  m_done = true;
  if (auto ok = m_check.finish(); !ok) return ok.error();
  return std::size_t{0};
}

Result<std::optional<FileRange>> BlobSource::open_range(const Descriptor&) const {
  return std::optional<FileRange>{};
}

std::string describe_blob(const BlobSource& source, const Descriptor& descriptor) {
  return "blob " + descriptor.digest.str() + " in " + source.describe();
}

Result<std::unique_ptr<ByteStream>> open_blob(const BlobSource& source, const Descriptor& descriptor) {
  auto raw = source.open_raw(descriptor);
  if (!raw) return raw.error();
  return std::unique_ptr<ByteStream>(
      std::make_unique<VerifiedReader>(std::move(*raw), descriptor, describe_blob(source, descriptor)));
}

Result<std::string> read_blob(const BlobSource& source, const Descriptor& descriptor) {
  if (descriptor.size > k_max_metadata_blob) {
    return make_error(Errc::size_mismatch, describe_blob(source, descriptor) + " declares " +
                                               std::to_string(descriptor.size) +
                                               " bytes, too large for a manifest, index or config");
  }
  auto stream = open_blob(source, descriptor);
  if (!stream) return stream.error();
  std::string bytes(static_cast<std::size_t>(descriptor.size), '\0');
  std::size_t filled = 0;
  for (;;) {
    char extra = 0;
    void* target =
        filled < bytes.size() ? static_cast<void*>(bytes.data() + filled) : static_cast<void*>(&extra);
    const std::size_t room = filled < bytes.size() ? bytes.size() - filled : 1;
    auto got = (*stream)->read(target, room);
    if (!got) return got.error();
    if (*got == 0) break;
    filled += *got;
  }
  return bytes;
}

Result<Digest> hash_stream(ByteStream& from) {
  std::vector<char> buffer(1 << 20);
  Sha256 hash;
  for (;;) {
    auto got = from.read(buffer.data(), buffer.size());
    if (!got) return got.error();
    if (*got == 0) return hash.finish();
    hash.update(buffer.data(), *got);
  }
}

Result<std::uint64_t> copy_stream(ByteStream& from, File& to) {
  std::vector<char> buffer(1 << 20);
  std::uint64_t total = 0;
  for (;;) {
    auto got = from.read(buffer.data(), buffer.size());
    if (!got) return got.error();
    if (*got == 0) return total;
    if (auto written = to.write_all(buffer.data(), *got); !written) return written.error();
    total += *got;
  }
}

LocalBlob::LocalBlob(std::filesystem::path path, Descriptor descriptor, BlobFile file)
    : m_path(std::move(path)), m_descriptor(std::move(descriptor)), m_file(file) {
  if (m_file == BlobFile::temporary) TempRegistry::process().add(m_path);
}

LocalBlob::~LocalBlob() {
  if (m_file == BlobFile::temporary) {
    std::error_code ignored;
    std::filesystem::remove(m_path, ignored);
    TempRegistry::process().forget(m_path);
  }
}

OverlaySource::OverlaySource(std::shared_ptr<const BlobSource> base,
                             std::map<Digest, std::shared_ptr<const LocalBlob>> added)
    : m_base(std::move(base)), m_added(std::move(added)) {}

Result<std::unique_ptr<ByteStream>> OverlaySource::open_raw(const Descriptor& descriptor) const {
  if (m_added.count(descriptor.digest) != 0) {
    auto range = open_range(descriptor);
    if (!range) return range.error();
    return std::unique_ptr<ByteStream>(
        std::make_unique<FileRangeStream>((*range)->file, (*range)->offset, (*range)->size));
  }
  if (!m_base) return make_error(Errc::not_found, "blob " + descriptor.digest.str() + " not found");
  return m_base->open_raw(descriptor);
}

Result<std::optional<FileRange>> OverlaySource::open_range(const Descriptor& descriptor) const {
  if (auto it = m_added.find(descriptor.digest); it != m_added.end()) {
    auto file = File::open_read(it->second->path());
    if (!file) return file.error();
    return std::optional<FileRange>(
        FileRange{std::make_shared<const File>(std::move(*file)), 0, it->second->descriptor().size});
  }
  if (!m_base) return std::optional<FileRange>{};
  return m_base->open_range(descriptor);
}

std::string OverlaySource::describe() const { return m_base ? m_base->describe() : "new blobs"; }

}  // namespace oci
