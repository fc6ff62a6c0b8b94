// insert and extract of local images through the one insert and extract path, against an
// engine that holds real images and keeps docker load's rules: the thin load, the save and
// full load an engine that cannot match held layers needs, a history that maps onto no layer,
// the name moved and no other, and the mark read back without exporting a layer.
#include <gtest/gtest.h>
#include <unistd.h>

#include "oci/mutate.hpp"
#include "plugin/chalk/effects.hpp"
#include "plugin/ops/image_ops.hpp"
#include "tests/unit/ops/image_engine.hpp"

namespace chalk::ops {
namespace {

namespace fs = std::filesystem;

class EngineOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(m_dir);
    m_context.effects = fixed_effects(1700000000000, "engine ops test");
    m_base = m_engine.add_image({"app:1", "base:keep"});
    m_homes.engine = &m_engine;
  }
  void TearDown() override { fs::remove_all(m_dir); }

  InsertRequest request(const std::string& target) const {
    InsertRequest insert;
    insert.target = target;
    insert.config_source = "# config\n";
    insert.shim = Shim::in_memory("#!static shim stand-in\n");
    insert.temp_directory = m_dir;
    return insert;
  }
  // The image the engine now has under `tag`, as a set whose layers are the engine's own bytes.
  oci::Status valid_in_engine(const std::string& tag) {
    const std::string id = m_engine.resolve(tag);
    const fs::path archive = m_dir.string() + "-check.tar";
    oci::TempPath remove_after{archive};
    auto saved = m_engine.save_image(id, archive);
    if (!saved) return saved;
    auto set = oci::read_docker_archive(archive);
    if (!set) return set.error();
    return oci::validate(*set);
  }

  fs::path m_dir = fs::temp_directory_path() / ("chalk-engine-ops-test-" + std::to_string(::getpid()));
  ReportContext m_context;
  testing::ImageEngine m_engine;
  std::string m_base;
  Homes m_homes;
};

TEST_F(EngineOpsTest, InsertLoadsOnlyTheNewLayersAndMovesOnlyTheNameGiven) {
  auto outcome = insert(request("app:1"), m_context, m_homes);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ((std::vector<std::string>{"inspect app:1", "history app:1", "load", "inspect app:1"}),
            m_engine.calls);
  const std::string chalked = m_engine.tags["app:1"];
  EXPECT_NE(m_base, chalked);
  EXPECT_EQ(m_base, m_engine.tags["base:keep"]) << "another name of the same image stays";
  EXPECT_EQ(3U, m_engine.images[chalked].layer_tars.size()) << "base, shim and mark layers";
  EXPECT_TRUE(valid_in_engine("app:1"));
  const oci::Json& entry = outcome->report["_CHALKS"][0];
  EXPECT_EQ("insert", outcome->report["_OPERATION"]);
  EXPECT_EQ(chalked.substr(7), entry["_IMAGE_ID"]);
  EXPECT_EQ(oci::Json::array({"app:1"}), entry["DOCKER_TAGS"]);
  for (const auto& file : fs::directory_iterator(m_dir)) ADD_FAILURE() << "left behind: " << file.path();
}

TEST_F(EngineOpsTest, AnEngineThatCannotMatchHeldLayersGetsASaveAndAFullLoad) {
  m_engine.refuse_thin = true;
  auto outcome = insert(request("app:1"), m_context, m_homes);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ((std::vector<std::string>{"inspect app:1", "history app:1", "load", "inspect app:1",
                                      "save " + m_base, "load", "inspect app:1"}),
            m_engine.calls);
  EXPECT_TRUE(valid_in_engine("app:1"));
  EXPECT_EQ(m_base, m_engine.tags["base:keep"]);
  for (const auto& file : fs::directory_iterator(m_dir)) ADD_FAILURE() << "left behind: " << file.path();
}

TEST_F(EngineOpsTest, AHistoryThatMapsOntoNoLayerIsReadFromASaveAndStillLoadedThin) {
  m_engine.ambiguous_history = true;
  auto outcome = insert(request("app:1"), m_context, m_homes);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(
      (std::vector<std::string>{"inspect app:1", "history app:1", "save " + m_base, "load", "inspect app:1"}),
      m_engine.calls);
  EXPECT_TRUE(valid_in_engine("app:1"));
}

TEST_F(EngineOpsTest, WhenEveryWayFailsTheImageAndItsTagsStayAndNothingIsLeft) {
  m_engine.fail_load = true;
  auto outcome = insert(request("app:1"), m_context, m_homes);
  ASSERT_FALSE(outcome);
  EXPECT_NE(std::string::npos, outcome.error().message.find("loading: refused")) << outcome.error().message;
  EXPECT_EQ(m_base, m_engine.tags["app:1"]);
  EXPECT_EQ(1U, m_engine.images.size());
  for (const auto& file : fs::directory_iterator(m_dir)) ADD_FAILURE() << "left behind: " << file.path();
}

