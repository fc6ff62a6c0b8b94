#include "tests/support/hostile_fixtures.hpp"

#include <sys/stat.h>

#include <stdexcept>

#include "tests/support/image_fixtures.hpp"

namespace chalk::testing {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

constexpr const char* k_manifest_type = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* k_index_type = "application/vnd.oci.image.index.v1+json";
constexpr const char* k_config_type = "application/vnd.oci.image.config.v1+json";
constexpr std::size_t k_deep = 100000;

Json index_of(const Json& manifests) {
  return {{"schemaVersion", 2}, {"mediaType", k_index_type}, {"manifests", manifests}};
}

// A manifest (raw text) for `config_text` and no layers, written as a blob.
Json write_manifest_for(const fs::path& directory, const std::string& config_text) {
  Json manifest = {{"schemaVersion", 2}, {"mediaType", k_manifest_type}};
  manifest["config"] = write_layout_blob(directory, config_text, k_config_type);
  manifest["layers"] = Json::array();
  return write_layout_blob(directory, manifest.dump(), k_manifest_type);
}

void write_index_json(const fs::path& directory, const std::string& text) {
  write_file(directory / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  write_file(directory / "index.json", text);
}

// A valid config for an image without layers, with `edit` applied.
std::string config_with(const std::function<void(Json&)>& edit) {
  Json config = fixture_config(FixtureImage{});
  edit(config);
  return config.dump();
}

HostileCase config_case(std::string name, const std::function<void(Json&)>& edit, std::string expected) {
  return {name,
          [edit](const fs::path& directory) {
            write_layout_with_config(directory, config_with(edit));
            return directory;
          },
          std::move(expected)};
}

// index.json with one descriptor to a valid image, with `edit` applied to the descriptor.
HostileCase descriptor_case(std::string name, const std::function<void(Json&)>& edit, std::string expected) {
  return {name,
          [edit](const fs::path& directory) {
            Json descriptor = write_manifest_for(directory, config_with([](Json&) {}));
            edit(descriptor);
            write_index_json(directory, index_of(Json::array({descriptor})).dump());
            return directory;
          },
          std::move(expected)};
}

HostileCase legacy_case(std::string name, const std::function<void(Json& config, Json& manifest_item)>& edit,
                        std::string expected) {
  return {name,
          [edit](const fs::path& directory) {
            Json config = fixture_config(FixtureImage{});
            Json item = {{"Config", "config.json"}, {"RepoTags", {"hostile:1"}}, {"Layers", Json::array()}};
            edit(config, item);
            const fs::path archive = directory.string() + ".tar";
            write_file(archive, raw_tar({{"config.json", config.dump()},
                                         {"manifest.json", Json::array({item}).dump()}}));
            return archive;
          },
          std::move(expected)};
}

void make_fifo(const fs::path& path) {
  fs::remove(path);
  if (::mkfifo(path.c_str(), 0600) != 0) throw std::runtime_error("cannot make a FIFO at " + path.string());
}

// Indexes `levels` deep, each listing the next one `width` times: width^levels references
// to one manifest, in a few kilobytes.
fs::path write_fan_out(const fs::path& directory, std::size_t width, std::size_t levels) {
  Json target = write_manifest_for(directory, config_with([](Json&) {}));
  for (std::size_t level = 0; level < levels; ++level) {
    Json manifests = Json::array();
    for (std::size_t i = 0; i < width; ++i) manifests.push_back(target);
    target = write_layout_blob(directory, index_of(manifests).dump(), k_index_type);
  }
  Json top = Json::array();
  for (std::size_t i = 0; i < width; ++i) top.push_back(target);
  write_index_json(directory, index_of(top).dump());
  return directory;
}

std::vector<HostileCase> make_cases() {
  const std::string too_deep = "nested more than 64 levels deep";
  std::vector<HostileCase> cases;
  cases.push_back({"deep-config",
                   [](const fs::path& directory) {
                     write_layout_with_config(directory, deeply_nested_json(k_deep));
                     return directory;
                   },
                   too_deep});
  cases.push_back({"deep-manifest",
                   [](const fs::path& directory) {
                     Json descriptor =
                         write_layout_blob(directory, deeply_nested_json(k_deep), k_manifest_type);
                     write_index_json(directory, index_of(Json::array({descriptor})).dump());
                     return directory;
                   },
                   too_deep});
  cases.push_back({"deep-index-json",
                   [](const fs::path& directory) {
                     write_index_json(directory, deeply_nested_json(k_deep));
                     return directory;
                   },
                   too_deep});
  cases.push_back({"deep-nested-index",
                   [](const fs::path& directory) {
                     Json descriptor = write_layout_blob(directory, deeply_nested_json(k_deep), k_index_type);
                     write_index_json(directory, index_of(Json::array({descriptor})).dump());
                     return directory;
                   },
                   too_deep});
  cases.push_back({"deep-descriptor",
                   [](const fs::path& directory) {
                     Json descriptor = write_manifest_for(directory, config_with([](Json&) {}));
                     std::string text = index_of(Json::array({descriptor})).dump();
                     // an annotations value nested 100,000 deep, spliced in as text
                     const std::string deep = R"("annotations":{"x":)" + deeply_nested_json(k_deep) + "},";
                     text.insert(text.find(R"("mediaType":")", text.find("manifests")), deep);
                     write_index_json(directory, text);
                     return directory;
                   },
                   too_deep});
  cases.push_back(config_case(
      "diff-ids-number", [](Json& c) { c["rootfs"]["diff_ids"] = {12345}; },
      "rootfs.diff_ids[0]: expected a string"));
  cases.push_back(config_case(
      "diff-ids-null", [](Json& c) { c["rootfs"]["diff_ids"] = Json::array({nullptr}); },
      "rootfs.diff_ids[0]: expected a string"));
  cases.push_back(config_case(
      "diff-ids-true", [](Json& c) { c["rootfs"]["diff_ids"] = true; },
      "rootfs.diff_ids: expected an array"));
  cases.push_back(config_case(
      "rootfs-string", [](Json& c) { c["rootfs"] = "layers"; }, "rootfs: expected an object"));
  cases.push_back(config_case(
      "history-string", [](Json& c) { c["history"] = {"x"}; }, "history[0]: expected an object"));
  cases.push_back(config_case(
      "history-created-by-number",
      [](Json& c) {
        c["history"] = {{{"created_by", 5}}};
      },
      "history[0].created_by: expected a string"));
  cases.push_back(config_case(
      "history-empty-layer-string",
      [](Json& c) {
        c["history"] = {{{"empty_layer", "yes"}}};
      },
      "history[0].empty_layer: expected a boolean"));
  cases.push_back(config_case(
      "history-object",
      [](Json& c) {
        c["history"] = {{"a", 1}};
      },
      "history: expected an array"));
  cases.push_back(config_case(
      "os-number", [](Json& c) { c["os"] = 5; }, "os: expected a string"));
  cases.push_back(config_case(
      "container-config-array", [](Json& c) { c["config"] = Json::array(); }, "config: expected an object"));
  cases.push_back(config_case(
      "labels-number",
      [](Json& c) {
        c["config"]["Labels"] = {{"team", 5}};
      },
      "config.Labels.team: expected a string"));
  cases.push_back(config_case(
      "entrypoint-number", [](Json& c) { c["config"]["Entrypoint"] = 5; },
      "config.Entrypoint: expected an array"));
  cases.push_back(config_case(
      "cmd-numbers",
      [](Json& c) {
        c["config"]["Cmd"] = {1, 2};
      },
      "config.Cmd[0]: expected a string"));
  cases.push_back(config_case(
      "config-array", [](Json& c) { c = Json::array(); }, "config: expected an object"));
  cases.push_back(descriptor_case(
      "descriptor-size-string", [](Json& d) { d["size"] = "12"; }, "size: expected a non-negative integer"));
  cases.push_back(descriptor_case(
      "descriptor-size-negative", [](Json& d) { d["size"] = -1; }, "size: expected a non-negative integer"));
  cases.push_back(descriptor_case(
      "descriptor-media-type-number", [](Json& d) { d["mediaType"] = 5; }, "mediaType: expected a string"));
  cases.push_back(descriptor_case(
      "descriptor-digest-number", [](Json& d) { d["digest"] = 5; }, "digest: expected a string"));
  cases.push_back(descriptor_case(
      "descriptor-platform-os-number",
      [](Json& d) {
        d["platform"] = {{"os", 5}};
      },
      "platform.os: expected a string"));
  cases.push_back(descriptor_case(
      "descriptor-annotation-number",
      [](Json& d) {
        d["annotations"] = {{"x", 5}};
      },
      "annotations.x: expected a string"));
  cases.push_back({"index-manifests-object",
                   [](const fs::path& directory) {
                     write_index_json(directory, R"({"schemaVersion":2,"manifests":{}})");
                     return directory;
                   },
                   "manifests: expected an array"});
  cases.push_back({"manifest-layers-string",
                   [](const fs::path& directory) {
                     Json manifest = {{"schemaVersion", 2}, {"mediaType", k_manifest_type}};
                     manifest["config"] =
                         write_layout_blob(directory, config_with([](Json&) {}), k_config_type);
                     manifest["layers"] = "none";
                     Json descriptor = write_layout_blob(directory, manifest.dump(), k_manifest_type);
                     write_index_json(directory, index_of(Json::array({descriptor})).dump());
                     return directory;
                   },
                   "layers: expected an array"});
  cases.push_back(legacy_case(
      "legacy-diff-ids-number", [](Json& c, Json&) { c["rootfs"]["diff_ids"] = {12345}; },
      "rootfs.diff_ids[0]: expected a string"));
  cases.push_back(legacy_case(
      "legacy-history-string", [](Json& c, Json&) { c["history"] = {"x"}; },
      "history[0]: expected an object"));
  cases.push_back(legacy_case(
      "legacy-repo-tags-number", [](Json&, Json& item) { item["RepoTags"] = {5}; },
      "[0].RepoTags[0]: expected a string"));
  cases.push_back(legacy_case(
      "legacy-layers-number", [](Json&, Json& item) { item["Layers"] = {5}; },
      "[0].Layers[0]: expected a string"));
  cases.push_back({"fan-out", [](const fs::path& directory) { return write_fan_out(directory, 10, 4); },
                   "more than 10000 descriptors"});
  cases.push_back({"fifo-index-json",
                   [](const fs::path& directory) {
                     write_layout_with_config(directory, config_with([](Json&) {}));
                     make_fifo(directory / "index.json");
                     return directory;
                   },
                   "not a regular file (a FIFO)"});
  cases.push_back({"fifo-oci-layout",
                   [](const fs::path& directory) {
                     write_layout_with_config(directory, config_with([](Json&) {}));
                     make_fifo(directory / "oci-layout");
                     return directory;
                   },
                   "not a regular file (a FIFO)"});
  cases.push_back({"fifo-manifest",
                   [](const fs::path& directory) {
                     Json descriptor = write_manifest_for(directory, config_with([](Json&) {}));
                     write_index_json(directory, index_of(Json::array({descriptor})).dump());
                     make_fifo(directory / "blobs" / "sha256" /
                               descriptor["digest"].get<std::string>().substr(7));
                     return directory;
                   },
                   "not a regular file (a FIFO)"});
  cases.push_back({"fifo-archive",
                   [](const fs::path& directory) {
                     const fs::path archive = directory.string() + ".tar";
                     make_fifo(archive);
                     return archive;
                   },
                   "not a regular file (a FIFO)"});
  cases.push_back({"docker25-disagreeing",
                   [](const fs::path& directory) {
                     const fs::path archive = directory.string() + ".tar";
                     FixtureImage indexed;
                     indexed.layers = {one_file_layer("chalk.json", "{}")};
                     FixtureImage listed;
                     listed.layers = {one_file_layer("app", "app")};
                     write_disagreeing_docker_archive(archive, indexed, listed);
                     return archive;
                   },
                   "manifest.json and index.json describe different images"});
  cases.push_back(
      {"hard-link-to-nothing",
       [](const fs::path& directory) {
         const fs::path archive = directory.string() + ".tar";
         write_file(archive, raw_tar({{"manifest.json", "", '1', "later.json"}, {"later.json", "[]"}}));
         return archive;
       },
       "hard link `manifest.json` -> `later.json`: no such entry before it"});
  return cases;
}

}  // namespace

void write_disagreeing_docker_archive(const fs::path& path, const FixtureImage& indexed,
                                      const FixtureImage& listed) {
  const fs::path layout = path.string() + ".layout";
  write_oci_layout(layout, {indexed}, false);
  // the listed image's blobs go into the same layout; only manifest.json names them
  const fs::path other = path.string() + ".other";
  write_oci_layout(other, {listed}, false);
  for (const auto& blob : fs::directory_iterator(other / "blobs" / "sha256")) {
    fs::copy_file(blob.path(), layout / "blobs" / "sha256" / blob.path().filename(),
                  fs::copy_options::skip_existing);
  }
  const Json config = fixture_config(listed);
  Json layers = Json::array();
  for (const auto& layer : listed.layers) layers.push_back("blobs/sha256/" + sha256_hex(layer));
  const Json item = {{"Config", "blobs/sha256/" + sha256_hex(config.dump())},
                     {"RepoTags", {"hostile:1"}},
                     {"Layers", layers}};
  write_file(layout / "manifest.json", Json::array({item}).dump());
  tar_directory(layout, path);
  fs::remove_all(layout);
  fs::remove_all(other);
}

void write_hard_link_to_redefined_name(const fs::path& path, const FixtureImage& first,
                                       const FixtureImage& second) {
  std::vector<RawEntry> entries;
  auto add = [&](const FixtureImage& image, const std::string& tag) {
    for (auto& entry : legacy_archive_entries(image, {tag})) {
      if (entry.name == "manifest.json") {
        entry.name = "m.json";
        entries.push_back(entry);
        if (tag == "first:1") entries.push_back({"manifest.json", "", '1', "m.json"});
      } else {
        entries.push_back(entry);
      }
    }
  };
  add(first, "first:1");
  add(second, "second:1");
  write_file(path, raw_tar(entries));
}

std::string deeply_nested_json(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

void write_layout_with_config(const fs::path& directory, const std::string& config_text) {
  Json descriptor = write_manifest_for(directory, config_text);
  descriptor["annotations"] = {{"org.opencontainers.image.ref.name", "latest"}};
  write_index_json(directory, index_of(Json::array({descriptor})).dump());
}

const std::vector<HostileCase>& hostile_cases() {
  static const std::vector<HostileCase> cases = make_cases();
  return cases;
}

}  // namespace chalk::testing
