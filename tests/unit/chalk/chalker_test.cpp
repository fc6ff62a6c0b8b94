#include "plugin/chalk/chalker.hpp"

#include <gtest/gtest.h>

#include "oci/formats.hpp"
#include "oci/mutate.hpp"
#include "oci/tar_writer.hpp"
#include "plugin/chalk/mark.hpp"
#include "plugin/docker/engine_image.hpp"
#include "plugin/ops/image_ops.hpp"
#include "tests/support/image_fixtures.hpp"

namespace chalk {
namespace {

namespace fs = std::filesystem;
using namespace chalk::testing;
using oci::Json;

struct Fixture {
  TempDir dir;
  oci::Image image;

  explicit Fixture(Json container_config =
                       Json::parse(R"({"Entrypoint":["/bin/echo"],"Cmd":["hello"],"Labels":{"team":"a"}})")) {
    FixtureImage fixture;
    fixture.layers = {one_file_layer("bin/echo", "echo")};
    fixture.config = {{"config", container_config}};
    write_oci_layout(dir / "layout", {fixture}, false);
    image = oci::read_oci_layout(dir / "layout")->entries[0].node.image();
  }

  ChalkRequest request(bool with_shim) const {
    ChalkRequest request;
    request.chalk_id = "64V66C-V36G-TK8D-HJCSHK";
    request.timestamp_ms = 1695487471882;
    request.tags = {"app:1"};
    request.config_source = "# config\n";
    if (with_shim) request.shim = Shim::in_memory("#!static shim stand-in\n");
    request.temp_directory = dir.path();
    return request;
  }
};

// The entries of the last layer, or of the one `below` layers under it.
std::vector<std::string> layer_names(const oci::Image& image, std::size_t below = 0) {
  auto blob = oci::open_blob(*image.blobs, image.layers[image.layers.size() - 1 - below]);
  auto tar = oci::open_decompressed(std::move(*blob), "layer");
  std::string bytes;
  char buffer[4096];
  for (;;) {
    auto got = (*tar)->read(buffer, sizeof buffer);
    if (!got || *got == 0) break;
    bytes.append(buffer, *got);
  }
  std::vector<std::string> names;
  for (std::size_t offset = 0; offset + 512 <= bytes.size(); offset += 512) {
    const std::string name(bytes.data() + offset);
    if (name.empty()) break;
    const std::uint64_t size = std::stoull(std::string(bytes.data() + offset + 124, 11), nullptr, 8);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04lo",
                  std::stoul(std::string(bytes.data() + offset + 100, 7), nullptr, 8));
    names.push_back(name + " " + mode);
    offset += (size + 511) / 512 * 512;
  }
  return names;
}

TEST(Chalker, MarkOnlyWithoutAShim) {
  Fixture fixture;
  auto result = chalk_image(fixture.image, fixture.request(false));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(oci::validate(result->image));
  EXPECT_EQ(layer_names(result->image), (std::vector<std::string>{"chalk.json 0444"}));
  EXPECT_EQ(result->image.history().back()["created_by"], k_history_created_by);
  const Json container = oci::container_config(result->image);
  EXPECT_EQ(container["Labels"][k_label_metadata_id], result->mark["METADATA_ID"]);
  EXPECT_EQ(container["Labels"][k_label_chalk_id], "64V66C-V36G-TK8D-HJCSHK");
  EXPECT_EQ(container["Entrypoint"], Json::array({"/bin/echo"})) << "no shim, no wrapping";
  EXPECT_FALSE(result->warnings.empty());
  EXPECT_EQ(result->mark["DOCKER_LABELS"], Json::parse(R"({"team":"a"})"));
  EXPECT_EQ(result->mark["DOCKER_PLATFORM"], "linux/amd64");
  EXPECT_EQ(result->mark["DOCKER_TAGS"], Json::array({"app:1"}));
  EXPECT_TRUE(check_mark(result->mark).valid);

  auto found = find_mark(result->image);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->mark);
  EXPECT_EQ(*found->mark, result->mark);
}

