#include "oci/formats.hpp"

#include <gtest/gtest.h>

#include "oci/mutate.hpp"
#include "oci/tar_writer.hpp"
#include "tests/support/hostile_fixtures.hpp"
#include "tests/support/image_fixtures.hpp"

namespace oci {
namespace {

namespace fs = std::filesystem;
using namespace chalk::testing;

FixtureImage two_layer_image() {
  FixtureImage image;
  image.layers = {one_file_layer("bin/app", "app"), one_file_layer("etc/conf", "conf")};
  return image;
}

std::size_t files_in(const fs::path& directory) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& item : fs::directory_iterator(directory)) ++count;
  return count;
}

TEST(ImageRef, ParsesTransportsAndDetectsBarePaths) {
  TempDir dir;
  auto docker = parse_image_ref("docker-archive:/x/img.tar");
  ASSERT_TRUE(docker);
  EXPECT_EQ(docker->format, ImageSet::Format::docker_archive);
  EXPECT_EQ(docker->path, "/x/img.tar");
  auto tagged = parse_image_ref("oci:/x/layout:v1");
  ASSERT_TRUE(tagged);
  EXPECT_EQ(tagged->format, ImageSet::Format::oci_layout);
  EXPECT_EQ(tagged->path, "/x/layout");
  EXPECT_EQ(tagged->tag, "v1");
  EXPECT_EQ(parse_image_ref("oci-archive:/x/a.tar:latest")->tag, "latest");

  write_legacy_docker_archive(dir / "legacy.tar", two_layer_image(), {"app:1"});
  EXPECT_EQ(parse_image_ref((dir / "legacy.tar").string())->format, ImageSet::Format::docker_archive);
  write_oci_layout(dir / "layout", {two_layer_image()}, false);
  EXPECT_EQ(parse_image_ref((dir / "layout").string())->format, ImageSet::Format::oci_layout);
  tar_directory(dir / "layout", dir / "oci.tar");
  EXPECT_EQ(parse_image_ref((dir / "oci.tar").string())->format, ImageSet::Format::oci_archive);
  EXPECT_EQ(parse_image_ref((dir / "nothing").string()).error().code, Errc::not_found);
}

// A name the system refuses to stat (a component longer than NAME_MAX, found by fuzzing)
// is a missing path, not an exception.
TEST(ImageRef, AComponentTooLongForTheSystemIsAnErrorNotAnException) {
  const std::string long_name(300, 'u');
  auto tagged = parse_image_ref("oci:" + long_name + ":v1");
  ASSERT_TRUE(tagged);
  EXPECT_EQ(tagged->tag, "v1");
  auto read = read_image_set(*tagged);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find(long_name), std::string::npos) << read.error().message;
  EXPECT_EQ(parse_image_ref(long_name).error().code, Errc::not_found);
}

TEST(OutputRef, TransportPrefixesSetTheFormatAndBarePathsLeaveIt) {
  auto layout = parse_output_ref("oci:/x/out");
  ASSERT_TRUE(layout) << layout.error().message;
  EXPECT_EQ(layout->format, ImageSet::Format::oci_layout);
  EXPECT_EQ(layout->path, "/x/out");
  EXPECT_EQ(parse_output_ref("oci-archive:out.tar")->format, ImageSet::Format::oci_archive);
  EXPECT_EQ(parse_output_ref("docker-archive:out.tar")->format, ImageSet::Format::docker_archive);
  auto bare = parse_output_ref("dir/out.tar");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->format);
  EXPECT_EQ(bare->path, "dir/out.tar");
  // A colon in a bare path is a file name; after a transport it would be a tag, which an
  // output does not take.
  EXPECT_EQ(parse_output_ref("a:b.tar")->path, "a:b.tar");
  const auto tagged = parse_output_ref("oci:/x/out:v1");
  ASSERT_FALSE(tagged);
  EXPECT_NE(tagged.error().message.find("takes no `:TAG`"), std::string::npos) << tagged.error().message;
  EXPECT_FALSE(parse_output_ref("oci:"));
}

TEST(DockerArchive, ReadsLegacyArchives) {
  TempDir dir;
  write_legacy_docker_archive(dir / "img.tar", two_layer_image(), {"app:1", "app:latest"});
  auto set = read_docker_archive(dir / "img.tar");
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->entries.size(), 1u);
  EXPECT_EQ(set->entries[0].names, (std::vector<std::string>{"app:1", "app:latest"}));
  const Image& image = set->entries[0].node.image();
  EXPECT_EQ(image.layers.size(), 2u);
  EXPECT_EQ(image.platform().str(), "linux/amd64");
  EXPECT_TRUE(validate(*set)) << validate(*set).error().message;
}

