// A termination signal removes the temporaries in the registry, then ends the process with
// that signal's default action (the status a shell expects).
#include "plugin/cli/termination.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace chalk::cli {
namespace {

namespace fs = std::filesystem;

class Termination : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("chalk-termination-" + std::to_string(::getpid()));
    fs::create_directories(m_dir / "layout.tmp" / "blobs" / "sha256");
    std::ofstream(m_dir / "layout.tmp" / "blobs" / "sha256" / "abc") << "blob";
    std::ofstream(m_dir / "out.tar.tmp") << "partial";
    std::ofstream(m_dir / "kept") << "not registered";
  }
  void TearDown() override { fs::remove_all(m_dir); }

  // In the forked child of a death test: registers the temporaries, starts the clean-up
  // and sends itself `signal_number`.
  [[noreturn]] void signal_self(int signal_number) {
    oci::TempRegistry registry;
    registry.add(m_dir / "layout.tmp");
    registry.add(m_dir / "out.tar.tmp");
    const sigset_t blocked = block_termination_signals();
    start_termination_cleanup(blocked, registry);
    ::kill(::getpid(), signal_number);
    for (;;) ::pause();
  }

  fs::path m_dir;
};

TEST_F(Termination, TermRemovesTemporariesAndEndsTheProcessByTerm) {
  EXPECT_EXIT(signal_self(SIGTERM), ::testing::KilledBySignal(SIGTERM), "");
  EXPECT_FALSE(fs::exists(m_dir / "layout.tmp"));
  EXPECT_FALSE(fs::exists(m_dir / "out.tar.tmp"));
  EXPECT_TRUE(fs::exists(m_dir / "kept"));
}

TEST_F(Termination, InterruptAndHangupDoTheSame) {
  for (int signal_number : {SIGINT, SIGHUP}) {
    SetUp();
    EXPECT_EXIT(
        {
          ::signal(signal_number, SIG_DFL);
          signal_self(signal_number);
        },
        ::testing::KilledBySignal(signal_number), "");
    EXPECT_FALSE(fs::exists(m_dir / "out.tar.tmp")) << signal_number;
    EXPECT_FALSE(fs::exists(m_dir / "layout.tmp")) << signal_number;
  }
}

TEST_F(Termination, ASignalIgnoredAtStartStaysIgnored) {
  EXPECT_EXIT(
      {
        ::signal(SIGHUP, SIG_IGN);  // as nohup starts a program
        oci::TempRegistry registry;
        registry.add(m_dir / "out.tar.tmp");
        const sigset_t blocked = block_termination_signals();
        EXPECT_FALSE(sigismember(&blocked, SIGHUP));
        start_termination_cleanup(blocked, registry);
        ::kill(::getpid(), SIGHUP);
        ::usleep(100000);
        if (!fs::exists(m_dir / "out.tar.tmp")) ::_exit(3);
        ::kill(::getpid(), SIGTERM);
        for (;;) ::pause();
      },
      ::testing::KilledBySignal(SIGTERM), "");
  EXPECT_FALSE(fs::exists(m_dir / "out.tar.tmp"));
}

}  // namespace
}  // namespace chalk::cli