TEST(Chalker, WrapsWithTheShim) {
  Fixture fixture;
  auto result = chalk_image(fixture.image, fixture.request(true));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(oci::validate(result->image));
  EXPECT_EQ(layer_names(result->image), (std::vector<std::string>{"chalk.c4m 0444", "chalk.json 0444"}));
  EXPECT_EQ(layer_names(result->image, 1), (std::vector<std::string>{"chalk 0755"}));
  const Json container = oci::container_config(result->image);
  EXPECT_EQ(container["Entrypoint"],
            Json::parse(R"(["/chalk","exec","--exec-command-name","/bin/echo","--"])"));
  EXPECT_EQ(container["Cmd"], Json::array({"hello"}));
  EXPECT_EQ(container["OnBuild"], Json::parse(R"(["RUN [\"/chalk\",\"onbuild\"]"])"));
  EXPECT_TRUE(result->warnings.empty());
}

TEST(Chalker, ShipsCaRootsBesideTheShim) {
  Fixture fixture;
  auto request = fixture.request(true);
  request.ca_bundle = "-----BEGIN CERTIFICATE-----\n";
  auto result = chalk_image(fixture.image, request);
  ASSERT_TRUE(result);
  EXPECT_EQ(layer_names(result->image), (std::vector<std::string>{"chalk.c4m 0444", "chalk.json 0444"}));
  EXPECT_EQ(layer_names(result->image, 1), (std::vector<std::string>{"chalk 0755", "chalk.ca.pem 0444"}));
  auto mark_only = fixture.request(false);
  mark_only.ca_bundle = request.ca_bundle;
  EXPECT_EQ(layer_names(chalk_image(fixture.image, mark_only)->image),
            (std::vector<std::string>{"chalk.json 0444"}));
}

TEST(Chalker, RefusesToCarryAConfigWithLiteralCredentials) {
  Fixture fixture;
  auto request = fixture.request(true);
  request.config_source = "x := \"https://u:hunter2@h/in\"\n";
  request.config_credentials = {"line 1: a URL with credentials (`https://h/in`)"};
  auto refused = chalk_image(fixture.image, request);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, util::Errc::config);
  EXPECT_NE(
      refused.error().message.find("literal credentials (line 1: a URL with credentials (`https://h/in`))"),
      std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("allow_credentials_in_images: true"), std::string::npos);
  EXPECT_EQ(refused.error().message.find("hunter2"), std::string::npos);
  // A mark-only chalk layer carries no config, so nothing stops it.
  auto mark_only = fixture.request(false);
  mark_only.config_credentials = request.config_credentials;
  auto result = chalk_image(fixture.image, mark_only);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(layer_names(result->image), (std::vector<std::string>{"chalk.json 0444"}));
}

// What docker load gets from the engine sink: names as RepoTags it accepts, every layer
// listed, and only the layers the engine lacks.
TEST(EngineLoadArchive, ListsEveryLayerCarriesOnlyTheNewOnesAndNamesRepoTags) {
  Fixture fixture;
  auto chalked = chalk_image(fixture.image, fixture.request(true));
  ASSERT_TRUE(chalked) << chalked.error().message;
  oci::ImageSet set;
  set.format = oci::ImageSet::Format::docker_archive;
  set.entries.push_back({chalked->image, {"mychalkedcontainer", "localhost:5000/app", "app:1"}});
  const oci::Digest held = fixture.image.layers[0].digest;
  oci::WriteOptions write;
  write.path = fixture.dir / "load.tar";
  write.held_by_destination = {held};
  ASSERT_TRUE(oci::write_image_set(set, write));

  const std::string archive = read_file(write.path);
  auto manifest = oci::read_file_from_layer(std::make_unique<oci::MemoryStream>(archive), "manifest.json",
                                            1 << 20, "manifest.json");
  ASSERT_TRUE(manifest && *manifest);
  const Json item = Json::parse(**manifest)[0];
  EXPECT_EQ(item["RepoTags"],
            Json::parse(R"(["mychalkedcontainer:latest","localhost:5000/app:latest","app:1"])"));
  ASSERT_EQ(3U, item["Layers"].size());
  EXPECT_EQ("blobs/sha256/" + std::string(held.hex()), item["Layers"][0]);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string name = item["Layers"][i];
    auto layer =
        oci::read_file_from_layer(std::make_unique<oci::MemoryStream>(archive), name, 64 << 20, name);
    ASSERT_TRUE(layer);
    EXPECT_EQ(i != 0, layer->has_value()) << name;
  }
}