TEST(DockerArchive, RoundTripsThroughEveryFormat) {
  TempDir dir;
  write_legacy_docker_archive(dir / "img.tar", two_layer_image(), {"app:1"});
  auto set = read_docker_archive(dir / "img.tar");
  ASSERT_TRUE(set);
  const std::string config_bytes = set->entries[0].node.image().config_bytes;
  for (auto format :
       {ImageSet::Format::docker_archive, ImageSet::Format::oci_archive, ImageSet::Format::oci_layout}) {
    const fs::path out = dir / ("out-" + format_name(format));
    ASSERT_TRUE(write_image_set(*set, {format, out, {}}));
    auto again = read_image_set({format, out, ""});
    ASSERT_TRUE(again) << format_name(format) << ": " << again.error().message;
    ASSERT_EQ(again->entries.size(), 1u);
    EXPECT_EQ(again->entries[0].node.image().config_bytes, config_bytes) << "config bytes survive unchanged";
    EXPECT_TRUE(validate(*again)) << format_name(format);
    if (format != ImageSet::Format::oci_archive) {
      EXPECT_EQ(again->entries[0].names.front(), "app:1");
    }
  }
}

Json archive_json(const fs::path& archive, const std::string& name) {
  auto content =
      read_file_from_layer(std::make_unique<MemoryStream>(read_file(archive)), name, 1 << 20, name);
  EXPECT_TRUE(content && *content) << name;
  return content && *content ? Json::parse(**content) : Json();
}

TEST(DockerArchive, WritesNamesAsDockerLoadWantsThem) {
  TempDir dir;
  write_legacy_docker_archive(dir / "img.tar", two_layer_image(), {"app:1"});
  auto set = read_docker_archive(dir / "img.tar");
  ASSERT_TRUE(set);
  set->entries[0].names = {"mychalkedcontainer", "localhost:5000/team/app", "localhost:5000/app:2",
                           "app@sha256:" + std::string(64, 'b')};
  ASSERT_TRUE(write_image_set(*set, {ImageSet::Format::docker_archive, dir / "out.tar", {}}));
  const Json manifest = archive_json(dir / "out.tar", "manifest.json");
  EXPECT_EQ(manifest[0]["RepoTags"],
            Json::parse(
                R"(["mychalkedcontainer:latest","localhost:5000/team/app:latest","localhost:5000/app:2"])"));
  const Json repositories = archive_json(dir / "out.tar", "repositories");
  EXPECT_EQ(repositories["mychalkedcontainer"].begin().key(), "latest");
  EXPECT_EQ(repositories["localhost:5000/team/app"].begin().key(), "latest");
  EXPECT_EQ(repositories["localhost:5000/app"].begin().key(), "2");
  auto again = read_docker_archive(dir / "out.tar");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->entries[0].names.front(), "mychalkedcontainer:latest");
}

TEST(DockerArchive, RefusesANameDockerLoadWouldRefuseBeforeWriting) {
  TempDir dir;
  write_legacy_docker_archive(dir / "img.tar", two_layer_image(), {"app:1"});
  auto set = read_docker_archive(dir / "img.tar");
  ASSERT_TRUE(set);
  set->entries[0].names = {"Upper/Case"};
  auto written = write_image_set(*set, {ImageSet::Format::docker_archive, dir / "out.tar", {}});
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("invalid reference `Upper/Case`"), std::string::npos)
      << written.error().message;
  EXPECT_FALSE(fs::exists(dir / "out.tar"));
}

TEST(DockerArchive, ReadsTheManifestJsonDockerLoadReads) {
  TempDir dir;
  FixtureImage first = two_layer_image();
  FixtureImage second;
  second.layers = {one_file_layer("other", "other")};
  write_hard_link_to_redefined_name(dir / "img.tar", first, second);
  auto set = read_docker_archive(dir / "img.tar");
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->entries.size(), 1u);
  EXPECT_EQ(set->entries[0].names, (std::vector<std::string>{"first:1"}));
  EXPECT_EQ(set->entries[0].node.image().config_bytes, fixture_config(first).dump());
}

TEST(DockerArchive, AgreeingDescriptionsOfDocker25ArchivesRead) {
  TempDir dir;
  write_legacy_docker_archive(dir / "img.tar", two_layer_image(), {"app:1"});
  auto set = read_docker_archive(dir / "img.tar");
  ASSERT_TRUE(set);
  ASSERT_TRUE(write_image_set(*set, {ImageSet::Format::docker_archive, dir / "new.tar", {}}));
  auto again = read_docker_archive(dir / "new.tar");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->entries[0].names, (std::vector<std::string>{"app:1"}));
}

TEST(DockerArchive, FailsOnMissingManifestJson) {
  TempDir dir;
  write_file(dir / "a.tar", raw_tar({{"something", "x"}}));
  auto set = read_docker_archive(dir / "a.tar");
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, Errc::not_found);
  EXPECT_NE(set.error().message.find("manifest.json"), std::string::npos);
  EXPECT_NE(set.error().message.find("a.tar"), std::string::npos);
}

TEST(DockerArchive, FailsOnNonJsonManifest) {
  TempDir dir;
  write_file(dir / "a.tar", raw_tar({{"manifest.json", "this is { not json"}}));
  auto set = read_docker_archive(dir / "a.tar");
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, Errc::invalid_format);
  EXPECT_NE(set.error().message.find("manifest.json in `"), std::string::npos) << set.error().message;
  EXPECT_NE(set.error().message.find("not valid JSON"), std::string::npos);
}

