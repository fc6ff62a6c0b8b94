#include "plugin/build/process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace chalk::build {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(RunCaptured, StdoutAndExactEnvironment) {
  const auto output = run_captured("/usr/bin/env", {}, {"A=1", "B=two words"}, 5s);
  ASSERT_TRUE(output.has_value());
  EXPECT_EQ(*output, "A=1\nB=two words\n");
}

TEST(RunCaptured, StderrGoesNowhere) {
  testing::internal::CaptureStderr();
  const auto output = run_captured("/bin/sh", {"-c", "echo err >&2; echo out"}, {}, 5s);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(output.value_or("<none>"), "out\n");
}

TEST(RunCaptured, StdinIsEmpty) { EXPECT_EQ(run_captured("/bin/cat", {}, {}, 5s).value_or("<none>"), ""); }

TEST(RunCaptured, FailureIsNoAnswer) {
  EXPECT_FALSE(run_captured("/bin/sh", {"-c", "echo partial; exit 3"}, {}, 5s).has_value());
  EXPECT_FALSE(run_captured("/bin/sh", {"-c", "kill -TERM $$"}, {}, 5s).has_value());
  EXPECT_FALSE(run_captured("/no/such/program", {}, {}, 5s).has_value());
}

TEST(RunCaptured, TimeoutKillsTheWholeGroup) {
  // The child keeps stdout open through a grandchild: both must go at the deadline.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(
      run_captured("/bin/sh", {"-c", "sleep 30 & sleep 30"}, {"PATH=/usr/bin:/bin"}, 200ms).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  // A child that closes stdout and lingers is killed too.
  EXPECT_FALSE(
      run_captured("/bin/sh", {"-c", "exec >&-; sleep 30"}, {"PATH=/usr/bin:/bin"}, 200ms).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(RunCaptured, OutputIsCapped) {
  const auto output =
      run_captured("/bin/sh", {"-c", "head -c 3000000 /dev/zero"}, {"PATH=/usr/bin:/bin"}, 10s);
  ASSERT_TRUE(output.has_value());
  EXPECT_EQ(output->size(), 1u << 20);
}

TEST(FindInPath, SearchesInOrderSkippingEmptyAndNonExecutableEntries) {
  std::string pattern = (fs::temp_directory_path() / "chalk-path-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  fs::create_directories(dir / "c/tool");  // a directory named like the program
  std::ofstream(dir / "a/tool") << "#!/bin/sh\n";
  fs::permissions(dir / "a/tool", fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(dir / "b/tool") << "#!/bin/sh\n";
  fs::permissions(dir / "b/tool", fs::perms::owner_all);

  const std::string a = (dir / "a").string();
  const std::string b = (dir / "b").string();
  const std::string c = (dir / "c").string();
  EXPECT_EQ(find_in_path("tool", c + "::" + a + ":" + b), dir / "b/tool");
  EXPECT_EQ(find_in_path("tool", a + ":" + c), std::nullopt);
  EXPECT_EQ(find_in_path("tool", ""), std::nullopt);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace chalk::build
