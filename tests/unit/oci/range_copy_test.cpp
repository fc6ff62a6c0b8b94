#include "oci/range_copy.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <set>

#include "oci/formats.hpp"
#include "oci/mutate.hpp"
#include "oci/tar_writer.hpp"
#include "tests/support/image_fixtures.hpp"

namespace oci {
namespace {

namespace fs = std::filesystem;
using namespace chalk::testing;

FileRange range_of(const fs::path& path, std::uint64_t offset, std::uint64_t size) {
  auto file = File::open_read(path);
  EXPECT_TRUE(file);
  return {std::make_shared<const File>(std::move(*file)), offset, size};
}

Descriptor descriptor_of(const std::string& bytes) {
  Descriptor descriptor;
  descriptor.digest = sha256_digest(bytes);
  descriptor.size = bytes.size();
  return descriptor;
}

class CopyRange : public testing::TestWithParam<CopyMethod> {};

TEST_P(CopyRange, AppendsTheRangeAfterWhatTheOutputHolds) {
  TempDir dir;
  // Past one copy step (8 MiB), so the loop continues from where a call stopped.
  const std::string source = patterned((9 << 20) + 777);
  write_file(dir / "source", source);
  auto output = File::create(dir / "out");
  ASSERT_TRUE(output);
  ASSERT_TRUE(output->write_all("head"));
  std::vector<std::uint64_t> progress;
  auto copied = copy_range(range_of(dir / "source", 3, source.size() - 10), *output, GetParam(),
                           [&](std::uint64_t done) { progress.push_back(done); });
  ASSERT_TRUE(copied) << copied.error().message;
  ASSERT_TRUE(output->close());
  EXPECT_EQ(read_file(dir / "out"), "head" + source.substr(3, source.size() - 10));
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), source.size() - 10);
}

TEST_P(CopyRange, ASourceShorterThanTheRangeIsAnErrorNamingIt) {
  TempDir dir;
  write_file(dir / "source", patterned(1000));
  auto output = File::create(dir / "out");
  ASSERT_TRUE(output);
  auto copied = copy_range(range_of(dir / "source", 500, 1000), *output, GetParam());
  ASSERT_FALSE(copied);
  EXPECT_EQ(copied.error().message,
            "reading `" + (dir / "source").string() + "`: unexpected end of file (truncated?)");
}

INSTANTIATE_TEST_SUITE_P(EveryMethod, CopyRange,
                         testing::Values(CopyMethod::copy_file_range, CopyMethod::sendfile,
                                         CopyMethod::read_write));

TEST(CopyRangeFallback, ACopyBetweenFilesystemsTheKernelRefusesFallsBack) {
  // copy_file_range between a tmpfs and another filesystem fails with EXDEV (or, on
  // older kernels, copies): either way the bytes arrive.
  TempDir dir;
  const fs::path source = fs::path("/dev/shm") / ("chalk-range-copy-" + std::to_string(::getpid()));
  const std::string bytes = patterned(300000);
  write_file(source, bytes);
  auto output = File::create(dir / "out");
  ASSERT_TRUE(output);
  auto copied = copy_range(range_of(source, 0, bytes.size()), *output);
  fs::remove(source);
  ASSERT_TRUE(copied) << copied.error().message;
  ASSERT_TRUE(output->close());
  EXPECT_EQ(read_file(dir / "out"), bytes);
}

TEST(WorkerPool, RunsEveryJobOnNoMoreThreadsThanItHas) {
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::atomic<int> running{0};
  std::atomic<int> most_running{0};
  std::atomic<int> done{0};
  WorkerPool pool(2);
  EXPECT_EQ(pool.threads(), 2u);
  for (int i = 0; i < 500; ++i) {
    pool.submit([&] {
      const int now = ++running;
      int seen = most_running.load();
      while (now > seen && !most_running.compare_exchange_weak(seen, now)) {
      }
      {
        const std::lock_guard lock(mutex);
        threads.insert(std::this_thread::get_id());
      }
      --running;
      ++done;
    });
  }
  pool.wait();
  EXPECT_EQ(done.load(), 500) << "wait() returns after every job ran";
  EXPECT_LE(threads.size(), 2u);
  EXPECT_LE(most_running.load(), 2);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u) << "jobs run on the pool, not the caller";
}

