// Hostile image inputs, each a small file or directory written on purpose to break a
// reader: JSON nested 100,000 deep, fields of the wrong JSON type, indexes fanning out
// into millions of references, FIFOs where files belong, Docker 25+ archives whose
// index.json and manifest.json disagree, names defined twice behind hard links. The unit
// tests run every case; `chalk-hostile-fixtures DIR` writes them all for e2e tests and as
// fuzzing seeds.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/image_fixtures.hpp"

namespace chalk::testing {

struct HostileCase {
  std::string name;  // also the file or directory name written
  // Writes the input under `directory`, returning the path to hand to a reader.
  std::function<std::filesystem::path(const std::filesystem::path& directory)> write;
  std::string expected_error;  // a fragment of the one-line error a reader must give
};

// Every case; names are unique.
const std::vector<HostileCase>& hostile_cases();

// `depth` opening brackets then as many closing ones.
std::string deeply_nested_json(std::size_t depth);

// An OCI layout holding one small image whose config is `config_text` verbatim (a
// hostile config, say); its index.json entry carries the ref name "latest".
void write_layout_with_config(const std::filesystem::path& directory, const std::string& config_text);

// A Docker 25+ archive (an OCI layout plus manifest.json) whose index.json describes
// `indexed` and whose manifest.json describes `listed`.
void write_disagreeing_docker_archive(const std::filesystem::path& path, const FixtureImage& indexed,
                                      const FixtureImage& listed);

// A legacy archive whose manifest.json is a hard link to `m.json`, defined twice: first
// describing `first` (what the link holds, and what docker loads), then `second`.
void write_hard_link_to_redefined_name(const std::filesystem::path& path, const FixtureImage& first,
                                       const FixtureImage& second);

}  // namespace chalk::testing
