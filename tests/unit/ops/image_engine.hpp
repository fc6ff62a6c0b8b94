// A fake Docker engine that holds real images and keeps docker load's rules, for operations
// tests: inspect and history are derived from each image's config, `save` writes a
// docker-archive, `load` refuses an archive that leaves out a layer the engine does not hold
// (docker matches held layers by their chain of diff_ids) or names the wrong diff_ids, and
// moves the archive's RepoTags; `copy_from_image` of /chalk.json gives the top layer's tar.
// Every call is recorded; failures are switched on by the test.
#pragma once

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "oci/digest.hpp"
#include "oci/file_io.hpp"
#include "oci/formats.hpp"
#include "oci/json.hpp"
#include "oci/tar_index.hpp"
#include "plugin/docker/engine.hpp"
#include "tests/support/image_fixtures.hpp"

namespace chalk::ops::testing {

class ImageEngine final : public docker::Engine {
 public:
  struct Held {
    std::string config_bytes;  // the ID is their digest
    oci::Json config;
    std::vector<std::string> layer_tars;  // bottom first, uncompressed
  };

  // A base image of one layer tagged `tags`; returns its ID.
  std::string add_image(const std::vector<std::string>& names, const std::string& file = "bin/app") {
    Held held;
    held.layer_tars = {chalk::testing::one_file_layer(file, "content of " + file)};
    held.config = {
        {"architecture", "amd64"},
        {"os", "linux"},
        {"created", "2024-01-01T00:00:00Z"},
        {"config", {{"Entrypoint", {"/bin/app"}}, {"Cmd", {"serve"}}}},
        {"rootfs", {{"type", "layers"}, {"diff_ids", {oci::sha256_digest(held.layer_tars[0]).str()}}}},
        {"history",
         {{{"created", "2024-01-01T00:00:00Z"}, {"created_by", "/bin/sh -c #(nop) ADD file:x in /"}},
          {{"created", "2024-01-01T00:00:00Z"},
           {"created_by", "/bin/sh -c #(nop)  CMD [\"serve\"]"},
           {"empty_layer", true}}}}};
    held.config_bytes = oci::dump_json(held.config);
    return store(std::move(held), names);
  }

  util::Result<oci::Json> inspect_image(const std::string& reference) override {
    calls.push_back("inspect " + reference);
    auto found = existing(reference);
    if (!found) return found.error();
    const std::string& id = *found;
    const Held& held = images.at(id);
    oci::Json repo_tags = oci::Json::array();
    for (const auto& [tag, tagged] : tags) {
      if (tagged == id) repo_tags.push_back(tag);
    }
    oci::Json answer{{"Id", id},
                     {"RepoTags", repo_tags},
                     {"Architecture", held.config["architecture"]},
                     {"Os", held.config["os"]},
                     {"Created", held.config["created"]},
                     {"Config", held.config["config"]},
                     {"RootFS", {{"Type", "layers"}, {"Layers", held.config["rootfs"]["diff_ids"]}}}};
    if (tamper_inspect) tamper_inspect(answer);
    return answer;
  }

  util::Result<oci::Json> image_history(const std::string& reference) override {
    calls.push_back("history " + reference);
    auto found = existing(reference);
    if (!found) return found.error();
    const std::string& id = *found;
    const Held& held = images.at(id);
    oci::Json history = oci::Json::array();
    std::size_t layer = 0;
    for (const auto& entry : held.config["history"]) {
      const bool empty = entry.value("empty_layer", false);
      const std::size_t size = empty || ambiguous_history ? 0 : held.layer_tars[layer].size();
      if (!empty) ++layer;
      history.push_back({{"CreatedAt", entry.value("created", "")},
                         {"CreatedBy", entry.value("created_by", "")},
                         {"Size", size}});
    }
    return history;
  }

  util::Status save_image(const std::string& reference, const std::filesystem::path& path) override {
    calls.push_back("save " + reference);
    save_target_registered = oci::TempRegistry::process().contains(path);
    if (fail_save)
      return util::make_error(util::Errc::docker, "saving image `" + reference + "`: engine gone");
    auto found = existing(reference);
    if (!found) return found.error();
    const std::string& id = *found;
    const Held& held = images.at(id);
    std::vector<chalk::testing::RawEntry> entries;
    const std::string& config = held.config_bytes;
    const std::string config_name = std::string(oci::sha256_digest(config).hex()) + ".json";
    entries.push_back({config_name, config});
    oci::Json layers = oci::Json::array();
    for (const auto& tar : held.layer_tars) {
      const std::string name = std::string(oci::sha256_digest(tar).hex()) + "/layer.tar";
      entries.push_back({name, tar});
      layers.push_back(name);
    }
    entries.push_back(
        {"manifest.json", oci::dump_json(oci::Json::array(
                              {{{"Config", config_name}, {"RepoTags", nullptr}, {"Layers", layers}}}))});
    std::ofstream(path, std::ios::binary) << chalk::testing::raw_tar(entries);
    return {};
  }

