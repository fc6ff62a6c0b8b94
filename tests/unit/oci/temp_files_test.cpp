// Temporaries that an interrupted or killed run must not leave behind: unnamed files, the
// registry a signal handler cleans from, and the sweep of what killed runs left.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <iostream>
#include <regex>

#include "oci/file_io.hpp"
#include "tests/support/image_fixtures.hpp"

namespace oci {
namespace {

namespace fs = std::filesystem;
using chalk::testing::read_file;
using chalk::testing::TempDir;
using chalk::testing::write_file;

std::vector<std::string> names_in(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// A pid that belonged to a process and no longer does: a child that exited and was reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

std::string random_digits() { return "0123456789abcdef"; }

void make_old(const fs::path& path) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::minutes(5));
}

TEST(TempFiles, TemporaryNamesCarryOurPid) {
  const auto name = temporary_sibling("/some/dir/out.tar");
  EXPECT_EQ(name.parent_path(), "/some/dir");
  const std::regex pattern("\\.out\\.tar\\.tmp-" + std::to_string(::getpid()) + "-[0-9a-f]{16}");
  EXPECT_TRUE(std::regex_match(name.filename().string(), pattern)) << name;
  EXPECT_NE(temporary_sibling("/some/dir/out.tar"), name);
}

TEST(TempFiles, AnUnnamedFileHasNoNameUntilCommitted) {
  TempDir dir;
  write_file(dir / "out", "old");
  auto atomic = AtomicFile::create(dir / "out");
  ASSERT_TRUE(atomic) << atomic.error().message;
  ASSERT_TRUE(atomic->unnamed()) << "ext4 and tmpfs support O_TMPFILE";
  ASSERT_TRUE(atomic->file().write_all("new"));
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"out"}) << "nothing a kill could leave";
  EXPECT_EQ(read_file(dir / "out"), "old");
  ASSERT_TRUE(atomic->commit());
  EXPECT_EQ(read_file(dir / "out"), "new");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"out"});
}

TEST(TempFiles, AnUnnamedFileKeepsTheReplacedFilesMode) {
  TempDir dir;
  write_file(dir / "out", "old");
  fs::permissions(dir / "out", fs::perms::owner_read | fs::perms::owner_write);
  auto atomic = AtomicFile::create(dir / "out");
  ASSERT_TRUE(atomic && atomic->unnamed());
  ASSERT_TRUE(atomic->file().write_all("new"));
  ASSERT_TRUE(atomic->commit(true));
  struct stat info {};
  ASSERT_EQ(::stat((dir / "out").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
}

TEST(TempFiles, AnUncommittedUnnamedFileLeavesNothing) {
  TempDir dir;
  {
    auto atomic = AtomicFile::create(dir / "new.tar");
    ASSERT_TRUE(atomic && atomic->unnamed());
    ASSERT_TRUE(atomic->file().write_all("partial"));
  }
  EXPECT_TRUE(names_in(dir.path()).empty());
}

// Makes this process's openat(O_TMPFILE) fail with `error_number`, as on a filesystem or
// kernel without unnamed files (seccomp: the only way to get that answer from ext4).
bool refuse_unnamed_files(int error_number) {
  // The low 32 bits of the flags argument, where O_TMPFILE's own bit lives.
  constexpr unsigned flags_offset = offsetof(seccomp_data, args) + 2 * sizeof(std::uint64_t) +
                                    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0 : 4);
  sock_filter program[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, flags_offset),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_TMPFILE & ~O_DIRECTORY, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | static_cast<unsigned>(error_number)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog filter{static_cast<unsigned short>(std::size(program)), program};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) == 0;
}

// In a death test's child: AtomicFile falls back to a named sibling and still replaces the
// destination. Exits 0 when it did, else says what went wrong.
[[noreturn]] void write_with_unnamed_files_refused(const fs::path& directory, int error_number) {
  auto fail = [](const std::string& what) {
    std::cerr << what << std::endl;
    ::_exit(1);
  };
  if (!refuse_unnamed_files(error_number)) fail("cannot install the seccomp filter");
  auto atomic = AtomicFile::create(directory / "out");
  if (!atomic) fail(atomic.error().message);
  if (atomic->unnamed()) fail("unnamed although O_TMPFILE was refused");
  if (names_in(directory).size() != 2) fail("no named temporary beside the destination");
  if (!atomic->file().write_all("new") || !atomic->commit()) fail("writing or committing failed");
  if (read_file(directory / "out") != "new" || names_in(directory).size() != 1) fail("not replaced cleanly");
  ::_exit(0);
}

TEST(TempFiles, FallsBackToANamedTemporaryWhereUnnamedFilesAreUnsupported) {
  for (int error_number : {EOPNOTSUPP, EISDIR, EINVAL}) {
    TempDir dir;
    write_file(dir / "out", "old");
    EXPECT_EXIT(write_with_unnamed_files_refused(dir.path(), error_number), ::testing::ExitedWithCode(0), "")
        << std::strerror(error_number);
  }
}

TEST(TempFiles, OtherUnnamedFileFailuresAreErrors) {
  TempDir dir;
  EXPECT_EXIT(
      {
        if (!refuse_unnamed_files(EACCES)) ::_exit(1);
        auto atomic = AtomicFile::create(dir / "out");
        ::_exit(!atomic && atomic.error().message ==
                               "creating a temporary file in `" + dir.path().string() + "`: Permission denied"
                    ? 0
                    : 2);
      },
      ::testing::ExitedWithCode(0), "");
}

