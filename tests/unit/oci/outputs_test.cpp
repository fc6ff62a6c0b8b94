#include <gtest/gtest.h>
#include <sys/stat.h>

#include "oci/file_io.hpp"
#include "oci/formats.hpp"
#include "oci/mutate.hpp"
#include "oci/tar_writer.hpp"
#include "tests/support/image_fixtures.hpp"

namespace oci {
namespace {

namespace fs = std::filesystem;
using namespace chalk::testing;

FixtureImage small_image() {
  FixtureImage image;
  image.layers = {one_file_layer("bin/app", "app")};
  return image;
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0);
  return info.st_mode & 07777;
}

TEST(Outputs, ReplacingAFileKeepsItsMode) {
  TempDir dir;
  write_file(dir / "out", "old");
  fs::permissions(dir / "out", fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(write_file_atomically(dir / "out", "new"));
  EXPECT_EQ(read_file(dir / "out"), "new");
  EXPECT_EQ(mode_of(dir / "out"), 0600u);
}

TEST(Outputs, ASymlinkedArchiveIsUpdatedThroughTheLink) {
  TempDir dir;
  write_legacy_docker_archive(dir / "real.tar", small_image(), {"app:1"});
  fs::create_symlink("real.tar", dir / "link.tar");
  const std::string before = read_file(dir / "real.tar");
  auto set = read_docker_archive(dir / "link.tar");
  ASSERT_TRUE(set);
  ASSERT_TRUE(write_image_set(*set, {ImageSet::Format::docker_archive, dir / "link.tar", {}}));
  EXPECT_TRUE(fs::is_symlink(dir / "link.tar")) << "the link stays a link";
  EXPECT_NE(read_file(dir / "real.tar"), before) << "what it names was rewritten";
  EXPECT_TRUE(read_docker_archive(dir / "real.tar"));
}

TEST(Outputs, RefusesNonRegularArchiveTargets) {
  TempDir dir;
  auto device = check_output(ImageSet::Format::docker_archive, "/dev/null");
  ASSERT_FALSE(device);
  EXPECT_EQ(device.error().message, "output `/dev/null` is a character device, not a regular file");
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  auto fifo = check_output(ImageSet::Format::oci_archive, dir / "fifo");
  ASSERT_FALSE(fifo);
  EXPECT_NE(fifo.error().message.find("is a FIFO, not a regular file"), std::string::npos);
  fs::create_directories(dir / "d");
  EXPECT_FALSE(check_output(ImageSet::Format::docker_archive, dir / "d"));
  EXPECT_TRUE(check_output(ImageSet::Format::docker_archive, dir / "new.tar"));
}

TEST(Outputs, SaysWhichOutputDirectoryIsMissing) {
  TempDir dir;
  for (auto format : {ImageSet::Format::docker_archive, ImageSet::Format::oci_layout}) {
    auto missing = check_output(format, dir / "missing-dir" / "x");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "output `" + (dir / "missing-dir" / "x").string() + "`: directory `" +
                                           (dir / "missing-dir").string() + "` does not exist");
  }
}

TEST(Outputs, RefusesALayoutWhoseBlobsDirectoryIsALink) {
  TempDir dir;
  write_oci_layout(dir / "layout", {small_image()}, false);
  fs::rename(dir / "layout" / "blobs", dir / "elsewhere");
  fs::create_directory_symlink(dir / "elsewhere", dir / "layout" / "blobs");
  auto set = read_oci_layout(dir / "layout");
  ASSERT_TRUE(set);
  auto written = write_image_set(*set, {ImageSet::Format::oci_layout, dir / "layout", {}});
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("`blobs` is a symbolic link, not a directory"), std::string::npos)
      << written.error().message;
}

// docker load accepts a legacy archive whose layer.tar is gzip-compressed (the diff_id
// is of the uncompressed stream), so we do too.
TEST(Outputs, LegacyArchivesWithGzipLayersRead) {
  TempDir dir;
  const FixtureImage image = small_image();
  write_file(dir / "layer.tar", image.layers[0]);
  {
    auto input = File::open_read(dir / "layer.tar");
    auto output = File::create(dir / "layer.tar.gz");
    ASSERT_TRUE(input && output);
    ASSERT_TRUE(gzip_file(*input, *output, "layer.tar.gz"));
  }
  auto entries = legacy_archive_entries(image, {"app:1"});
  for (auto& entry : entries) {
    if (entry.name.ends_with("/layer.tar")) entry.content = read_file(dir / "layer.tar.gz");
  }
  write_file(dir / "img.tar", raw_tar(entries));
  auto set = read_docker_archive(dir / "img.tar");
  ASSERT_TRUE(set) << set.error().message;
  const Image& loaded = set->entries[0].node.image();
  EXPECT_EQ(loaded.layers[0].media_type, media_type::oci_layer_gzip);
  EXPECT_TRUE(validate(*set)) << validate(*set).error().message;

  // a gzip layer that does not decompress to its diff_id is still refused
  for (auto& entry : entries) {
    if (entry.name.ends_with(".json") && entry.name != "manifest.json") {
      auto config = nlohmann::ordered_json::parse(entry.content);
      config["rootfs"]["diff_ids"][0] = "sha256:" + std::string(64, 'a');
      entry.content = config.dump();
    }
  }
  write_file(dir / "bad.tar", raw_tar(entries));
  auto bad = read_docker_archive(dir / "bad.tar");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not its diff_id"), std::string::npos) << bad.error().message;
}

TEST(UpdateLock, ASecondUpdaterWaitsThenFailsClearly) {
  TempDir dir;
  write_file(dir / "img.tar", "x");
  auto first = UpdateLock::acquire(dir / "img.tar", std::chrono::milliseconds(100));
  ASSERT_TRUE(first && first->held());
  auto second = UpdateLock::acquire(dir / "img.tar", std::chrono::milliseconds(200));
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("another process is updating it"), std::string::npos);
  fs::create_directories(dir / "layout");
  auto layout = UpdateLock::acquire(dir / "layout", std::chrono::milliseconds(100));
  ASSERT_TRUE(layout && layout->held());
  EXPECT_FALSE(UpdateLock::acquire(dir / "layout", std::chrono::milliseconds(100)));
  *first = UpdateLock{};
  EXPECT_TRUE(UpdateLock::acquire(dir / "img.tar", std::chrono::milliseconds(100)))
      << "free again once released";
  auto absent = UpdateLock::acquire(dir / "new.tar", std::chrono::milliseconds(100));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->held()) << "nothing to lock before the target exists";
}

TEST(UpdateLock, AWaiterLocksTheFileRenamedOverTheName) {
  TempDir dir;
  write_file(dir / "img.tar", "old");
  auto holder = UpdateLock::acquire(dir / "img.tar", std::chrono::milliseconds(100));
  ASSERT_TRUE(holder);
  ASSERT_TRUE(write_file_atomically(dir / "img.tar", "new"));  // the holder's update
  // The old file is still locked by the holder, the new one is free: a waiter locks it.
  auto waiter = UpdateLock::acquire(dir / "img.tar", std::chrono::milliseconds(500));
  ASSERT_TRUE(waiter && waiter->held());
  EXPECT_FALSE(UpdateLock::acquire(dir / "img.tar", std::chrono::milliseconds(100)))
      << "the new file is locked";
}

}  // namespace
}  // namespace oci