TEST(EngineLoadArchive, OnlyADockerArchiveMayLeaveBlobsOut) {
  Fixture fixture;
  oci::ImageSet set;
  set.entries.push_back({fixture.image, {}});
  oci::WriteOptions write;
  write.format = oci::ImageSet::Format::oci_layout;
  write.path = fixture.dir / "out";
  write.held_by_destination = {fixture.image.layers[0].digest};
  const auto written = oci::write_image_set(set, write);
  ASSERT_FALSE(written);
  EXPECT_EQ(util::Errc::invalid_argument, written.error().code);
  EXPECT_FALSE(fs::exists(write.path));
}

TEST(Chalker, WrapCanBeTurnedOff) {
  Fixture fixture;
  auto request = fixture.request(true);
  request.wrap = false;
  auto result = chalk_image(fixture.image, request);
  ASSERT_TRUE(result);
  EXPECT_EQ(oci::container_config(result->image)["Entrypoint"], Json::array({"/bin/echo"}));
  EXPECT_EQ(layer_names(result->image), (std::vector<std::string>{"chalk.json 0444"}));
}

TEST(Chalker, WrapCmdFalseLeavesACmdOnlyImageAlone) {
  Fixture cmd_only(Json::parse(R"({"Cmd":["/bin/echo","hi"]})"));
  auto request = cmd_only.request(true);
  request.wrap_cmd = false;
  auto result = chalk_image(cmd_only.image, request);
  ASSERT_TRUE(result);
  EXPECT_TRUE(oci::container_config(result->image)["Entrypoint"].is_null());
  EXPECT_EQ(
      result->warnings,
      std::vector<std::string>{"CMD not wrapped: the image has no ENTRYPOINT and docker.wrap_cmd is false"});

  Fixture with_entrypoint;
  auto entrypoint_request = with_entrypoint.request(true);
  entrypoint_request.wrap_cmd = false;
  auto wrapped = chalk_image(with_entrypoint.image, entrypoint_request);
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(oci::container_config(wrapped->image)["Entrypoint"][0], "/chalk")
      << "an ENTRYPOINT is still wrapped";
}

TEST(Chalker, LabelsComeFromTheLabelTemplateAndCustomLabels) {
  Fixture fixture;
  auto request = fixture.request(false);
  request.build_fields = Json{{"COMMIT_ID", "abc123"}, {"AUTHOR", "someone"}};
  request.label_keys = {"CHALK_ID", "COMMIT_ID"};
  request.custom_labels = {{"team", "core"}};
  auto result = chalk_image(fixture.image, request);
  ASSERT_TRUE(result) << result.error().message;
  const Json labels = oci::container_config(result->image)["Labels"];
  EXPECT_EQ(labels["run.crashoverride.chalk-id"], "64V66C-V36G-TK8D-HJCSHK");
  EXPECT_EQ(labels["run.crashoverride.commit-id"], "abc123");
  EXPECT_EQ(labels["run.crashoverride.team"], "core");
  EXPECT_FALSE(labels.contains("run.crashoverride.author")) << "AUTHOR is not in the label template";
  EXPECT_FALSE(labels.contains("run.crashoverride.metadata-id"));
}

