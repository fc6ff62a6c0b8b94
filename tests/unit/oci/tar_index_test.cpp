#include "oci/tar_index.hpp"

#include <gtest/gtest.h>

#include "tests/support/image_fixtures.hpp"

namespace oci {
namespace {

using chalk::testing::raw_tar;
using chalk::testing::RawEntry;
using chalk::testing::TempDir;
using chalk::testing::write_file;

Result<TarIndex> index_of(const TempDir& dir, const std::string& bytes) {
  write_file(dir / "a.tar", bytes);
  return TarIndex::read(dir / "a.tar");
}

TEST(ArchivePaths, NormalizeKeepsInsideAndRejectsEscapes) {
  EXPECT_EQ(normalize_archive_path("./a//b/"), "a/b");
  EXPECT_EQ(normalize_archive_path("a/./b"), "a/b");
  EXPECT_FALSE(normalize_archive_path("/etc/passwd"));
  EXPECT_FALSE(normalize_archive_path("a/../../b"));
  EXPECT_FALSE(normalize_archive_path("../b"));
}

TEST(ArchivePaths, LinksResolveRelativeToTheirDirectory) {
  EXPECT_EQ(resolve_archive_link("x/layer.tar", "../y/layer.tar"), "y/layer.tar");
  EXPECT_FALSE(resolve_archive_link("x/layer.tar", "../../etc/passwd"));
  EXPECT_FALSE(resolve_archive_link("x/layer.tar", "/etc/passwd"));
}

TEST(TarIndex, IndexesEntriesAndFollowsLinks) {
  TempDir dir;
  auto index = index_of(dir, raw_tar({{"./dir/", "", '5'},
                                      {"dir/file", "hello"},
                                      {"other/layer.tar", "", '2', "../dir/file"},
                                      {"hard", "", '1', "dir/file"}}));
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_EQ(index->entries().size(), 4u);
  auto file = index->find_file("other/layer.tar");
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->name, "dir/file");
  EXPECT_EQ(file->size, 5u);
  EXPECT_EQ(index->find_file("hard")->size, 5u);
  EXPECT_EQ(index->find_file("hard")->data_offset, index->find_file("dir/file")->data_offset);
  EXPECT_EQ(index->find_file("missing").error().code, Errc::not_found);
  EXPECT_EQ(index->find_file("../dir/file").error().code, Errc::unsafe_path);
}

// docker load extracts in order: a later entry replaces an earlier one of the same name,
// a hard link holds what its target held when the link was made.
TEST(TarIndex, ReadsNamesAsDockerExtractsThem) {
  TempDir dir;
  auto index = index_of(dir, raw_tar({{"m.json", "first"},
                                      {"manifest.json", "", '1', "m.json"},
                                      {"m.json", "second!"},
                                      {"d/inner", "gone"},
                                      {"d", "now a file"},
                                      {"s", "", '2', "m.json"},
                                      {"hs", "", '1', "s"}}));
  ASSERT_TRUE(index) << index.error().message;
  auto read = [&](const std::string& name) {
    auto entry = index->find_file(name);
    if (!entry) return entry.error().message;
    return chalk::testing::read_file(dir / "a.tar").substr(entry->data_offset, entry->size);
  };
  EXPECT_EQ(read("manifest.json"), "first") << "the link was made before m.json was replaced";
  EXPECT_EQ(read("m.json"), "second!");
  EXPECT_EQ(read("d"), "now a file");
  EXPECT_EQ(index->find_file("d/inner").error().code, Errc::not_found)
      << "replacing d removed what was below it";
  EXPECT_EQ(read("hs"), "second!") << "a hard link to a symlink is that symlink, resolved when read";
}

TEST(TarIndex, RejectsHardLinksToNothingYet) {
  TempDir dir;
  auto index = index_of(dir, raw_tar({{"manifest.json", "", '1', "m.json"}, {"m.json", "x"}}));
  ASSERT_FALSE(index);
  EXPECT_NE(index.error().message.find("hard link `manifest.json` -> `m.json`: no such entry before it"),
            std::string::npos);
}

TEST(TarIndex, RejectsDotDotEntries) {
  TempDir dir;
  auto index = index_of(dir, raw_tar({{"../evil", "x"}}));
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().code, Errc::unsafe_path);
  EXPECT_NE(index.error().message.find("a.tar"), std::string::npos);
  EXPECT_NE(index.error().message.find("escapes the archive root"), std::string::npos);
}

TEST(TarIndex, RejectsAbsoluteEntries) {
  TempDir dir;
  auto index = index_of(dir, raw_tar({{"/etc/passwd", "x"}}));
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().code, Errc::unsafe_path);
}

TEST(TarIndex, RejectsLinksEscapingTheRoot) {
  TempDir dir;
  for (const auto& entry : {RawEntry{"l", "", '2', "../../etc/shadow"}, RawEntry{"l", "", '2', "/etc/shadow"},
                            RawEntry{"h", "", '1', "../x"}}) {
    auto index = index_of(dir, raw_tar({entry}));
    ASSERT_FALSE(index) << entry.link;
    EXPECT_EQ(index.error().code, Errc::unsafe_path) << index.error().message;
  }
}

TEST(TarIndex, RejectsTruncatedArchives) {
  TempDir dir;
  std::string bytes = raw_tar({{"manifest.json", std::string(2000, 'x')}});
  auto index = index_of(dir, bytes.substr(0, 1500));
  ASSERT_FALSE(index);
  EXPECT_NE(index.error().message.find("past the end of the file"), std::string::npos)
      << index.error().message;
  auto no_marker = index_of(dir, raw_tar({{"a", "x"}}, false));
  ASSERT_FALSE(no_marker);
  EXPECT_NE(no_marker.error().message.find("truncated"), std::string::npos);
}

TEST(TarIndex, RejectsLyingSizes) {
  TempDir dir;
  RawEntry huge{"layer.tar", "abc"};
  huge.declared_size = 1ull << 40;  // 1 TB
  auto index = index_of(dir, raw_tar({huge}));
  ASSERT_FALSE(index);
  EXPECT_NE(index.error().message.find("1099511627776 bytes"), std::string::npos) << index.error().message;
}

TEST(TarIndex, RejectsGarbageAndEmptyFiles) {
  TempDir dir;
  auto garbage = index_of(dir, std::string(2048, 'g'));
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("checksum"), std::string::npos);
  auto empty = index_of(dir, "");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("not a tar"), std::string::npos) << empty.error().message;
}

TEST(TarIndex, ReadsPaxLongNames) {
  TempDir dir;
  const std::string long_name(150, 'n');
  const std::string record = " path=" + long_name + "\n";
  // The length prefix counts itself: 3 digits + record.
  const std::string pax = std::to_string(record.size() + 3) + record;
  auto index = index_of(dir, raw_tar({{"PaxHeader", pax, 'x'}, {"short", "data"}}));
  ASSERT_TRUE(index) << index.error().message;
  ASSERT_EQ(index->entries().size(), 1u);
  EXPECT_EQ(index->entries()[0].name, long_name);
}

}  // namespace
}  // namespace oci