TEST(DockerArchive, FailsOnManifestPointingOutside) {
  TempDir dir;
  const std::string manifest = R"([{"Config":"../../etc/passwd","RepoTags":[],"Layers":[]}])";
  write_file(dir / "a.tar", raw_tar({{"manifest.json", manifest}}));
  auto set = read_docker_archive(dir / "a.tar");
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, Errc::unsafe_path);
  EXPECT_NE(set.error().message.find("outside the archive"), std::string::npos) << set.error().message;
}

TEST(DockerArchive, FailsOnLayerDigestMismatch) {
  TempDir dir;
  FixtureImage image = two_layer_image();
  write_legacy_docker_archive(dir / "a.tar", image, {});
  // Same size, different bytes: rewrite one byte of the first layer's file content.
  std::string bytes = read_file(dir / "a.tar");
  const auto at = bytes.find("app");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'X';
  write_file(dir / "a.tar", bytes);
  auto set = read_docker_archive(dir / "a.tar");
  ASSERT_TRUE(set) << "indexing reads headers only";
  auto valid = validate(*set);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().code, Errc::digest_mismatch);
  EXPECT_NE(valid.error().message.find("blob sha256:"), std::string::npos) << valid.error().message;
  // Writing it anywhere fails too, and leaves no output or temporary file behind.
  const auto before = files_in(dir.path());
  auto written = write_image_set(*set, {ImageSet::Format::docker_archive, dir / "out.tar", {}});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, Errc::digest_mismatch);
  EXPECT_FALSE(fs::exists(dir / "out.tar"));
  EXPECT_EQ(files_in(dir.path()), before);
}

TEST(DockerArchive, FailsOnTruncatedArchive) {
  TempDir dir;
  write_legacy_docker_archive(dir / "a.tar", two_layer_image(), {});
  const std::string bytes = read_file(dir / "a.tar");
  write_file(dir / "short.tar", bytes.substr(0, bytes.size() / 2));
  auto set = read_docker_archive(dir / "short.tar");
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().message.find("short.tar"), std::string::npos);
}

TEST(OciLayout, ReadsIndexesAndNestedIndexes) {
  TempDir dir;
  FixtureImage arm = two_layer_image();
  arm.architecture = "arm64";
  write_oci_layout(dir / "layout", {two_layer_image(), arm}, true, "multi");
  auto set = read_oci_layout(dir / "layout");
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->entries.size(), 1u);
  ASSERT_FALSE(set->entries[0].node.is_image());
  EXPECT_EQ(set->entries[0].node.index().children.size(), 2u);
  EXPECT_EQ(set->entries[0].names.front(), "multi");
  EXPECT_TRUE(validate(*set));
}

TEST(OciLayout, FailsOnMissingIndexJson) {
  TempDir dir;
  write_oci_layout(dir / "layout", {two_layer_image()}, false);
  fs::remove(dir / "layout" / "index.json");
  auto set = read_oci_layout(dir / "layout");
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().message.find("index.json"), std::string::npos) << set.error().message;
}

TEST(OciLayout, FailsOnHugeDeclaredLayerAtReadTime) {
  TempDir dir;
  write_oci_layout(dir / "layout", {two_layer_image()}, false);
  auto set = read_oci_layout(dir / "layout");
  ASSERT_TRUE(set);
  Image image = set->entries[0].node.image();
  image.layers[0].size = 1ull << 40;
  auto stream = open_blob(*image.blobs, image.layers[0]);
  ASSERT_TRUE(stream);
  char buffer[4096];
  Result<std::size_t> got = std::size_t{1};
  while (got && *got > 0) got = (*stream)->read(buffer, sizeof buffer);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::size_mismatch);
  EXPECT_NE(got.error().message.find("1099511627776"), std::string::npos) << got.error().message;
}

TEST(OciLayout, RefusesOversizedManifests) {
  TempDir dir;
  write_oci_layout(dir / "layout", {two_layer_image()}, false);
  auto index = nlohmann::ordered_json::parse(read_file(dir / "layout" / "index.json"));
  index["manifests"][0]["size"] = 1ull << 40;
  write_file(dir / "layout" / "index.json", index.dump());
  auto set = read_oci_layout(dir / "layout");
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, Errc::size_mismatch);
  EXPECT_NE(set.error().message.find("too large"), std::string::npos);
}

TEST(OciArchive, ReadsWhatWeTarred) {
  TempDir dir;
  write_oci_layout(dir / "layout", {two_layer_image()}, false, "v1");
  tar_directory(dir / "layout", dir / "oci.tar");
  auto set = read_image_set(*parse_image_ref("oci-archive:" + (dir / "oci.tar").string() + ":v1"));
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_TRUE(validate(*set));
  auto wrong_tag = read_image_set(*parse_image_ref("oci-archive:" + (dir / "oci.tar").string() + ":nope"));
  ASSERT_FALSE(wrong_tag);
  EXPECT_EQ(wrong_tag.error().code, Errc::not_found);
}

}  // namespace
}  // namespace oci