TEST(Chalker, RechalkingReplacesTheMarkAndKeepsOneShim) {
  Fixture fixture;
  auto first = chalk_image(fixture.image, fixture.request(true));
  ASSERT_TRUE(first);
  auto request = fixture.request(true);
  request.chalk_id = "YAGZR4-R0X6-6P2S-TFD831";
  auto second = chalk_image(first->image, request);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(oci::validate(second->image));
  EXPECT_EQ(second->image.layers.size(), fixture.image.layers.size() + 2) << "one shim layer, one mark layer";
  EXPECT_EQ(second->image.layers[second->image.layers.size() - 2].digest,
            first->image.layers[first->image.layers.size() - 2].digest)
      << "the shim layer is the same bytes every time";
  const Json container = oci::container_config(second->image);
  EXPECT_EQ(container["Entrypoint"],
            Json::parse(R"(["/chalk","exec","--exec-command-name","/bin/echo","--"])"));
  EXPECT_EQ(container["OnBuild"].size(), 1u);
  EXPECT_EQ(find_mark(second->image)->mark->at("CHALK_ID"), "YAGZR4-R0X6-6P2S-TFD831");
  EXPECT_EQ(container["Labels"][k_label_chalk_id], "YAGZR4-R0X6-6P2S-TFD831");
  EXPECT_EQ(second->mark["DOCKER_LABELS"], Json::parse(R"({"team":"a"})"))
      << "our labels never enter DOCKER_LABELS";
}

TEST(Chalker, SameMarkGivesTheSameLayer) {
  Fixture fixture;
  auto result = chalk_image(fixture.image, fixture.request(true));
  ASSERT_TRUE(result);
  auto request = fixture.request(true);
  auto first = oci::build_layer(chalk_layer_files(result->mark, request, true), oci::Compression::none,
                                fixture.dir.path(), 0);
  auto second = oci::build_layer(chalk_layer_files(result->mark, request, true), oci::Compression::none,
                                 fixture.dir.path(), 0);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->blob->descriptor().digest, second->blob->descriptor().digest);
  EXPECT_EQ(result->image.layers.back().digest, first->blob->descriptor().digest)
      << "chalk_image builds exactly that layer";
  auto shim_files = shim_layer_files(request);
  ASSERT_TRUE(shim_files);
  auto shim = oci::build_layer(std::move(*shim_files), oci::Compression::none, fixture.dir.path(), 0);
  ASSERT_TRUE(shim);
  EXPECT_EQ(result->image.layers[result->image.layers.size() - 2].digest, shim->blob->descriptor().digest)
      << "the shim's layer sits below the mark's";
  EXPECT_EQ(result->image.history()[result->image.history().size() - 2]["created_by"],
            k_shim_history_created_by);
}

TEST(Chalker, TwoImagesShareTheShimLayer) {
  Fixture fixture;
  auto first = chalk_image(fixture.image, fixture.request(true));
  auto request = fixture.request(true);
  request.chalk_id = "YAGZR4-R0X6-6P2S-TFD831";
  request.timestamp_ms += 1000;
  auto second = chalk_image(fixture.image, request);
  ASSERT_TRUE(first && second);
  const auto& a = first->image.layers;
  const auto& b = second->image.layers;
  EXPECT_EQ(a[a.size() - 2].digest, b[b.size() - 2].digest);
  EXPECT_NE(a.back().digest, b.back().digest);
}

TEST(Chalker, ChildImagesDoNotClaimTheParentsMark) {
  Fixture fixture;
  auto parent = chalk_image(fixture.image, fixture.request(false));
  ASSERT_TRUE(parent);
  auto layer = oci::build_layer({{"app", 0644, "child", {}}}, oci::Compression::gzip, fixture.dir.path(), 0);
  oci::Mutation child;
  child.append = oci::Mutation::Append{*layer, Json{{"created_by", "RUN echo child"}}};
  auto image = oci::mutate(parent->image, child);
  ASSERT_TRUE(image);
  auto found = find_mark(*image);
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->mark);
  EXPECT_EQ(found->inherited_metadata_id, parent->mark["METADATA_ID"]);
}

TEST(Chalker, ScratchImagesGetAMarkOnly) {
  Fixture fixture(Json::parse(R"({"Entrypoint":null,"Cmd":null})"));
  auto result = chalk_image(fixture.image, fixture.request(true));
  ASSERT_TRUE(result);
  EXPECT_EQ(layer_names(result->image), (std::vector<std::string>{"chalk.json 0444"}));
  ASSERT_EQ(result->warnings.size(), 1u);
  EXPECT_EQ(result->warnings[0], "cannot wrap: no ENTRYPOINT or CMD");
}

