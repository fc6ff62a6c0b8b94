// ops::build against fakes: the user's docker build runs with its arguments (plus our
// --iidfile), the built image is chalked by a thin load, the save/load fallback is taken when
// the thin load fails, and whatever fails after docker succeeded leaves docker's image and
// exit code (fail open).
#include "plugin/ops/build_op.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "oci/digest.hpp"
#include "oci/file_io.hpp"
#include "tests/support/fake_registry.hpp"
#include "tests/unit/ops/image_engine.hpp"

namespace chalk::ops {
namespace {

namespace fs = std::filesystem;

// Runs `docker build` by writing the image ID into its --iidfile, as docker does.
class FakeDocker final : public docker::DockerClient {
 public:
  util::Result<int> stream(const std::vector<std::string>& args) override {
    calls.push_back(args);
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] != "--iidfile") continue;
      std::ofstream(args[i + 1]) << built_id;
      iidfile_registered = oci::TempRegistry::process().contains(args[i + 1]);
    }
    return exit_code;
  }
  util::Result<docker::CommandResult> capture(const std::vector<std::string>& args,
                                              const std::string&) override {
    calls.push_back(args);
    return docker::CommandResult{exit_code, "", captured_stderr};
  }
  std::vector<std::vector<std::string>> calls;
  std::string built_id = "sha256:built";
  int exit_code = 0;
  std::string captured_stderr;      // what a captured docker writes to stderr
  bool iidfile_registered = false;  // our own --iidfile, removed by a signal's clean-up
};

class BuildOpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("chalk-build-op-test-" + std::to_string(::getpid()));
    fs::create_directories(m_dir);
    m_request.args = {"-t", "app:1", "."};
    m_request.cwd = m_dir;
    m_request.temp_directory = m_dir;
    m_context.effects = process_effects();
    m_built = m_engine.add_image({"app:1"});
    m_docker.built_id = m_built;
  }
  void TearDown() override { fs::remove_all(m_dir); }

  fs::path m_dir;
  BuildRequest m_request;
  ReportContext m_context;
  FakeDocker m_docker;
  testing::ImageEngine m_engine;
  std::string m_built;  // the image docker build made
};

TEST_F(BuildOpTest, ChalksTheBuiltImageByAThinLoad) {
  const auto outcome = build(m_request, m_docker, m_engine, m_context);
  EXPECT_EQ(0, outcome.exit_code);
  ASSERT_EQ(1U, m_docker.calls.size());
  const auto& docker_build = m_docker.calls[0];
  // The user's arguments untouched, our --iidfile added before the context.
  ASSERT_EQ(6U, docker_build.size());
  EXPECT_EQ((std::vector<std::string>{"build", "-t", "app:1", "--iidfile", docker_build[4], "."}),
            docker_build);
  EXPECT_TRUE(m_docker.iidfile_registered) << "a signal during the build would leave our --iidfile";
  EXPECT_EQ((std::vector<std::string>{"inspect " + m_built, "history " + m_built, "load", "inspect app:1"}),
            m_engine.calls);
  ASSERT_TRUE(outcome.report.has_value()) << (outcome.warnings.empty() ? "" : outcome.warnings[0]);
  EXPECT_EQ(1, (*outcome.report)["_OP_CHALK_COUNT"]);
  EXPECT_NE(m_built, outcome.image_id);
  EXPECT_EQ(outcome.image_id, m_engine.tags["app:1"]) << "the tag moved to the chalked image";
  EXPECT_EQ(outcome.image_id.substr(7), (*outcome.report)["_CHALKS"][0]["_IMAGE_ID"]);
  // The archive carried the new config and layers, not the base layer the engine holds.
  const std::string base = m_engine.images[m_built].config["rootfs"]["diff_ids"][0];
  auto base_in_archive = oci::read_file_from_layer(std::make_unique<oci::MemoryStream>(m_engine.loaded),
                                                   "blobs/sha256/" + base.substr(7), 1 << 20, "load");
  ASSERT_TRUE(base_in_archive);
  EXPECT_FALSE(base_in_archive->has_value());
  EXPECT_EQ(2U, m_engine.images[outcome.image_id].layer_tars.size());
  // Built with no shim (mark only), the one warning says so.
  EXPECT_EQ(
      (std::vector<std::string>{"linux/amd64: entrypoint not wrapped: no runtime shim for this platform"}),
      outcome.warnings);
}

