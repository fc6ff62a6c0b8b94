#include "plugin/deployments/files.hpp"

#include <zlib.h>

#include <algorithm>
#include <fstream>

namespace chalk::deployments {

namespace fs = std::filesystem;

bool DateRange::admits(std::string_view part) const {
  if (part.substr(0, 3) != "dt=") return true;
  const std::string_view date = part.substr(3);
  if (!since.empty() && date < since) return false;
  if (!until.empty() && date > until) return false;
  return true;
}

namespace {

util::Status walk(const fs::path& directory, const DateRange& range, std::vector<fs::path>& files) {
  std::error_code error;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    entries.push_back(*it);
  }
  if (error)
    return util::make_error(util::Errc::io, "listing `" + directory.string() + "`: " + error.message());
  std::sort(entries.begin(), entries.end(),
            [](const fs::directory_entry& a, const fs::directory_entry& b) { return a.path() < b.path(); });
  for (const auto& entry : entries) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    const auto status = entry.symlink_status(error);
    if (error) continue;
    if (fs::is_directory(status)) {
      if (!range.admits(name)) continue;
      if (auto walked = walk(entry.path(), range, files); !walked) return walked;
    } else if (fs::is_regular_file(entry.status(error))) {
      files.push_back(entry.path());
    }
  }
  return {};
}

}  // namespace

util::Result<std::vector<fs::path>> list_files(const fs::path& root, const DateRange& range) {
  std::error_code error;
  const auto status = fs::status(root, error);
  if (error || !fs::exists(status)) {
    return util::make_error(util::Errc::not_found,
                            "reading `" + root.string() + "`: no such file or directory");
  }
  std::vector<fs::path> files;
  if (fs::is_regular_file(status)) {
    files.push_back(root);
    return files;
  }
  if (!fs::is_directory(status)) {
    return util::make_error(util::Errc::invalid_argument,
                            "reading `" + root.string() + "`: not a file or directory");
  }
  if (auto walked = walk(root, range, files); !walked) return walked.error();
  return files;
}

util::Result<std::string> gunzip(std::string_view compressed, const std::string& name) {
  z_stream stream{};
  // 16 + MAX_WBITS: a gzip header and trailer, not a bare zlib stream.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    return util::make_error(util::Errc::io, "decompressing `" + name + "`: zlib could not start");
  }
  std::string text;
  char buffer[1 << 16];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    result = inflate(&stream, Z_NO_FLUSH);
    text.append(buffer, sizeof buffer - stream.avail_out);
    if (result == Z_BUF_ERROR && stream.avail_in == 0) break;
  }
  inflateEnd(&stream);
  if (result != Z_STREAM_END) {
    return util::make_error(util::Errc::invalid_format,
                            "decompressing `" + name + "`: not a complete gzip stream");
  }
  return text;
}

util::Result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return util::make_error(util::Errc::io, "reading `" + path.string() + "`: cannot open");
  // Read into a string sized from the file where it has a size (not a pipe): a stream's
  // growing buffer, copied out at the end, would hold a large inventory two or three times.
  std::string content;
  std::error_code error;
  if (const auto size = fs::file_size(path, error); !error) content.reserve(size);
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) content.append(buffer, in.gcount());
  if (in.bad()) return util::make_error(util::Errc::io, "reading `" + path.string() + "`: read failed");
  if (path.extension() == ".gz") return gunzip(content, path.string());
  return content;
}

}  // namespace chalk::deployments