  util::Result<std::string> load_image(const std::filesystem::path& archive) override {
    calls.push_back("load");
    loaded = chalk::testing::read_file(archive);
    if (fail_load) return util::make_error(util::Errc::docker, "loading: refused");
    auto index = oci::TarIndex::read(archive);
    if (!index) return index.error();
    auto member = [&](const std::string& name) -> std::optional<std::string> {
      if (!index->contains(name)) return std::nullopt;
      auto entry = index->find_file(name);
      if (!entry) return std::nullopt;
      return loaded.substr(entry->data_offset, entry->size);
    };
    const auto manifest_text = member("manifest.json");
    if (!manifest_text) return util::make_error(util::Errc::docker, "load: no manifest.json");
    const oci::Json manifest = oci::Json::parse(*manifest_text)[0];
    const auto config_text = member(manifest["Config"].get<std::string>());
    if (!config_text) return util::make_error(util::Errc::docker, "load: no config");
    Held held;
    held.config_bytes = *config_text;
    held.config = oci::Json::parse(*config_text);
    const oci::Json& diff_ids = held.config["rootfs"]["diff_ids"];
    for (std::size_t i = 0; i < manifest["Layers"].size(); ++i) {
      const std::string diff_id = diff_ids.at(i);
      const auto tar = member(manifest["Layers"][i].get<std::string>());
      if (tar) {
        if (oci::sha256_digest(*tar).str() != diff_id)
          return util::make_error(util::Errc::docker, "load: invalid diffID");
        held.layer_tars.push_back(*tar);
        continue;
      }
      // docker matches a layer it holds by the chain of diff_ids below and including it.
      const auto known = chain_layer(diff_ids, i);
      if (!known || refuse_thin)
        return util::make_error(util::Errc::docker, "load: layer " + diff_id + " missing from the archive");
      held.layer_tars.push_back(*known);
    }
    std::vector<std::string> names;
    for (const auto& tag : manifest["RepoTags"].is_array() ? manifest["RepoTags"] : oci::Json::array())
      names.push_back(tag);
    const std::string id = store(std::move(held), names);
    return "Loaded image ID: " + id + "\n";
  }

  util::Result<std::optional<std::string>> copy_from_image(const std::string& reference,
                                                           const std::string& path) override {
    calls.push_back("copy " + reference + " " + path);
    auto found = existing(reference);
    if (!found) return found.error();
    const std::string& id = *found;
    const std::string& top = images.at(id).layer_tars.back();
    if (top.find("chalk.json") == std::string::npos) return std::optional<std::string>();
    return std::optional<std::string>(top);
  }

  // The ID of an image the engine has, as docker answers for one it does not.
  util::Result<std::string> existing(const std::string& reference) const {
    std::string id = resolve(reference);
    if (id.empty()) return util::make_error(util::Errc::not_found, "No such image: " + reference);
    return id;
  }

  // The ID a name or ID stands for, "" when none.
  std::string resolve(const std::string& reference) const {
    if (images.contains(reference)) return reference;
    for (const std::string& candidate : {reference, reference + ":latest"}) {
      if (auto found = tags.find(candidate); found != tags.end()) return found->second;
    }
    return "";
  }

  std::map<std::string, Held> images;       // by ID
  std::map<std::string, std::string> tags;  // "app:1" -> ID
  std::vector<std::string> calls;
  std::string loaded;        // the last archive given to load
  bool fail_load = false;    // every load fails
  bool refuse_thin = false;  // an engine that cannot match layers it holds
  bool fail_save = false;
  bool ambiguous_history = false;  // history sizes all 0 (a history that maps onto no layer)
  bool save_target_registered = false;
  std::function<void(oci::Json&)> tamper_inspect;  // a broken engine's answer

 private:
  std::string store(Held held, const std::vector<std::string>& names) {
    const std::string id = oci::sha256_digest(held.config_bytes).str();
    for (const auto& name : names) tags[name] = id;
    images[id] = std::move(held);
    return id;
  }

  std::optional<std::string> chain_layer(const oci::Json& diff_ids, std::size_t top) const {
    for (const auto& [id, held] : images) {
      const oci::Json& own = held.config["rootfs"]["diff_ids"];
      if (own.size() <= top) continue;
      bool same = true;
      for (std::size_t i = 0; i <= top && same; ++i) same = own[i] == diff_ids[i];
      if (same) return held.layer_tars[top];
    }
    return std::nullopt;
  }
};

}  // namespace chalk::ops::testing
