#include "oci/util/process.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace chalk::util {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

ProcessResult run(ProcessSpec spec) {
  auto result = run_process(spec);
  EXPECT_TRUE(result) << result.error().message;
  return result ? *result : ProcessResult{-1};
}

TEST(RunProcess, StdoutAndExactEnvironment) {
  const auto result = run({"/usr/bin/env", {}, std::vector<std::string>{"A=1", "B=two words"}});
  EXPECT_EQ(0, result.exit_code);
  EXPECT_EQ("A=1\nB=two words\n", result.out);
}

TEST(RunProcess, InheritsThisEnvironmentWhenNoneIsGiven) {
  ::setenv("CHALK_PROCESS_TEST", "inherited", 1);
  EXPECT_EQ("inherited\n", run({"/bin/sh", {"-c", "echo $CHALK_PROCESS_TEST"}}).out);
}

TEST(RunProcess, BothStreamsPipedSeparately) {
  const auto result = run({"/bin/sh", {"-c", "echo err >&2; echo out"}});
  EXPECT_EQ("out\n", result.out);
  EXPECT_EQ("err\n", result.err);
}

TEST(RunProcess, DiscardedStderrGoesNowhere) {
  ProcessSpec spec{"/bin/sh", {"-c", "echo err >&2; echo out"}};
  spec.stderr_mode = Stream::null;
  testing::internal::CaptureStderr();
  const auto result = run(spec);
  EXPECT_EQ("", testing::internal::GetCapturedStderr());
  EXPECT_EQ("out\n", result.out);
  EXPECT_EQ("", result.err);
}

TEST(RunProcess, ChildrenStartWithNoSignalBlocked) {
  // docker-chalk blocks termination signals in every thread for its clean-up thread: a
  // child must still die of a Ctrl-C.
  sigset_t termination;
  sigemptyset(&termination);
  sigaddset(&termination, SIGINT);
  sigaddset(&termination, SIGTERM);
  sigset_t before;
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &termination, &before), 0);
  const auto result = run({"/bin/grep", {"^SigBlk:", "/proc/self/status"}});
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  EXPECT_EQ("SigBlk:\t0000000000000000\n", result.out);
}

TEST(RunProcess, StdinIsEmptyUnlessGiven) {
  EXPECT_EQ("", run({"/bin/cat"}).out);
  ProcessSpec spec{"/bin/cat"};
  spec.stdin_mode = Stream::pipe;
  spec.input = std::string(300000, 'i');  // more than a pipe holds: fed while output drains
  EXPECT_EQ(spec.input, run(spec).out);
}

TEST(RunProcess, AChildThatReadsNoInputIsNoHarm) {
  ProcessSpec spec{"/bin/sh", {"-c", "exit 4"}};
  spec.stdin_mode = Stream::pipe;
  spec.input = std::string(1 << 20, 'i');
  EXPECT_EQ(4, run(spec).exit_code);
}

TEST(RunProcess, ProgramsAreFoundInPath) { EXPECT_EQ("found\n", run({"echo", {"found"}}).out); }

TEST(RunProcess, ExitStatusIsAResult) {
  const auto failed = run({"/bin/sh", {"-c", "echo partial; exit 3"}});
  EXPECT_EQ(3, failed.exit_code);
  EXPECT_EQ("partial\n", failed.out);
  EXPECT_EQ(128 + 15, run({"/bin/sh", {"-c", "kill -TERM $$"}}).exit_code);
}

TEST(RunProcess, AProgramThatCannotStartIsAnError) {
  auto result = run_process({"/no/such/program"});
  ASSERT_FALSE(result);
  EXPECT_EQ(util::Errc::io, result.error().code);
  EXPECT_EQ("running `/no/such/program`: No such file or directory", result.error().message);
}

TEST(RunProcess, TimeoutKillsTheWholeGroup) {
  // The child keeps stdout open through a grandchild: both must go at the deadline.
  const auto start = std::chrono::steady_clock::now();
  ProcessSpec spec{"/bin/sh", {"-c", "sleep 30 & sleep 30"}, std::vector<std::string>{"PATH=/usr/bin:/bin"}};
  spec.timeout = 200ms;
  EXPECT_TRUE(run(spec).timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  // A child that closes stdout and lingers is killed too.
  spec.args = {"-c", "exec >&-; sleep 30"};
  EXPECT_TRUE(run(spec).timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  spec.args = {"-c", "echo quick"};
  const auto quick = run(spec);
  EXPECT_FALSE(quick.timed_out);
  EXPECT_EQ("quick\n", quick.out);
}

TEST(RunProcess, OutputIsCapped) {
  ProcessSpec spec{"/bin/sh", {"-c", "head -c 3000000 /dev/zero"}};
  spec.max_output = 1 << 20;
  const auto result = run(spec);
  EXPECT_EQ(0, result.exit_code);  // the rest was read, so the child never blocked
  EXPECT_EQ(1U << 20, result.out.size());
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
}  // namespace chalk::util