TEST_F(BuildOpTest, AnEngineThatCannotMatchHeldLayersGetsTheWholeImageFromASave) {
  m_engine.refuse_thin = true;
  const auto outcome = build(m_request, m_docker, m_engine, m_context);
  EXPECT_EQ(0, outcome.exit_code);
  EXPECT_EQ((std::vector<std::string>{"inspect " + m_built, "history " + m_built, "load",
                                      "inspect " + m_built, "save " + m_built, "load", "inspect app:1"}),
            m_engine.calls);
  ASSERT_TRUE(outcome.report.has_value()) << (outcome.warnings.empty() ? "" : outcome.warnings[0]);
  EXPECT_EQ(outcome.image_id, m_engine.tags["app:1"]);
  EXPECT_TRUE(m_engine.save_target_registered) << "docker save wrote into an unregistered temporary";
}

TEST_F(BuildOpTest, AFailedThinLoadFallsBackToSaveAndFailsOpen) {
  m_engine.fail_load = true;
  m_engine.fail_save = true;
  const auto outcome = build(m_request, m_docker, m_engine, m_context);
  EXPECT_EQ(0, outcome.exit_code);  // docker's, whatever chalking did
  EXPECT_EQ((std::vector<std::string>{"inspect " + m_built, "history " + m_built, "load",
                                      "inspect " + m_built, "save " + m_built}),
            m_engine.calls);
  EXPECT_FALSE(outcome.report.has_value());
  ASSERT_TRUE(outcome.failure.has_value());
  EXPECT_EQ(0, (*outcome.failure)["_OP_CHALK_COUNT"]);
  EXPECT_EQ(m_built, outcome.image_id);
  EXPECT_EQ(m_built, m_engine.tags["app:1"]) << "docker's image keeps its tag";
  ASSERT_EQ(1U, outcome.warnings.size());
  EXPECT_NE(std::string::npos, outcome.warnings[0].find("chalking `app:1`"));
  EXPECT_NE(std::string::npos, outcome.warnings[0].find("loading: refused"));
  EXPECT_NE(std::string::npos, outcome.warnings[0].find("engine gone"));
  EXPECT_NE(std::string::npos, outcome.warnings[0].find("image left unchalked"));
  EXPECT_TRUE(m_engine.save_target_registered) << "docker save wrote into an unregistered temporary";
}

TEST_F(BuildOpTest, AFailedDockerBuildIsReportedAndNothingIsChalked) {
  m_docker.exit_code = 7;
  const auto outcome = build(m_request, m_docker, m_engine, m_context);
  EXPECT_EQ(7, outcome.exit_code);
  EXPECT_TRUE(m_engine.calls.empty());
  ASSERT_TRUE(outcome.failure.has_value());
  EXPECT_EQ(7, (*outcome.failure)["_OP_EXIT_CODE"]);
}

// Under -q the operation prints nothing itself: docker's stderr comes back for the command.
TEST_F(BuildOpTest, QuietBuildsHandDockersStderrBack) {
  m_request.args = {"-q", "-t", "app:1", "."};
  m_docker.exit_code = 7;
  m_docker.captured_stderr = "ERROR: failed to solve: step 1\n";
  const auto outcome = build(m_request, m_docker, m_engine, m_context);
  EXPECT_TRUE(outcome.quiet);
  EXPECT_EQ(7, outcome.exit_code);
  EXPECT_EQ(outcome.docker_stderr, "ERROR: failed to solve: step 1\n");
}

