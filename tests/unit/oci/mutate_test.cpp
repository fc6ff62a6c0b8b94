#include "oci/mutate.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "oci/formats.hpp"
#include "tests/support/image_fixtures.hpp"

namespace oci {
namespace {

namespace fs = std::filesystem;
using namespace chalk::testing;

Image load_fixture(const TempDir& dir) {
  FixtureImage fixture;
  fixture.layers = {one_file_layer("bin/app", "app")};
  write_oci_layout(dir / "layout", {fixture}, false);
  auto set = read_oci_layout(dir / "layout");
  EXPECT_TRUE(set);
  return set->entries[0].node.image();
}

std::vector<LayerFile> mark_files(const std::string& mark) {
  return {{"chalk.json", 0444, mark, {}}, {"b", 0644, "b", {}}};
}

TEST(BuildLayer, IsDeterministic) {
  TempDir dir;
  auto first = build_layer(mark_files("{}"), Compression::gzip, dir.path(), 0);
  auto second =
      build_layer({{"b", 0644, "b", {}}, {"chalk.json", 0444, "{}", {}}}, Compression::gzip, dir.path(), 0);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->blob->descriptor().digest, second->blob->descriptor().digest);
  EXPECT_EQ(first->diff_id, second->diff_id);
  auto other_time = build_layer(mark_files("{}"), Compression::gzip, dir.path(), 1700000000);
  EXPECT_NE(other_time->diff_id, first->diff_id);
}

TEST(BuildLayer, RemovesItsFilesWithTheBlob) {
  TempDir dir;
  fs::path path;
  {
    auto layer = build_layer(mark_files("{}"), Compression::none, dir.path(), 0);
    ASSERT_TRUE(layer);
    path = layer->blob->path();
    EXPECT_TRUE(fs::exists(path));
    EXPECT_EQ(layer->blob->descriptor().digest, layer->diff_id) << "uncompressed: digest is the diff_id";
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Mutate, AppendsALayerWithHistoryAndValidates) {
  TempDir dir;
  const Image image = load_fixture(dir);
  auto layer = build_layer(mark_files("{\"a\":1}"), Compression::gzip, dir.path(), 0);
  ASSERT_TRUE(layer);
  Mutation mutation;
  mutation.append =
      Mutation::Append{*layer, Json{{"created", "2024-01-01T00:00:00Z"}, {"created_by", "test"}}};
  mutation.set_labels["k"] = "v";
  mutation.entrypoint = Json::array({"/chalk", "exec", "--"});
  auto result = mutate(image, mutation);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->layers.size(), 2u);
  EXPECT_EQ(result->diff_ids().back(), layer->diff_id.str());
  EXPECT_EQ(result->history().size(), 2u);
  EXPECT_EQ(container_config(*result)["Labels"]["k"], "v");
  EXPECT_EQ(container_config(*result)["Cmd"], Json::array({"hello"})) << "untouched fields survive";
  EXPECT_NE(result->descriptor.digest, image.descriptor.digest);
  EXPECT_TRUE(validate(*result)) << validate(*result).error().message;
  EXPECT_TRUE(validate(image)) << "the input image value is unchanged";
}

// A layer built again and again (the shim's) is kept under the caller's key: the second
// build reads nothing it is given and writes nothing; a damaged entry is rebuilt.
TEST(BuildLayer, KeepsALayerUnderItsKeyAndRebuildsADamagedOne) {
  TempDir dir;
  const LayerCache cache{dir / "cache", "shim-abc-v1"};
  auto first = build_layer(mark_files("{}"), Compression::none, dir.path(), 0, cache);
  ASSERT_TRUE(first) << first.error().message;
  const fs::path kept = dir / "cache" / "shim-abc-v1.blob";
  ASSERT_TRUE(fs::exists(kept));
  EXPECT_EQ(fs::perms::none, fs::status(kept).permissions() &
                                 (fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write));
  EXPECT_NE(kept, first->blob->path()) << "the first build hands out its own file";

  auto second = build_layer({}, Compression::none, dir.path(), 0, cache);
  ASSERT_TRUE(second);
  EXPECT_EQ(kept, second->blob->path());
  EXPECT_EQ(first->blob->descriptor().digest, second->blob->descriptor().digest);
  EXPECT_EQ(first->blob->descriptor().size, second->blob->descriptor().size);
  EXPECT_EQ(first->diff_id, second->diff_id);
  second.value().blob.reset();
  EXPECT_TRUE(fs::exists(kept)) << "a kept layer is never removed by its users";

  fs::permissions(kept, fs::perms::owner_write, fs::perm_options::add);
  fs::resize_file(kept, 10);
  auto rebuilt = build_layer(mark_files("{}"), Compression::none, dir.path(), 0, cache);
  ASSERT_TRUE(rebuilt);
  EXPECT_NE(kept, rebuilt->blob->path()) << "a truncated entry is not used";
  EXPECT_EQ(first->blob->descriptor().size, fs::file_size(kept)) << "and is kept again";

  const LayerCache outside{dir / "cache", "../escape"};
  auto refused = build_layer(mark_files("{}"), Compression::none, dir.path(), 0, outside);
  ASSERT_TRUE(refused) << "a key that is no file name builds without the cache";
  EXPECT_FALSE(fs::exists(dir / "escape.blob"));
}

TEST(BuildLayer, AnUnwritableCacheIsPassedOver) {
  TempDir dir;
  std::ofstream(dir / "file") << "not a directory";
  auto built = build_layer(mark_files("{}"), Compression::none, dir.path(), 0, {dir / "file" / "cache", "k"});
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_TRUE(fs::exists(built->blob->path()));
}

class NoBlobs final : public BlobSource {
 public:
  Result<std::unique_ptr<ByteStream>> open_raw(const Descriptor&) const override {
    return make_error(Errc::not_found, "no blob here");
  }
  [[nodiscard]] std::string describe() const override { return "nothing"; }
};

// A destination holding layers (an engine) knows them by diff_id only: validate takes its
// word for them without reading them, but only for layers named by their diff_id.
TEST(Validate, LayersTheDestinationHoldsAreNotReadButMustBeTheirDiffIds) {
  TempDir dir;
  const Image image = load_fixture(dir);
  auto layer = build_layer(mark_files("{}"), Compression::gzip, dir.path(), 0);
  ASSERT_TRUE(layer);
  Mutation mutation;
  mutation.append = Mutation::Append{*layer, Json{{"created_by", "test"}}};
  auto result = mutate(image, mutation);
  ASSERT_TRUE(result);
  Image unreadable = *result;
  unreadable.blobs = std::make_shared<const OverlaySource>(
      std::make_shared<const NoBlobs>(),
      std::dynamic_pointer_cast<const OverlaySource>(result->blobs)->added());
  EXPECT_FALSE(validate(unreadable)) << "the base layer cannot be read";
  EXPECT_TRUE(validate(unreadable, {image.layers[0].digest}));
  const auto gzip = validate(*result, {result->layers[1].digest});
  ASSERT_FALSE(gzip) << "a gzip layer's digest is not its diff_id";
  EXPECT_EQ(Errc::digest_mismatch, gzip.error().code);
}

TEST(Mutate, DropsTheLastLayer) {
  TempDir dir;
  const Image image = load_fixture(dir);
  auto layer = build_layer(mark_files("x"), Compression::gzip, dir.path(), 0);
  Mutation add;
  add.append = Mutation::Append{*layer, Json{{"created_by", "ours"}}};
  auto added = mutate(image, add);
  ASSERT_TRUE(added);
  Mutation drop;
  drop.drop_last_layer = true;
  auto dropped = mutate(*added, drop);
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->config_bytes, dump_json(image.config)) << "back to the original config";
  EXPECT_TRUE(validate(*dropped));
}

TEST(Mutate, WritesInPlaceWithoutRewritingExistingBlobs) {
  TempDir dir;
  const Image image = load_fixture(dir);
  const fs::path layer_blob = dir / "layout" / "blobs" / "sha256" / std::string(image.layers[0].digest.hex());
  const auto before = fs::last_write_time(layer_blob);
  auto layer = build_layer(mark_files("y"), Compression::gzip, dir.path(), 0);
  Mutation mutation;
  mutation.append = Mutation::Append{*layer, Json{{"created_by", "ours"}}};
  auto result = mutate(image, mutation);
  ASSERT_TRUE(result);
  auto set = read_oci_layout(dir / "layout");
  set->entries[0].node = Node{*result};
  ASSERT_TRUE(write_image_set(*set, {ImageSet::Format::oci_layout, dir / "layout", {}}));
  EXPECT_EQ(fs::last_write_time(layer_blob), before);
  auto again = read_oci_layout(dir / "layout");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->entries[0].node.image().layers.size(), 2u);
  EXPECT_TRUE(validate(*again));
}

}  // namespace
}  // namespace oci