ops::ReportContext test_context() {
  ops::ReportContext context;
  context.argv = {"/usr/libexec/docker/cli-plugins/docker-chalk", "chalk", "insert"};
  context.environment = {{"PATH", "/bin"}, {"AWS_SECRET_ACCESS_KEY", "s3cr3t"}, {"HOME", "/root"}};
  context.effects = process_effects();
  return context;
}

// The chalk layer (and the mark in it) of the single image of an OCI layout.
struct ChalkLayer {
  std::string digest;
  std::string mark_bytes;
};
ChalkLayer chalk_layer_of(const fs::path& layout) {
  auto set = oci::read_oci_layout(layout);
  EXPECT_TRUE(set) << set.error().message;
  const oci::Image image = set->entries.at(0).node.image();
  auto layer = oci::open_blob(*image.blobs, image.layers.back());
  auto mark = oci::read_file_from_layer(std::move(*layer), "chalk.json", 1 << 20, "chalk layer");
  EXPECT_TRUE(mark && *mark);
  return {image.layers.back().digest.str(), mark && *mark ? **mark : ""};
}

// The deterministic-layer promise through the operation: the same image, the same
// environment, clock and random source give the same chalk layer, byte for byte.
TEST(InsertOperation, TheSameInputsGiveTheSameChalkLayer) {
  TempDir dir;
  FixtureImage fixture;
  fixture.layers = {one_file_layer("bin/app", "app")};
  fixture.config = {{"config", Json::parse(R"({"Entrypoint":["/bin/app"]})")}};
  write_oci_layout(dir / "first", {fixture}, false);
  write_oci_layout(dir / "second", {fixture}, false);
  write_oci_layout(dir / "third", {fixture}, false);
  const auto chalk = [&](const std::string& layout, const std::string& seed) {
    ops::ReportContext context = test_context();
    context.effects = fixed_effects(1695487471882, seed);
    ops::InsertRequest request;
    request.target = "oci:" + (dir / layout).string();
    request.shim = Shim::in_memory("#!static shim stand-in\n");
    request.config_source = "# config\n";
    auto outcome = ops::insert(request, context);
    EXPECT_TRUE(outcome) << outcome.error().message;
    return chalk_layer_of(dir / layout);
  };
  const ChalkLayer first = chalk("first", "seed");
  const ChalkLayer second = chalk("second", "seed");
  EXPECT_EQ(second.digest, first.digest);
  EXPECT_EQ(second.mark_bytes, first.mark_bytes);
  EXPECT_EQ(Json::parse(first.mark_bytes)["TIMESTAMP_WHEN_CHALKED"], 1695487471882);
  // Another random stream: another CHALK_ID, so another layer (the test can tell).
  const ChalkLayer third = chalk("third", "another seed");
  EXPECT_NE(third.digest, first.digest);
  EXPECT_NE(Json::parse(third.mark_bytes)["CHALK_ID"], Json::parse(first.mark_bytes)["CHALK_ID"]);
}

// SOURCE_DATE_EPOCH pins the clock and the random values, whatever the process's effects.
TEST(InsertOperation, SourceDateEpochGivesTheSameChalkLayerWithRealEffects) {
  TempDir dir;
  FixtureImage fixture;
  fixture.layers = {one_file_layer("bin/app", "app")};
  write_oci_layout(dir / "first", {fixture}, false);
  write_oci_layout(dir / "second", {fixture}, false);
  const auto chalk = [&](const std::string& layout) {
    ops::ReportContext context = test_context();
    context.environment["SOURCE_DATE_EPOCH"] = "1695487471";
    ops::InsertRequest request;
    request.target = "oci:" + (dir / layout).string();
    auto outcome = ops::insert(request, context);
    EXPECT_TRUE(outcome) << outcome.error().message;
    return chalk_layer_of(dir / layout);
  };
  const ChalkLayer first = chalk("first");
  const ChalkLayer second = chalk("second");
  EXPECT_EQ(second.digest, first.digest);
  EXPECT_EQ(second.mark_bytes, first.mark_bytes);
  EXPECT_EQ(Json::parse(first.mark_bytes)["TIMESTAMP_WHEN_CHALKED"], 1695487471000);
}

