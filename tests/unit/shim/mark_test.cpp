#include "runtime-shim/mark.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime-shim/file_text.hpp"

namespace chalk::shim {
namespace {

const std::string k_mark =
    R"({"MAGIC":"dadfedabbadabbed","CHALK_ID":"64V66C-V36G-TK8D-HJCSHK","CHALK_VERSION":"0.1.0",)"
    R"("TIMESTAMP_WHEN_CHALKED":1695487471882,"DOCKER_LABELS":{"b":"2","a":"1"},"METADATA_ID":"S7Y1WG-THFE-ZAGZ-TP03AC"})"
    "\n";

class MarkFile : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() / ("chalk-shim-mark-" + std::to_string(::getpid()));
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::string write(const std::string& content, mode_t mode = 0444) {
    const std::string path = (m_dir / "chalk.json").string();
    std::filesystem::remove(path);
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::string read(const std::string& path) { return read_text_file(path).value(); }

  std::filesystem::path m_dir;
};

TEST_F(MarkFile, ReadsAMark) {
  const auto mark = read_mark(write(k_mark));
  ASSERT_TRUE(mark.ok());
  ASSERT_TRUE(mark->has_value());
  EXPECT_EQ((**mark)["CHALK_ID"], "64V66C-V36G-TK8D-HJCSHK");
}

TEST_F(MarkFile, NoFileOrNoMagicIsUnmarked) {
  const auto missing = read_mark((m_dir / "absent.json").string());
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  const auto child = read_mark(write(R"({"EMBEDDED_CHALK":[],"OLD_CHALK_METADATA_ID":"X"})"));
  ASSERT_TRUE(child.ok());
  EXPECT_FALSE(child->has_value());
}

TEST_F(MarkFile, BadJsonIsAnError) {
  const std::string path = write("{\"MAGIC\":");
  const auto mark = read_mark(path);
  ASSERT_FALSE(mark.ok());
  EXPECT_EQ(mark.error().code, util::Errc::invalid_format);
  EXPECT_EQ(mark.error().message, "reading mark `" + path + "`: not valid JSON");
  EXPECT_FALSE(read_mark(write("[1,2]")).ok());
}

TEST_F(MarkFile, OnbuildEmbedsTheParentMarkInOrder) {
  const std::string path = write(k_mark);
  const auto outcome = rewrite_for_child_build(path);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(*outcome, OnbuildOutcome::rewritten);
  std::string parent = k_mark;
  parent.pop_back();
  EXPECT_EQ(read(path), R"({"EMBEDDED_CHALK":[)" + parent +
                            R"(],"OLD_CHALK_METADATA_ID":"S7Y1WG-THFE-ZAGZ-TP03AC"})" + "\n");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0444U);
  // A second trigger (a grandchild build) finds no MAGIC and leaves the file alone.
  EXPECT_EQ(*rewrite_for_child_build(path), OnbuildOutcome::unchanged);
}

TEST_F(MarkFile, OnbuildKeepsTheMetadataHash) {
  const std::string path =
      write(R"({"MAGIC":"dadfedabbadabbed","METADATA_HASH":"c9fc","METADATA_ID":"S7Y1"})");
  ASSERT_TRUE(rewrite_for_child_build(path).ok());
  EXPECT_EQ(read(path),
            R"({"EMBEDDED_CHALK":[{"MAGIC":"dadfedabbadabbed","METADATA_HASH":"c9fc","METADATA_ID":"S7Y1"}],)"
            R"("OLD_CHALK_METADATA_ID":"S7Y1","OLD_CHALK_METADATA_HASH":"c9fc"})"
            "\n");
}

TEST_F(MarkFile, OnbuildLeavesNonMarksAlone) {
  EXPECT_EQ(*rewrite_for_child_build((m_dir / "absent.json").string()), OnbuildOutcome::unchanged);
  const std::string path = write(R"({"not":"a mark"})");
  EXPECT_EQ(*rewrite_for_child_build(path), OnbuildOutcome::unchanged);
  EXPECT_EQ(read(path), R"({"not":"a mark"})");
  const std::string broken = write("not json");
  EXPECT_FALSE(rewrite_for_child_build(broken).ok());
  EXPECT_EQ(read(broken), "not json");
}

}  // namespace
}  // namespace chalk::shim