TEST(WorkerPool, AskedForNoThreadsStillHasOneAndDefaultsStayBounded) {
  WorkerPool pool(0);
  EXPECT_EQ(pool.threads(), 1u);
  std::atomic<bool> ran{false};
  pool.submit([&] { ran = true; });
  pool.wait();
  EXPECT_TRUE(ran.load());
  EXPECT_GE(WorkerPool::default_threads(), 1u);
  EXPECT_LE(WorkerPool::default_threads(), std::max(1u, std::thread::hardware_concurrency()));
}

TEST(WorkerPool, CancelDropsTheJobsNotStarted) {
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  std::atomic<bool> first_ran{false};
  std::atomic<int> later{0};
  WorkerPool pool(1);
  pool.submit([&] {
    started = true;
    while (!release.load()) std::this_thread::yield();
    first_ran = true;
  });
  while (!started.load()) std::this_thread::yield();  // the one thread is busy from here
  for (int i = 0; i < 10; ++i) pool.submit([&] { ++later; });
  pool.cancel();
  release = true;
  pool.wait();
  EXPECT_TRUE(first_ran.load()) << "a running job finishes";
  EXPECT_EQ(later.load(), 0);
}

TEST(RangeVerifier, GivesTheFirstFailureInSubmissionOrderWithTheReadersMessage) {
  TempDir dir;
  const std::string good = patterned(3 << 20);
  const std::string other = patterned(5000);
  write_file(dir / "blobs", good + other);
  RangeVerifier verifier(2);
  verifier.submit(range_of(dir / "blobs", 0, good.size()), descriptor_of(good), "blob good");
  Descriptor wrong_digest = descriptor_of(other);
  wrong_digest.digest = sha256_digest("something else");
  verifier.submit(range_of(dir / "blobs", good.size(), other.size()), wrong_digest, "blob first");
  Descriptor wrong_size = descriptor_of(other);
  wrong_size.size = other.size() - 1;
  verifier.submit(range_of(dir / "blobs", good.size(), other.size()), wrong_size, "blob second");
  auto finished = verifier.finish();
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().code, Errc::digest_mismatch);
  EXPECT_EQ(finished.error().message,
            "blob first: content hashes to " + sha256_digest(other).str() + ", not the declared digest");

  // The same check through a VerifiedReader says the same.
  VerifiedReader reader(std::make_unique<MemoryStream>(other), wrong_digest, "blob first");
  std::string buffer(other.size() + 1, '\0');
  Result<std::size_t> got = std::size_t{1};
  while (got && *got != 0) got = reader.read(buffer.data(), buffer.size());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, finished.error().message);
}

TEST(RangeVerifier, PassesMatchingRangesAndReportsShortOnes) {
  TempDir dir;
  const std::string bytes = patterned(70000);
  write_file(dir / "blob", bytes);
  RangeVerifier verifier;
  for (int i = 0; i < 20; ++i)
    verifier.submit(range_of(dir / "blob", 0, bytes.size()), descriptor_of(bytes), "b");
  EXPECT_TRUE(verifier.finish());
  Descriptor larger = descriptor_of(bytes);
  larger.size += 10;
  auto short_range = verify_range(range_of(dir / "blob", 0, bytes.size()), larger, "blob b");
  ASSERT_FALSE(short_range);
  EXPECT_EQ(short_range.error().message, "blob b: 70000 bytes, but its descriptor declares 70010");
}