// buildx (the fake's `buildx version` succeeds) pushed docker's image to the registry itself;
// chalk must mark it there and move the tag, never touching the engine.
class BuildxPushTest : public BuildOpTest {
 protected:
  void SetUp() override {
    BuildOpTest::SetUp();
    // The registry client's blob-location cache goes under $XDG_CACHE_HOME: keep it here.
    ::setenv("XDG_CACHE_HOME", m_dir.c_str(), 1);
    m_request.registry.docker_config_directory = m_dir;  // no config.json: anonymous
    std::ofstream(m_dir / "Dockerfile") << "FROM scratch\n";
    m_tag = m_registry.host() + "/app:1";
    m_request.args = {"-t", m_tag, "--push", "."};
  }
  chalk::testing::FakeRegistry m_registry;
  std::string m_tag;
};

TEST_F(BuildxPushTest, ChalksThePushedImageInTheRegistryAndReportsItsDigest) {
  const std::string pushed = m_registry.add_image("app", "1", "docker's layer");
  const auto outcome = build(m_request, m_docker, m_engine, m_context);
  EXPECT_EQ(0, outcome.exit_code);
  // docker build ran as typed (buildx pushes by itself); the engine was never asked.
  EXPECT_EQ(
      (std::vector<std::vector<std::string>>{{"buildx", "version"}, {"build", "-t", m_tag, "--push", "."}}),
      m_docker.calls);
  EXPECT_TRUE(m_engine.calls.empty());
  ASSERT_TRUE(outcome.report.has_value()) << (outcome.warnings.empty() ? "" : outcome.warnings[0]);
  ASSERT_TRUE(outcome.push.has_value());

  // The tag now serves a chalked image: docker's layer plus the chalk layer.
  const auto served = m_registry.manifest("app", "1");
  ASSERT_TRUE(served);
  const std::string served_hex = oci::sha256_digest(served->second).hex().data();
  EXPECT_NE(pushed, "sha256:" + served_hex);
  EXPECT_EQ(2U, oci::Json::parse(served->second)["layers"].size());

  const oci::Json& entry = (*outcome.report)["_CHALKS"][0];
  EXPECT_EQ("build", (*outcome.report)["_OPERATION"]);
  EXPECT_EQ(1, (*outcome.report)["_OP_CHALK_COUNT"]);
  EXPECT_EQ(served_hex, entry["_REPO_DIGESTS"][m_registry.host()]["app"][0]);
  EXPECT_EQ(served_hex, entry["_REPO_TAGS"][m_registry.host()]["app"]["1"]);
  EXPECT_EQ("FROM scratch\n", entry["DOCKER_FILE"]);
  EXPECT_TRUE(entry.contains("DOCKERFILE_PATH"));

  const oci::Json& push = (*outcome.push)["_CHALKS"][0];
  EXPECT_EQ("push", (*outcome.push)["_OPERATION"]);
  EXPECT_EQ(entry["CHALK_ID"], push["CHALK_ID"]);
  EXPECT_EQ(entry["METADATA_ID"], push["METADATA_ID"]);
  EXPECT_EQ(served_hex, push["_REPO_DIGESTS"][m_registry.host()]["app"][0]);
  for (const auto& warning : outcome.warnings)
    EXPECT_EQ(std::string::npos, warning.find("unchalked")) << warning;
}

TEST_F(BuildxPushTest, ATagThatCannotBeChalkedKeepsDockersImageAndExitCode) {
  // buildx "pushed" nothing the registry can serve under the tag.
  const auto outcome = build(m_request, m_docker, m_engine, m_context);
  EXPECT_EQ(0, outcome.exit_code);
  EXPECT_FALSE(outcome.report.has_value());
  EXPECT_FALSE(outcome.push.has_value());
  ASSERT_TRUE(outcome.failure.has_value());
  EXPECT_EQ(oci::Json::array({m_tag}), (*outcome.failure)["_UNMARKED"]);
  ASSERT_EQ(1U, outcome.warnings.size());
  EXPECT_EQ(0U,
            outcome.warnings[0].rfind("chalking `" + m_tag + "` in its registry after buildx pushed it: ", 0))
      << outcome.warnings[0];
  EXPECT_NE(std::string::npos, outcome.warnings[0].find("manifest `app:1`")) << outcome.warnings[0];
  EXPECT_EQ(std::string::npos, outcome.warnings[0].find('\n'));
}

}  // namespace
}  // namespace chalk::ops
