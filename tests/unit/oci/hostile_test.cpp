#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "oci/formats.hpp"
#include "oci/json.hpp"
#include "oci/mutate.hpp"
#include "tests/support/hostile_fixtures.hpp"
#include "tests/support/image_fixtures.hpp"

namespace oci {
namespace {

namespace fs = std::filesystem;
using namespace chalk::testing;

// Every hostile input gives one line naming what is wrong, as the plugin reads it (a
// bare path, its format detected), never a crash, an exception or a hang.
TEST(HostileInputs, EachIsRefusedWithOneLineNamingTheCause) {
  TempDir dir;
  for (const auto& hostile : hostile_cases()) {
    SCOPED_TRACE(hostile.name);
    const fs::path input = hostile.write(dir / hostile.name);
    auto ref = parse_image_ref(input.string());
    auto set = ref ? read_image_set(*ref) : Result<ImageSet>(ref.error());
    ASSERT_FALSE(set) << "accepted";
    EXPECT_NE(set.error().message.find(hostile.expected_error), std::string::npos) << set.error().message;
    EXPECT_EQ(set.error().message.find('\n'), std::string::npos) << set.error().message;
  }
}

TEST(HostileInputs, NamesAreUnique) {
  std::set<std::string> names;
  for (const auto& hostile : hostile_cases()) EXPECT_TRUE(names.insert(hostile.name).second) << hostile.name;
}

// A layout whose index lists one manifest three times (each reference with its own
// platform annotation) under two index.json entries with their own ref names.
fs::path write_shared_manifest_layout(const fs::path& directory) {
  using J = nlohmann::ordered_json;
  FixtureImage image;
  image.layers = {one_file_layer("a", "a")};
  J manifest = {{"schemaVersion", 2}, {"mediaType", media_type::oci_manifest}};
  manifest["config"] = write_layout_blob(directory, fixture_config(image).dump(), media_type::oci_config);
  manifest["layers"] = J::array({write_layout_blob(directory, image.layers[0], media_type::oci_layer)});
  const J manifest_descriptor = write_layout_blob(directory, manifest.dump(), media_type::oci_manifest);
  J children = J::array();
  for (const char* note : {"one", "two", "three"}) {
    J child = manifest_descriptor;
    child["annotations"] = {{"note", note}};
    children.push_back(child);
  }
  const J index = {{"schemaVersion", 2}, {"mediaType", media_type::oci_index}, {"manifests", children}};
  J top = J::array();
  for (const char* name : {"v1", "v2"}) {
    J entry = write_layout_blob(directory, index.dump(), media_type::oci_index);
    entry["annotations"] = {{"org.opencontainers.image.ref.name", name}};
    top.push_back(entry);
  }
  write_file(directory / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  write_file(directory / "index.json", J{{"schemaVersion", 2}, {"manifests", top}}.dump());
  return directory;
}

TEST(SharedManifests, AreTransformedOnceAndKeepEachReferencesOwnFields) {
  TempDir dir;
  const fs::path layout = write_shared_manifest_layout(dir / "layout");
  auto set = read_oci_layout(layout);
  ASSERT_TRUE(set) << set.error().message;
  std::vector<const Image*> images;
  for (const auto& entry : set->entries) collect_images(entry.node, images);
  EXPECT_EQ(images.size(), 1u) << "one manifest, collected once";

  int visits = 0;
  TransformMemo memo;
  ImageSet changed = *set;
  for (auto& entry : changed.entries) {
    auto node = transform_images(
        entry.node,
        [&](const Image& image) -> Result<Image> {
          ++visits;
          Mutation mutation;
          mutation.set_labels["changed"] = "yes";
          return mutate(image, mutation);
        },
        memo);
    ASSERT_TRUE(node) << node.error().message;
    entry.node = *node;
  }
  EXPECT_EQ(visits, 1) << "a manifest referenced six times is changed once";
  ASSERT_TRUE(write_image_set(changed, {ImageSet::Format::oci_layout, layout, {}}));

  auto again = read_oci_layout(layout);
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_EQ(again->entries.size(), 2u);
  EXPECT_EQ(ref_name_of(again->entries[0].node.descriptor()), "v1");
  EXPECT_EQ(ref_name_of(again->entries[1].node.descriptor()), "v2");
  const Index& index = again->entries[0].node.index();
  ASSERT_EQ(index.children.size(), 3u);
  EXPECT_EQ(index.json["manifests"][0]["annotations"]["note"], "one");
  EXPECT_EQ(index.json["manifests"][2]["annotations"]["note"], "three");
  EXPECT_EQ(container_config(index.children[1].image())["Labels"]["changed"], "yes");
  EXPECT_TRUE(validate(*again));
}

TEST(SharedManifests, FanOutPastTheLimitIsRefusedBeforeItIsWalked) {
  TempDir dir;
  const auto& fan_out = *std::find_if(hostile_cases().begin(), hostile_cases().end(),
                                      [](const HostileCase& hostile) { return hostile.name == "fan-out"; });
  auto set = read_oci_layout(fan_out.write(dir / "layout"));
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().message, "oci layout `" + (dir / "layout").string() +
                                     "`: more than 10000 descriptors in all (indexes fanning out?)");
}

TEST(Json, RefusesNestingPastTheLimitAndAcceptsItsEdge) {
  EXPECT_TRUE(parse_json(deeply_nested_json(k_max_json_depth), "doc"));
  auto deep = parse_json(deeply_nested_json(k_max_json_depth + 1), "doc");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().message, "doc: nested more than 64 levels deep");
  // brackets inside strings (escaped quotes too) are text, not nesting
  const std::string text = R"({"a":")" + std::string(1000, '[') + R"(\"[[["})";
  EXPECT_TRUE(parse_json(text, "doc")) << parse_json(text, "doc").error().message;
}

TEST(Json, TypedAccessNamesDocumentFieldAndType) {
  auto json = parse_json(R"({"a":5,"b":null,"c":"x"})", "doc");
  ASSERT_TRUE(json);
  auto a = optional_member(*json, "a", JsonType::string, "doc", "a");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "doc: a: expected a string");
  auto b = optional_member(*json, "b", JsonType::string, "doc", "b");
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, nullptr) << "null reads as absent";
  auto c = optional_member(*json, "c", JsonType::string, "doc", "c");
  ASSERT_TRUE(c && *c != nullptr);
  EXPECT_EQ(**c, "x");
}

}  // namespace
}  // namespace oci