TEST_F(EngineOpsTest, AnImageThatCannotBeReadIsNotTriedAnotherWay) {
  auto outcome = insert(request("nosuch:1"), m_context, m_homes);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(util::Errc::not_found, outcome.error().code);
  EXPECT_EQ((std::vector<std::string>{"inspect nosuch:1"}), m_engine.calls);
  EXPECT_EQ(std::string::npos, outcome.error().message.find("thin load")) << outcome.error().message;
}

TEST_F(EngineOpsTest, AnEngineAnswerOfTheWrongShapeIsOneErrorNamingTheField) {
  for (const auto& [tamper, field] : std::vector<std::pair<std::function<void(oci::Json&)>, std::string>>{
           {[](oci::Json& answer) { answer["Id"] = 5; }, "Id is not a string"},
           {[](oci::Json& answer) { answer["RootFS"]["Layers"] = oci::Json::array({1}); }, "RootFS.Layers"},
           {[](oci::Json& answer) { answer["RepoTags"] = "app:1"; }, "RepoTags"},
           {[](oci::Json& answer) { answer["Config"] = 3; }, "Config is not an object"}}) {
    m_engine.tamper_inspect = tamper;
    auto inserted = insert(request("app:1"), m_context, m_homes);
    ASSERT_FALSE(inserted) << field;
    EXPECT_EQ(util::Errc::docker, inserted.error().code);
    EXPECT_NE(std::string::npos, inserted.error().message.find(field)) << inserted.error().message;
    auto extracted = extract({"app:1", m_dir}, m_context, m_homes);
    ASSERT_FALSE(extracted) << field;
  }
  EXPECT_EQ(m_base, m_engine.tags["app:1"]);
}

TEST_F(EngineOpsTest, ExtractReadsTheMarkWithoutExportingALayer) {
  auto unmarked = extract({"app:1", m_dir}, m_context, m_homes);
  ASSERT_TRUE(unmarked) << unmarked.error().message;
  EXPECT_EQ(oci::Json::array({"app:1"}), unmarked->report["_UNMARKED"]);
  EXPECT_EQ((std::vector<std::string>{"inspect app:1", "history app:1"}), m_engine.calls)
      << "an unmarked history needs no copy";

  auto inserted = insert(request("app:1"), m_context, m_homes);
  ASSERT_TRUE(inserted) << inserted.error().message;
  m_engine.calls.clear();
  auto marked = extract({"app:1", m_dir}, m_context, m_homes);
  ASSERT_TRUE(marked) << marked.error().message;
  EXPECT_EQ((std::vector<std::string>{"inspect app:1", "history app:1", "copy app:1 /chalk.json"}),
            m_engine.calls);
  const oci::Json& mark = marked->report["_CHALKS"][0];
  const oci::Json& chalked = inserted->report["_CHALKS"][0];
  EXPECT_EQ(chalked["CHALK_ID"], mark["CHALK_ID"]);
  EXPECT_EQ(chalked["METADATA_ID"], mark["METADATA_ID"]);
  EXPECT_EQ(m_engine.tags["app:1"].substr(7), mark["_IMAGE_ID"]) << "the engine's ID, not a rebuilt config's";
  EXPECT_EQ(true, mark["_VALIDATED_METADATA"]);
  EXPECT_EQ(0, marked->exit_code);
}

TEST_F(EngineOpsTest, RechalkingAnEngineImageReplacesItsMark) {
  ASSERT_TRUE(insert(request("app:1"), m_context, m_homes));
  const std::string first = m_engine.tags["app:1"];
  m_context.effects = fixed_effects(1700000001000, "a second run");
  auto again = insert(request("app:1"), m_context, m_homes);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_NE(first, m_engine.tags["app:1"]);
  EXPECT_EQ(3U, m_engine.images[m_engine.tags["app:1"]].layer_tars.size()) << "one shim, one mark";
  EXPECT_TRUE(valid_in_engine("app:1"));
}

TEST_F(EngineOpsTest, ALocalImageTakesNoOutputAndAnEngineIsNeeded) {
  InsertRequest with_output = request("app:1");
  with_output.output = m_dir / "out.tar";
  auto refused = insert(with_output, m_context, m_homes);
  ASSERT_FALSE(refused);
  EXPECT_EQ(util::Errc::invalid_argument, refused.error().code);
  auto no_engine = insert(request("app:1"), m_context, {});
  ASSERT_FALSE(no_engine);
  EXPECT_TRUE(m_engine.calls.empty());
}

}  // namespace
}  // namespace chalk::ops
