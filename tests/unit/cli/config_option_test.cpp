#include "plugin/cli/config_option.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "oci/file_io.hpp"
#include "tests/unit/cli/helpers.hpp"

namespace chalk::cli {
namespace {

namespace fs = std::filesystem;
using testing::CommandLine;
using Args = std::vector<std::string>;

TEST(TakeConfigOption, TakesEverySpellingOutOfDockersArguments) {
  for (const Args& spelled : {Args{"--config", "my.c4m"}, Args{"--config=my.c4m"},
                              Args{"--config-file", "my.c4m"}, Args{"--config-file=my.c4m"}}) {
    Args args{"-t", "app:1"};
    args.insert(args.end(), spelled.begin(), spelled.end());
    args.push_back(".");
    auto file = take_config_option(args);
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(*file, std::optional<std::string>("my.c4m"));
    EXPECT_EQ(args, (Args{"-t", "app:1", "."}));
  }
}

TEST(TakeConfigOption, LastOneWinsAndTheRestIsUntouched) {
  Args args{"--config", "a.c4m", "--label", "x=1", "--config-file=b.c4m", "-f", "Dockerfile", "."};
  auto file = take_config_option(args);
  ASSERT_TRUE(file);
  EXPECT_EQ(*file, std::optional<std::string>("b.c4m"));
  EXPECT_EQ(args, (Args{"--label", "x=1", "-f", "Dockerfile", "."}));
}

TEST(TakeConfigOption, NoneGivenLeavesArgumentsAlone) {
  Args args{"-t", "app", "--configx", "."};
  auto file = take_config_option(args);
  ASSERT_TRUE(file);
  EXPECT_FALSE(file->has_value());
  EXPECT_EQ(args, (Args{"-t", "app", "--configx", "."}));
}

TEST(TakeConfigOption, StopsAtDoubleDash) {
  Args args{"-t", "app", "--", "--config", "x"};
  auto file = take_config_option(args);
  ASSERT_TRUE(file);
  EXPECT_FALSE(file->has_value());
  EXPECT_EQ(args, (Args{"-t", "app", "--", "--config", "x"}));
}

TEST(TakeConfigOption, MissingOrEmptyFileIsBadInput) {
  Args last{"-t", "app", ".", "--config"};
  auto missing = take_config_option(last);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "--config: expected a config FILE after it");
  Args empty{"--config-file=", "."};
  auto blank = take_config_option(empty);
  ASSERT_FALSE(blank);
  EXPECT_EQ(blank.error().code, util::Errc::invalid_argument);
}

class ConfigOptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("chalk-cli-test-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  // A config that says it was read, on stderr.
  std::string config_file(const std::string& extra = "") {
    const fs::path path = dir / "my.c4m";
    EXPECT_TRUE(oci::write_file_atomically(path, "echo(\"config my.c4m in force\")\n" + extra));
    return path.string();
  }

  // Runs `args` and returns stderr; a Fatal's exit code goes to `exit_code` (0 when none) and
  // its message to `fatal_message`.
  std::string run_capturing(const Args& args, int& exit_code) {
    CommandLine cli;
    ::testing::internal::CaptureStderr();
    ::testing::internal::CaptureStdout();
    exit_code = 0;
    fatal_message.clear();
    try {
      cli.run(args);
    } catch (const Fatal& fatal) {
      exit_code = fatal.exit_code;
      fatal_message = fatal.what();
    }
    stdout_text = ::testing::internal::GetCapturedStdout();
    return ::testing::internal::GetCapturedStderr();
  }

  fs::path dir;
  std::string stdout_text;
  std::string fatal_message;
};

TEST_F(ConfigOptionTest, BeforeOrAfterTheCommandInEverySpelling) {
  const std::string file = config_file();
  for (const Args& args :
       {Args{"--config", file, "version"}, Args{"version", "--config", file},
        Args{"--config-file", file, "version"}, Args{"version", "--config-file=" + file}}) {
    int exit_code = -1;
    EXPECT_EQ(run_capturing(args, exit_code), "config my.c4m in force\n") << args[0] << ' ' << args[1];
    EXPECT_EQ(exit_code, 0);
    EXPECT_NE(stdout_text.find("docker-chalk "), std::string::npos);
  }
}

TEST_F(ConfigOptionTest, InsertAndExtractTakeItAfterTheCommand) {
  for (const char* command : {"insert", "extract"}) {
    int exit_code = -1;
    run_capturing({command, "--config", (dir / "missing.c4m").string(), "img.tar"}, exit_code);
    EXPECT_EQ(exit_code, k_exit_failure) << command;
    EXPECT_NE(fatal_message.find("--config: "), std::string::npos) << fatal_message;
    EXPECT_NE(fatal_message.find("missing.c4m"), std::string::npos) << fatal_message;
  }
}

TEST_F(ConfigOptionTest, DumpPrintsTheConfigInForce) {
  const std::string file = config_file();
  int exit_code = -1;
  run_capturing({"dump", "--config", file}, exit_code);
  EXPECT_EQ(exit_code, 0);
  EXPECT_EQ(stdout_text, "echo(\"config my.c4m in force\")\n");
}

TEST_F(ConfigOptionTest, LoadRefusesIt) {
  const std::string file = config_file();
  int exit_code = -1;
  run_capturing({"--config", file, "load", file}, exit_code);
  EXPECT_EQ(exit_code, k_exit_bad_input);
  EXPECT_NE(fatal_message.find("--config does not apply to load"), std::string::npos) << fatal_message;
}

// docker_exe is a script recording what it was given: --config anywhere among docker's
// arguments is ours, never docker's.
TEST_F(ConfigOptionTest, BuildTakesItOutOfDockersArguments) {
  const fs::path docker = dir / "docker";
  const fs::path seen = dir / "args";
  ASSERT_TRUE(oci::write_file_atomically(docker, "#!/bin/sh\necho \"$@\" >>" + seen.string() + "\nexit 3\n"));
  ::chmod(docker.c_str(), 0755);
  const std::string file = config_file("docker_exe: \"" + docker.string() + "\"\n");
  for (const Args& args : {Args{"build", "--config", file, "-t", "app:1", "."},
                           Args{"build", "-t", "app:1", "--config", file, "."},
                           Args{"build", "-t", "app:1", ".", "--config-file=" + file}}) {
    fs::remove(seen);
    int exit_code = -1;
    const std::string err = run_capturing(args, exit_code);
    EXPECT_NE(err.find("config my.c4m in force"), std::string::npos) << err;
    EXPECT_EQ(exit_code, 3);
    auto recorded = oci::read_small_file(seen, 4096);
    ASSERT_TRUE(recorded) << err;
    EXPECT_EQ(recorded->find("--config"), std::string::npos) << *recorded;
    EXPECT_NE(recorded->find("build"), std::string::npos) << *recorded;
    EXPECT_NE(recorded->find("-t app:1"), std::string::npos) << *recorded;
  }
}

TEST_F(ConfigOptionTest, BuildWithoutAFileIsBadInput) {
  int exit_code = -1;
  run_capturing({"build", "-t", "app:1", ".", "--config"}, exit_code);
  EXPECT_EQ(exit_code, k_exit_bad_input);
  EXPECT_EQ(fatal_message, "--config: expected a config FILE after it");
}

// log_level decides whether warnings print; color whether they are coloured.
TEST_F(ConfigOptionTest, LogLevelAndColorShapeWarnings) {
  struct Case {
    std::string config;
    std::string expected;
  };
  for (const Case& c :
       {Case{"log_level: \"error\"\n", ""}, Case{"color: false\n", "docker chalk: warning: careful\n"},
        Case{"color: true\n", "docker chalk: \033[33mwarning:\033[0m careful\n"}}) {
    const fs::path path = dir / "levels.c4m";
    ASSERT_TRUE(oci::write_file_atomically(path, c.config));
    CommandLine cli;
    ::testing::internal::CaptureStdout();
    cli.run({"version", "--config", path.string()});
    ::testing::internal::GetCapturedStdout();
    ::testing::internal::CaptureStderr();
    cli.runtime.warn("careful");
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), c.expected) << c.config;
  }
}

TEST(CommandHelp, EveryCommandListsConfigExitCodesAndAnExample) {
  CommandLine cli;
  for (const CLI::App* command : cli.app.get_subcommands({})) {
    const std::string help = command->help();
    if (command->get_name() != "load") {
      EXPECT_NE(help.find("--config"), std::string::npos) << command->get_name();
    }
    EXPECT_NE(help.find("Exit codes:"), std::string::npos) << command->get_name();
    EXPECT_NE(help.find("Example:\n  docker chalk " + command->get_name()), std::string::npos)
        << command->get_name();
  }
}

}  // namespace
}  // namespace chalk::cli