// The named kind is also what AtomicFile falls back to where O_TMPFILE is refused.
TEST(TempFiles, ANamedTemporaryIsRegisteredWhileItLives) {
  TempDir dir;
  fs::path temp;
  {
    auto atomic = AtomicFile::create(dir / "out", TempFileKind::named);
    ASSERT_TRUE(atomic);
    EXPECT_FALSE(atomic->unnamed());
    const auto names = names_in(dir.path());
    ASSERT_EQ(names.size(), 1u);
    EXPECT_TRUE(names[0].starts_with(".out.tmp-" + std::to_string(::getpid()) + "-")) << names[0];
    temp = dir / names[0];
    EXPECT_TRUE(TempRegistry::process().contains(temp));
  }
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(TempRegistry::process().contains(temp));
}

TEST(TempFiles, ANamedTemporaryIsForgottenOnceCommitted) {
  TempDir dir;
  auto atomic = AtomicFile::create(dir / "out", TempFileKind::named);
  ASSERT_TRUE(atomic);
  ASSERT_TRUE(atomic->file().write_all("data"));
  const fs::path temp = dir / names_in(dir.path()).at(0);
  ASSERT_TRUE(atomic->commit());
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"out"});
  EXPECT_EQ(read_file(dir / "out"), "data");
  EXPECT_FALSE(TempRegistry::process().contains(temp));
}

TEST(TempFiles, TheRegistryRemovesFilesAndTrees) {
  TempDir dir;
  TempRegistry registry;
  write_file(dir / "file", "x");
  fs::create_directories(dir / "tree" / "blobs" / "sha256");
  write_file(dir / "tree" / "blobs" / "sha256" / "abc", "y");
  registry.add(dir / "file");
  registry.add(dir / "tree");
  registry.add(dir / "never-created");
  write_file(dir / "kept", "z");
  registry.remove_all();
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"kept"});
  EXPECT_FALSE(registry.contains(dir / "file"));
  EXPECT_FALSE(registry.contains(dir / "tree"));
}

TEST(TempFiles, TheRegistryCountsEachRegistration) {
  TempRegistry registry;
  registry.add("/x/layer.tar");
  registry.add("/x/layer.tar");  // a TempPath handing its file to a LocalBlob
  registry.forget("/x/layer.tar");
  EXPECT_TRUE(registry.contains("/x/layer.tar"));
  registry.forget("/x/layer.tar");
  EXPECT_FALSE(registry.contains("/x/layer.tar"));
}

TEST(TempFiles, ATempPathIsRegisteredUntilRemovedOrReleased) {
  TempDir dir;
  {
    TempPath removed{dir / "a"};
    EXPECT_TRUE(TempRegistry::process().contains(dir / "a"));
  }
  EXPECT_FALSE(TempRegistry::process().contains(dir / "a"));
  TempPath released{dir / "b"};
  released.release();
  EXPECT_FALSE(TempRegistry::process().contains(dir / "b"));
  TempPath moved{dir / "c"};
  TempPath target = std::move(moved);
  EXPECT_TRUE(TempRegistry::process().contains(dir / "c"));
}

TEST(TempFiles, TheSweepRemovesOldTemporariesOfDeadProcesses) {
  TempDir dir;
  const std::string dead = std::to_string(dead_pid());
  const std::string file = ".out.tar.tmp-" + dead + "-" + random_digits();
  const std::string tree = ".layout.tmp-" + dead + "-" + random_digits();
  write_file(dir / file, "partial");
  fs::create_directories(dir / tree / "blobs" / "sha256");
  make_old(dir / file);
  make_old(dir / tree);
  EXPECT_EQ(sweep_stale_temporaries(dir.path()), 2u);
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(TempFiles, TheSweepTouchesNothingElse) {
  TempDir dir;
  const std::string dead = std::to_string(dead_pid());
  const std::vector<std::string> kept = {
      "out.tar",
      ".out.tar.tmp-" + std::to_string(::getpid()) + "-" + random_digits(),  // ours, live
      ".out.tar.tmp-1-" + random_digits(),                                   // pid 1 lives
      ".out.tar.tmp-" + dead + "-" + random_digits().substr(1),              // 15 digits
      ".out.tar.tmp-" + dead + "-0123456789ABCDEF",                          // not our hex
      ".out.tar.tmp-" + dead,                                                // no random part
      ".out.tar.tmp-x" + dead + "-" + random_digits(),                       // not a pid
      "out.tar.tmp-" + dead + "-" + random_digits(),                         // not hidden
      ".tmp-" + dead + "-" + random_digits(),                                // no name
      ".out.tar.tmp-" + dead + "-" + random_digits() + ".keep",              // something more
  };
  for (const auto& name : kept) {
    write_file(dir / name, "x");
    make_old(dir / name);
  }
  const std::string young = ".out.tar.tmp-" + dead + "-fedcba9876543210";
  write_file(dir / young, "still being written, maybe by another pid namespace");
  EXPECT_EQ(sweep_stale_temporaries(dir.path()), 0u);
  EXPECT_EQ(names_in(dir.path()).size(), kept.size() + 1);
}

TEST(TempFiles, CreatingAnOutputSweepsItsDirectory) {
  TempDir dir;
  const std::string stale = ".index.json.tmp-" + std::to_string(dead_pid()) + "-" + random_digits();
  write_file(dir / stale, "left by a killed run");
  make_old(dir / stale);
  ASSERT_TRUE(write_file_atomically(dir / "out", "data"));
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"out"});
}

TEST(TempFiles, AMissingDirectoryIsNamedInTheError) {
  TempDir dir;
  auto atomic = AtomicFile::create(dir / "missing" / "out");
  ASSERT_FALSE(atomic);
  EXPECT_NE(atomic.error().message.find((dir / "missing").string()), std::string::npos)
      << atomic.error().message;
}

}  // namespace
}  // namespace oci