TEST(InsertOperation, ChalksEveryPlatformOfAnIndex) {
  TempDir dir;
  FixtureImage amd;
  amd.layers = {one_file_layer("a", "amd")};
  FixtureImage arm = amd;
  arm.architecture = "arm64";
  write_oci_layout(dir / "layout", {amd, arm}, true, "multi");
  ops::InsertRequest request;
  request.target = "oci:" + (dir / "layout").string();
  auto outcome = ops::insert(request, test_context());
  ASSERT_TRUE(outcome) << outcome.error().message;
  const Json& chalks = outcome->report["_CHALKS"];
  ASSERT_EQ(chalks.size(), 2u);
  EXPECT_EQ(chalks[0]["CHALK_ID"], chalks[1]["CHALK_ID"]);
  EXPECT_NE(chalks[0]["METADATA_ID"], chalks[1]["METADATA_ID"]);
  EXPECT_EQ(chalks[0]["DOCKER_PLATFORM"], "linux/amd64");
  EXPECT_EQ(chalks[1]["DOCKER_PLATFORM"], "linux/arm64");
  EXPECT_EQ(outcome->report["_OP_CHALK_COUNT"], 2);
  EXPECT_EQ(outcome->report["_ENV"], Json::parse(R"({"AWS_SECRET_ACCESS_KEY":"<<redact>>","PATH":"/bin"})"));

  auto set = oci::read_oci_layout(dir / "layout");
  ASSERT_TRUE(set);
  EXPECT_TRUE(oci::validate(*set));
  auto extracted = ops::extract({"oci:" + (dir / "layout").string()}, test_context());
  ASSERT_TRUE(extracted);
  EXPECT_EQ(extracted->report["_OP_CHALK_COUNT"], 2);
  EXPECT_EQ(extracted->report["_CHALKS"][1]["METADATA_ID"], chalks[1]["METADATA_ID"]);
  EXPECT_EQ(extracted->report["_CHALKS"][1]["_VALIDATED_METADATA"], true);
  EXPECT_EQ(extracted->exit_code, 0);
}

TEST(InsertOperation, LeavesNothingBehindOnFailure) {
  TempDir dir;
  FixtureImage fixture;
  fixture.layers = {one_file_layer("a", "LAYERDATA")};
  write_legacy_docker_archive(dir / "in.tar", fixture, {"app:1"});
  std::string bytes = read_file(dir / "in.tar");
  bytes[bytes.find("LAYERDATA")] = 'X';  // same size, wrong digest
  write_file(dir / "in.tar", bytes);
  const std::string original = read_file(dir / "in.tar");
  ops::InsertRequest request;
  request.target = (dir / "in.tar").string();
  request.output = dir / "out.tar";
  auto outcome = ops::insert(request, test_context());
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, util::Errc::digest_mismatch) << outcome.error().message;
  EXPECT_FALSE(fs::exists(dir / "out.tar"));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& item : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u) << "no temporary files left";
  EXPECT_EQ(read_file(dir / "in.tar"), original) << "the input is never modified";
}

TEST(ExtractOperation, ReportsUnchalkedImages) {
  TempDir dir;
  FixtureImage fixture;
  fixture.layers = {one_file_layer("a", "a")};
  write_legacy_docker_archive(dir / "in.tar", fixture, {"busybox:latest"});
  auto outcome = ops::extract({(dir / "in.tar").string()}, test_context());
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->report["_OP_CHALK_COUNT"], 0);
  EXPECT_EQ(outcome->report["_OP_UNMARKED_COUNT"], 1);
  EXPECT_EQ(outcome->report["_UNMARKED"], Json::array({"busybox:latest"}));
  EXPECT_FALSE(outcome->report.contains("_CHALKS"));
  EXPECT_EQ(outcome->exit_code, 0);
}

}  // namespace
}  // namespace chalk