// A tar written with add_file_range is byte for byte the one add_stream writes.
TEST(TarWriterRange, WritesTheSameTarAsStreaming) {
  TempDir dir;
  const std::string blob = patterned(1234567);
  write_file(dir / "blob", "xx" + blob);
  auto write = [&](const fs::path& path, bool by_range) {
    auto file = File::create(path);
    ASSERT_TRUE(file);
    auto writer = TarWriter::open(*file, Compression::none, path.string());
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->add_bytes("first", 0644, "abc", 0));
    if (by_range) {
      ASSERT_TRUE(
          (*writer)->add_file_range("blobs/sha256/big", 0644, range_of(dir / "blob", 2, blob.size()), 0));
    } else {
      MemoryStream stream(blob);
      ASSERT_TRUE((*writer)->add_stream("blobs/sha256/big", 0644, blob.size(), stream, 0));
    }
    ASSERT_TRUE((*writer)->add_bytes("last", 0644, "z", 0));
    auto finished = (*writer)->finish();
    ASSERT_TRUE(finished);
    EXPECT_EQ(finished->size, fs::file_size(path)) << "finish() counts the copied bytes too";
    ASSERT_TRUE(file->close());
  };
  write(dir / "streamed.tar", false);
  write(dir / "ranged.tar", true);
  EXPECT_EQ(read_file(dir / "ranged.tar"), read_file(dir / "streamed.tar"));
}

TEST(TarWriterRange, RefusedByAWriterThatHashes) {
  TempDir dir;
  write_file(dir / "blob", "abc");
  auto file = File::create(dir / "out.tar");
  ASSERT_TRUE(file);
  auto writer = TarWriter::open(*file, Compression::none, "out.tar", true);
  ASSERT_TRUE(writer);
  auto added = (*writer)->add_file_range("b", 0644, range_of(dir / "blob", 0, 3), 0);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, Errc::invalid_argument);
}

struct FileIdentity {
  ino_t inode = 0;
  timespec modified{};
};

FileIdentity identity(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return {info.st_ino, info.st_mtim};
}

// An in-place layout update writes the new blobs and index.json and leaves every blob
// already there untouched (same inode, never rewritten).
TEST(InPlaceLayout, WritesOnlyNewBlobsAndTheIndex) {
  TempDir dir;
  FixtureImage image;
  image.layers = {one_file_layer("bin/app", "app"), one_file_layer("etc/conf", "conf")};
  write_oci_layout(dir / "layout", {image}, false);
  std::map<fs::path, FileIdentity> before;
  for (const auto& blob : fs::directory_iterator(dir / "layout/blobs/sha256"))
    before[blob.path()] = identity(blob.path());
  const auto index_before = identity(dir / "layout/index.json");

  auto set = read_oci_layout(dir / "layout");
  ASSERT_TRUE(set);
  auto layer = build_layer({LayerFile{"chalk.json", 0644, "{}", {}}}, Compression::gzip, dir.path(), 0);
  ASSERT_TRUE(layer);
  Mutation mutation;
  mutation.append = Mutation::Append{*layer, Json{{"created_by", "test"}}};
  auto changed = mutate(set->entries[0].node.image(), mutation);
  ASSERT_TRUE(changed) << changed.error().message;
  set->entries[0].node = Node{std::move(*changed)};
  ASSERT_TRUE(write_image_set(*set, {ImageSet::Format::oci_layout, dir / "layout", {}}));

  std::size_t added = 0;
  for (const auto& blob : fs::directory_iterator(dir / "layout/blobs/sha256")) {
    auto old = before.find(blob.path());
    if (old == before.end()) {
      ++added;
      continue;
    }
    const auto now = identity(blob.path());
    EXPECT_EQ(now.inode, old->second.inode) << blob.path();
    EXPECT_EQ(now.modified.tv_sec, old->second.modified.tv_sec) << blob.path();
    EXPECT_EQ(now.modified.tv_nsec, old->second.modified.tv_nsec) << blob.path();
  }
  EXPECT_EQ(added, 3u) << "the new layer, config and manifest";
  EXPECT_NE(identity(dir / "layout/index.json").inode, index_before.inode) << "index.json replaced";
  auto reread = read_oci_layout(dir / "layout");
  ASSERT_TRUE(reread);
  EXPECT_TRUE(validate(*reread));
}

}  // namespace
}  // namespace oci
