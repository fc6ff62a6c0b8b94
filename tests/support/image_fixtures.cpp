#include "tests/support/image_fixtures.hpp"

#include <openssl/sha.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace chalk::testing {

namespace fs = std::filesystem;

namespace {

// Octal, or GNU base-256 for values octal cannot hold (a "1 TB" layer, say).
void put_octal(char* field, std::size_t width, std::uint64_t value) {
  if (value >= (1ull << (3 * (width - 1)))) {
    field[0] = static_cast<char>(0x80);
    for (std::size_t i = width - 1; i >= 1; --i, value >>= 8) field[i] = static_cast<char>(value & 0xff);
    return;
  }
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

std::string header(const RawEntry& entry) {
  std::string block(512, '\0');
  std::memcpy(block.data(), entry.name.data(), std::min<std::size_t>(entry.name.size(), 100));
  put_octal(block.data() + 100, 8, static_cast<std::uint64_t>(entry.mode));
  put_octal(block.data() + 108, 8, 0);
  put_octal(block.data() + 116, 8, 0);
  put_octal(block.data() + 124, 12, entry.declared_size.value_or(entry.content.size()));
  put_octal(block.data() + 136, 12, 0);
  block[156] = entry.type;
  std::memcpy(block.data() + 157, entry.link.data(), std::min<std::size_t>(entry.link.size(), 100));
  std::memcpy(block.data() + 257,
              "ustar\0"
              "00",
              8);
  std::memset(block.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  std::snprintf(block.data() + 148, 8, "%06o", sum);
  block[155] = ' ';
  return block;
}

}  // namespace

std::string raw_tar(const std::vector<RawEntry>& entries, bool end_marker) {
  std::string out;
  for (const auto& entry : entries) {
    out += header(entry);
    out += entry.content;
    out.append((512 - entry.content.size() % 512) % 512, '\0');
  }
  if (end_marker) out.append(1024, '\0');
  return out;
}

std::string patterned(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  return bytes;
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  std::string hex;
  char pair[3];
  for (unsigned char byte : digest) {
    std::snprintf(pair, sizeof pair, "%02x", byte);
    hex += pair;
  }
  return hex;
}

void write_file(const fs::path& path, const std::string& bytes) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TempDir::TempDir() {
  std::random_device random;
  m_path = fs::temp_directory_path() /
           ("chalk-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
  fs::create_directories(m_path);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(m_path, ignored);
}

std::string one_file_layer(const std::string& name, const std::string& content) {
  return raw_tar({RawEntry{name, content}});
}

nlohmann::ordered_json fixture_config(const FixtureImage& image) {
  nlohmann::ordered_json config = image.config.is_object() ? image.config : nlohmann::ordered_json::object();
  config["architecture"] = image.architecture;
  config["os"] = "linux";
  if (!config.contains("config")) config["config"] = {{"Entrypoint", {"/bin/echo"}}, {"Cmd", {"hello"}}};
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", nlohmann::ordered_json::array()}};
  config["history"] = nlohmann::ordered_json::array();
  for (const auto& layer : image.layers) {
    config["rootfs"]["diff_ids"].push_back("sha256:" + sha256_hex(layer));
    config["history"].push_back({{"created", "2023-01-01T00:00:00Z"}, {"created_by", "ADD layer"}});
  }
  return config;
}

std::vector<RawEntry> legacy_archive_entries(const FixtureImage& image,
                                             const std::vector<std::string>& tags) {
  const std::string config = fixture_config(image).dump();
  const std::string config_name = sha256_hex(config) + ".json";
  std::vector<RawEntry> entries;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    const std::string id = sha256_hex(image.layers[i] + std::to_string(i));
    entries.push_back({id + "/", "", '5'});
    entries.push_back({id + "/VERSION", "1.0"});
    entries.push_back({id + "/layer.tar", image.layers[i]});
    layers.push_back(id + "/layer.tar");
  }
  entries.push_back({config_name, config});
  nlohmann::ordered_json manifest = nlohmann::ordered_json::array();
  manifest.push_back({{"Config", config_name}, {"RepoTags", tags}, {"Layers", layers}});
  entries.push_back({"manifest.json", manifest.dump()});
  std::sort(entries.begin(), entries.end(),
            [](const RawEntry& a, const RawEntry& b) { return a.name < b.name; });
  return entries;
}

void write_legacy_docker_archive(const fs::path& path, const FixtureImage& image,
                                 const std::vector<std::string>& tags) {
  write_file(path, raw_tar(legacy_archive_entries(image, tags)));
}

nlohmann::ordered_json write_layout_blob(const fs::path& directory, const std::string& bytes,
                                         const std::string& media_type) {
  const std::string hex = sha256_hex(bytes);
  write_file(directory / "blobs" / "sha256" / hex, bytes);
  return {{"mediaType", media_type}, {"digest", "sha256:" + hex}, {"size", bytes.size()}};
}

void write_oci_layout(const fs::path& directory, const std::vector<FixtureImage>& images, bool as_index,
                      const std::string& ref_name) {
  write_file(directory / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  nlohmann::ordered_json manifests = nlohmann::ordered_json::array();
  for (const auto& image : images) {
    nlohmann::ordered_json manifest = {{"schemaVersion", 2},
                                       {"mediaType", "application/vnd.oci.image.manifest.v1+json"}};
    manifest["config"] = write_layout_blob(directory, fixture_config(image).dump(),
                                           "application/vnd.oci.image.config.v1+json");
    manifest["layers"] = nlohmann::ordered_json::array();
    for (const auto& layer : image.layers) {
      manifest["layers"].push_back(
          write_layout_blob(directory, layer, "application/vnd.oci.image.layer.v1.tar"));
    }
    auto descriptor =
        write_layout_blob(directory, manifest.dump(), "application/vnd.oci.image.manifest.v1+json");
    descriptor["platform"] = {{"architecture", image.architecture}, {"os", "linux"}};
    manifests.push_back(descriptor);
  }
  nlohmann::ordered_json index = {{"schemaVersion", 2},
                                  {"mediaType", "application/vnd.oci.image.index.v1+json"}};
  if (as_index) {
    nlohmann::ordered_json inner = index;
    inner["manifests"] = manifests;
    auto descriptor = write_layout_blob(directory, inner.dump(), "application/vnd.oci.image.index.v1+json");
    descriptor["annotations"] = {{"org.opencontainers.image.ref.name", ref_name}};
    index["manifests"] = nlohmann::ordered_json::array({descriptor});
  } else {
    for (auto& descriptor : manifests)
      descriptor["annotations"] = {{"org.opencontainers.image.ref.name", ref_name}};
    index["manifests"] = manifests;
  }
  write_file(directory / "index.json", index.dump());
}

void tar_directory(const fs::path& directory, const fs::path& archive) {
  std::vector<RawEntry> entries;
  for (const auto& item : fs::recursive_directory_iterator(directory)) {
    if (!item.is_regular_file()) continue;
    entries.push_back({fs::relative(item.path(), directory).string(), read_file(item.path())});
  }
  std::sort(entries.begin(), entries.end(),
            [](const RawEntry& a, const RawEntry& b) { return a.name < b.name; });
  write_file(archive, raw_tar(entries));
}

}  // namespace chalk::testing
