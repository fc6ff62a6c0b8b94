#include "runtime-shim/command_line.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace chalk::shim {
namespace {

using Words = std::vector<std::string>;

TEST(CommandLine, WrappedEntrypointUsesTheNameThenArgs) {
  const Invocation call =
      parse_command_line({"exec", "--exec-command-name", "python", "--", "-m", "http.server", "9999"});
  EXPECT_EQ(call.kind, CommandKind::exec);
  EXPECT_EQ(call.argv, (Words{"python", "-m", "http.server", "9999"}));
}

TEST(CommandLine, NameWithEquals) {
  EXPECT_EQ(parse_command_line({"exec", "--exec-command-name=echo", "--", "hello"}).argv,
            (Words{"echo", "hello"}));
}

TEST(CommandLine, CmdOnlyImageRunsArgsZero) {
  EXPECT_EQ(parse_command_line({"exec", "--", "/bin/sh", "-c", "echo world"}).argv,
            (Words{"/bin/sh", "-c", "echo world"}));
}

TEST(CommandLine, UnknownFlagsBeforeDashDashAreIgnored) {
  EXPECT_EQ(parse_command_line({"exec", "--future-flag", "-x", "--exec-command-name", "ls", "--", "-l"}).argv,
            (Words{"ls", "-l"}));
}

TEST(CommandLine, FirstWordStartsArgsWithoutDashDash) {
  EXPECT_EQ(parse_command_line({"exec", "python", "-m", "--", "x"}).argv, (Words{"python", "-m", "--", "x"}));
}

TEST(CommandLine, ArgsAfterDashDashAreNeverFlags) {
  EXPECT_EQ(parse_command_line({"exec", "--", "--exec-command-name", "x"}).argv,
            (Words{"--exec-command-name", "x"}));
}

TEST(CommandLine, EmptyShellCommandIsKept) {
  EXPECT_EQ(parse_command_line({"exec", "--exec-command-name", "/bin/sh", "--", "-c", ""}).argv,
            (Words{"/bin/sh", "-c", ""}));
}

TEST(CommandLine, NothingToRun) {
  EXPECT_TRUE(parse_command_line({"exec", "--"}).argv.empty());
  EXPECT_TRUE(parse_command_line({"exec"}).argv.empty());
}

TEST(CommandLine, OtherCommands) {
  EXPECT_EQ(parse_command_line({"version"}).kind, CommandKind::version);
  EXPECT_EQ(parse_command_line({"onbuild"}).kind, CommandKind::onbuild);
  EXPECT_EQ(parse_command_line({"dance"}).kind, CommandKind::unknown);
  EXPECT_EQ(parse_command_line({"dance"}).command, "dance");
  EXPECT_EQ(parse_command_line({}).kind, CommandKind::unknown);
}

class ProgramLookup : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() / ("chalk-shim-lookup-" + std::to_string(::getpid()));
    std::filesystem::create_directories(m_dir / "a");
    std::filesystem::create_directories(m_dir / "b");
    std::filesystem::create_directories(m_dir / "b" / "subdir");
    write(m_dir / "a" / "tool", 0644);  // found first, not executable
    write(m_dir / "b" / "tool", 0755);
    write(m_dir / "a" / "data", 0644);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }

  static void write(const std::filesystem::path& path, mode_t mode) {
    std::ofstream(path) << "#!/bin/sh\n";
    ::chmod(path.c_str(), mode);
  }
  std::string path_of(const char* sub) const { return (m_dir / sub).string(); }

  std::filesystem::path m_dir;
};

TEST_F(ProgramLookup, SearchesPathSkippingNonExecutables) {
  const std::string search = path_of("a") + ":" + path_of("b");
  const Lookup found = find_program("tool", search);
  EXPECT_EQ(found.status, LookupStatus::found);
  EXPECT_EQ(found.path, path_of("b") + "/tool");
}

TEST_F(ProgramLookup, OnlyNonExecutableMatchesIsNotExecutable) {
  EXPECT_EQ(find_program("data", path_of("a")).status, LookupStatus::not_executable);
}

TEST_F(ProgramLookup, DirectoriesAreNotPrograms) {
  EXPECT_EQ(find_program("subdir", path_of("b")).status, LookupStatus::not_executable);
  EXPECT_EQ(find_program(path_of("b"), "").status, LookupStatus::not_executable);
}

TEST_F(ProgramLookup, NamesWithSlashAreTakenAsIs) {
  const Lookup found = find_program(path_of("b") + "/tool", "/nowhere");
  EXPECT_EQ(found.status, LookupStatus::found);
  EXPECT_EQ(found.path, path_of("b") + "/tool");
  EXPECT_EQ(find_program(path_of("b") + "/missing", path_of("b")).status, LookupStatus::not_found);
}

TEST_F(ProgramLookup, NotFound) {
  EXPECT_EQ(find_program("no-such-program-here", path_of("a") + ":" + path_of("b")).status,
            LookupStatus::not_found);
  EXPECT_EQ(find_program("", k_default_path).status, LookupStatus::not_found);
}

TEST_F(ProgramLookup, DefaultPathFindsSh) {
  const Lookup found = find_program("sh", k_default_path);
  EXPECT_EQ(found.status, LookupStatus::found);
  EXPECT_EQ(found.path.substr(found.path.size() - 3), "/sh");
}

}  // namespace
}  // namespace chalk::shim
