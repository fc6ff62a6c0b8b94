#include "oci/tar_index.hpp"

#include <array>
#include <cstring>

namespace oci {

namespace {

constexpr std::size_t k_block = 512;

Error archive_error(const std::filesystem::path& path, const std::string& cause) {
  return make_error(Errc::invalid_format, "reading tar `" + path.string() + "`: " + cause);
}

std::string field_text(const char* field, std::size_t width) {
  std::size_t length = 0;
  while (length < width && field[length] != '\0') ++length;
  return std::string(field, length);
}

// Octal, space/NUL terminated; or GNU base-256 when the high bit of the first byte is set.
std::optional<std::uint64_t> parse_number(const char* field, std::size_t width) {
  const auto first = static_cast<unsigned char>(field[0]);
  if (first & 0x80) {
    if (first & 0x40) return std::nullopt;  // negative
    std::uint64_t value = first & 0x3f;
    for (std::size_t i = 1; i < width; ++i) {
      if (value >> 56) return std::nullopt;
      value = (value << 8) | static_cast<unsigned char>(field[i]);
    }
    return value;
  }
  std::uint64_t value = 0;
  std::size_t i = 0;
  while (i < width && field[i] == ' ') ++i;
  bool any = false;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value >> 60) return std::nullopt;
    value = value * 8 + static_cast<std::uint64_t>(field[i] - '0');
    any = true;
  }
  for (; i < width; ++i) {
    if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
  }
  return any ? std::optional(value) : std::optional<std::uint64_t>(0);
}

bool checksum_ok(const std::array<char, k_block>& header) {
  auto stored = parse_number(header.data() + 148, 8);
  if (!stored) return false;
  std::uint64_t unsigned_sum = 0;
  std::int64_t signed_sum = 0;
  for (std::size_t i = 0; i < k_block; ++i) {
    const bool in_checksum = i >= 148 && i < 156;
    const auto byte = in_checksum ? static_cast<unsigned char>(' ') : static_cast<unsigned char>(header[i]);
    unsigned_sum += byte;
    signed_sum += in_checksum ? ' ' : static_cast<signed char>(header[i]);
  }
  return *stored == unsigned_sum || static_cast<std::int64_t>(*stored) == signed_sum;
}

bool all_zero(const std::array<char, k_block>& header) {
  for (char c : header) {
    if (c != 0) return false;
  }
  return true;
}

// Parses "LEN key=value\n" records of a pax extended header.
std::map<std::string, std::string> parse_pax(std::string_view data) {
  std::map<std::string, std::string> records;
  while (!data.empty()) {
    const auto space = data.find(' ');
    if (space == std::string_view::npos) break;
    std::size_t length = 0;
    for (char c : data.substr(0, space)) {
      if (c < '0' || c > '9') return records;
      length = length * 10 + static_cast<std::size_t>(c - '0');
    }
    if (length <= space + 1 || length > data.size()) break;
    auto record = data.substr(space + 1, length - space - 2);  // drop trailing '\n'
    const auto equals = record.find('=');
    if (equals != std::string_view::npos) {
      records[std::string(record.substr(0, equals))] = std::string(record.substr(equals + 1));
    }
    data.remove_prefix(length);
  }
  return records;
}

}  // namespace

std::optional<std::string> normalize_archive_path(std::string_view name) {
  if (name.empty() || name.front() == '/') return std::nullopt;
  std::vector<std::string_view> parts;
  while (!name.empty()) {
    const auto slash = name.find('/');
    const auto part = name.substr(0, slash);
    name = slash == std::string_view::npos ? std::string_view{} : name.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    parts.push_back(part);
  }
  std::string joined;
  for (const auto& part : parts) {
    if (!joined.empty()) joined += '/';
    joined += part;
  }
  return joined;
}

std::optional<std::string> resolve_archive_link(std::string_view link_name, std::string_view target) {
  if (target.empty() || target.front() == '/') return std::nullopt;
  std::vector<std::string> parts;
  const auto slash = link_name.rfind('/');
  std::string combined = slash == std::string_view::npos
                             ? std::string(target)
                             : std::string(link_name.substr(0, slash + 1)) + std::string(target);
  std::string_view rest = combined;
  while (!rest.empty()) {
    const auto next = rest.find('/');
    const auto part = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  std::string joined;
  for (const auto& part : parts) {
    if (!joined.empty()) joined += '/';
    joined += part;
  }
  if (joined.empty()) return std::nullopt;
  return joined;
}

Result<TarIndex> TarIndex::read(const std::filesystem::path& path) {
  auto file = File::open_read(path);
  if (!file) return file.error().with_context("reading tar `" + path.string() + "`");
  auto file_size = file->size();
  if (!file_size) return file_size.error();

  TarIndex index;
  index.m_path = path;
  std::uint64_t offset = 0;
  std::optional<std::string> long_name;
  std::optional<std::string> long_link;
  std::map<std::string, std::string> pax;
  bool saw_end = false;
  std::array<char, k_block> header{};

  while (offset + k_block <= *file_size) {
    if (auto got = file->read_at(offset, header.data(), k_block); !got) return got.error();
    if (all_zero(header)) {
      saw_end = true;
      break;
    }
    if (!checksum_ok(header)) {
      return archive_error(
          path, "bad header checksum at offset " + std::to_string(offset) + " (not a tar file, or corrupt)");
    }
    auto size = parse_number(header.data() + 124, 12);
    if (!size) return archive_error(path, "malformed size field at offset " + std::to_string(offset));
    const char type_flag = header[156];
    const std::uint64_t data_offset = offset + k_block;
    if (*size > *file_size || data_offset > *file_size - *size) {
      return archive_error(path, "entry at offset " + std::to_string(offset) + " declares " +
                                     std::to_string(*size) +
                                     " bytes, past the end of the file (truncated archive?)");
    }
    const std::uint64_t padded = (*size + k_block - 1) / k_block * k_block;
    offset = data_offset + padded;

    if (type_flag == 'L' || type_flag == 'K' || type_flag == 'x') {
      constexpr std::uint64_t k_meta_limit = 1 << 20;
      if (*size > k_meta_limit) return archive_error(path, "extended header larger than 1 MiB");
      std::string data(static_cast<std::size_t>(*size), '\0');
      if (auto got = file->read_at(data_offset, data.data(), data.size()); !got) return got.error();
      if (type_flag == 'x') {
        for (auto& [key, value] : parse_pax(data)) pax[key] = value;
      } else {
        while (!data.empty() && data.back() == '\0') data.pop_back();
        (type_flag == 'L' ? long_name : long_link) = data;
      }
      continue;
    }
    if (type_flag == 'g') continue;

    std::string raw_name = field_text(header.data(), 100);
    if (std::memcmp(header.data() + 257, "ustar", 5) == 0) {
      const auto prefix = field_text(header.data() + 345, 155);
      if (!prefix.empty()) raw_name = prefix + "/" + raw_name;
    }
    if (long_name) raw_name = *long_name;
    if (auto it = pax.find("path"); it != pax.end()) raw_name = it->second;
    std::string link = field_text(header.data() + 157, 100);
    if (long_link) link = *long_link;
    if (auto it = pax.find("linkpath"); it != pax.end()) link = it->second;
    std::uint64_t entry_size = *size;
    if (auto it = pax.find("size"); it != pax.end()) {
      entry_size = std::strtoull(it->second.c_str(), nullptr, 10);
      if (entry_size > *file_size || data_offset > *file_size - entry_size) {
        return archive_error(
            path, "entry `" + raw_name + "` declares " + it->second + " bytes, past the end of the file");
      }
      offset = data_offset + (entry_size + k_block - 1) / k_block * k_block;
    }
    long_name.reset();
    long_link.reset();
    pax.clear();

    auto name = normalize_archive_path(raw_name);
    if (!name) {
      return make_error(Errc::unsafe_path, "reading tar `" + path.string() + "`: entry `" + raw_name +
                                               "` escapes the archive root (absolute path or `..`)");
    }
    if (name->empty()) continue;  // the root directory itself

    TarEntry entry;
    entry.name = *name;
    entry.data_offset = data_offset;
    switch (type_flag) {
      case '0':
      case '\0':
      case '7':
        entry.type = TarEntry::Type::regular;
        entry.size = entry_size;
        break;
      case '5':
        entry.type = TarEntry::Type::directory;
        break;
      case '2':
        entry.type = TarEntry::Type::symlink;
        break;
      case '1':
        entry.type = TarEntry::Type::hardlink;
        break;
      default:
        entry.type = TarEntry::Type::other;
        break;
    }
    if (entry.type == TarEntry::Type::symlink || entry.type == TarEntry::Type::hardlink) {
      entry.link_target = link;
      const auto resolved = entry.type == TarEntry::Type::symlink ? resolve_archive_link(entry.name, link)
                                                                  : normalize_archive_path(link);
      if (!resolved) {
        return make_error(Errc::unsafe_path, "reading tar `" + path.string() + "`: link `" + entry.name +
                                                 "` -> `" + link + "` escapes the archive root");
      }
      if (entry.type == TarEntry::Type::hardlink) {
        auto linked = index.link_now(entry, *resolved);
        if (!linked) return linked.error();
      }
    }
    index.place(std::move(entry));
  }
  if (!saw_end) {
    if (index.m_entries.empty() && offset == 0) return archive_error(path, "empty or not a tar file");
    return archive_error(path, "no end-of-archive marker (truncated archive?)");
  }
  return index;
}

// docker load extracts the archive in order, removing whatever is at a name before
// writing an entry there (a directory stays for a directory), so the last entry of a
// name wins and a file replacing a directory takes everything below it away.
void TarIndex::place(TarEntry entry) {
  if (entry.type != TarEntry::Type::directory) {
    const std::string below = entry.name + "/";
    m_by_name.erase(m_by_name.lower_bound(below),
                    m_by_name.lower_bound(entry.name + "0"));  // '0' follows '/'
  }
  m_by_name[entry.name] = m_entries.size();
  m_entries.push_back(std::move(entry));
}

// A hard link is made when docker's extraction reaches it, to whatever its target names
// at that moment: a target defined again later does not change what the link holds.
Status TarIndex::link_now(TarEntry& entry, const std::string& target) const {
  auto it = m_by_name.find(target);
  if (it == m_by_name.end()) {
    return make_error(Errc::invalid_format, "reading tar `" + m_path.string() + "`: hard link `" +
                                                entry.name + "` -> `" + target +
                                                "`: no such entry before it");
  }
  const TarEntry& linked = m_entries[it->second];
  switch (linked.type) {
    case TarEntry::Type::regular:
      entry.type = TarEntry::Type::regular;
      entry.data_offset = linked.data_offset;
      entry.size = linked.size;
      return {};
    case TarEntry::Type::symlink: {
      // link(2) links the symlink itself; read through the new name, its text is
      // relative to the new name's directory.
      if (!resolve_archive_link(entry.name, linked.link_target)) {
        return make_error(Errc::unsafe_path, "reading tar `" + m_path.string() + "`: link `" + entry.name +
                                                 "` -> `" + linked.link_target +
                                                 "` escapes the archive root");
      }
      entry.type = TarEntry::Type::symlink;
      entry.link_target = linked.link_target;
      return {};
    }
    default:
      return make_error(Errc::invalid_format, "reading tar `" + m_path.string() + "`: hard link `" +
                                                  entry.name + "` -> `" + target + "`: not a file");
  }
}

bool TarIndex::contains(std::string_view name) const { return m_by_name.find(name) != m_by_name.end(); }

Result<TarEntry> TarIndex::find_file(std::string_view name) const {
  auto normalized = normalize_archive_path(name);
  if (!normalized) {
    return make_error(Errc::unsafe_path,
                      "`" + std::string(name) + "` points outside the archive `" + m_path.string() + "`");
  }
  std::string current = *normalized;
  for (int hops = 0; hops < 16; ++hops) {
    auto it = m_by_name.find(current);
    if (it == m_by_name.end()) {
      return make_error(Errc::not_found, "`" + current + "` is not in the archive `" + m_path.string() + "`");
    }
    const TarEntry& entry = m_entries[it->second];
    switch (entry.type) {
      case TarEntry::Type::regular:
        return entry;
      case TarEntry::Type::symlink:
        current = *resolve_archive_link(entry.name, entry.link_target);
        break;
      default:
        return make_error(Errc::invalid_format,
                          "`" + current + "` in the archive `" + m_path.string() + "` is not a file");
    }
  }
  return make_error(Errc::invalid_format,
                    "`" + std::string(name) + "` in `" + m_path.string() + "`: too many links");
}

}  // namespace oci
