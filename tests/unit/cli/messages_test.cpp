// Messages, help texts and docs that tell the user to run `docker chalk COMMAND` name a
// command that exists: every such mention in the sources, scripts and READMEs is checked
// against the commands the CLI registers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/unit/cli/helpers.hpp"

namespace chalk::cli {
namespace {

namespace fs = std::filesystem;

std::set<std::string> registered_commands() {
  testing::CommandLine cli;
  std::set<std::string> names;
  for (const CLI::App* command : cli.app.get_subcommands({})) names.insert(command->get_name());
  return names;
}

bool is_scanned(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".cpp" || ext == ".hpp" || ext == ".md" || ext == ".sh" || ext == ".c4m" || ext == ".in";
}

TEST(Messages, NameOnlyRegisteredCommands) {
  const std::set<std::string> commands = registered_commands();
  ASSERT_TRUE(commands.count("build") && commands.count("insert") && commands.count("version"));
  const fs::path root = CHALK_SOURCE_DIR;
  std::vector<fs::path> files{root / "README.md"};
  for (const char* dir : {"plugin", "runtime-shim", "oci", "scripts", "configs"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir))
      if (entry.is_regular_file() && is_scanned(entry.path())) files.push_back(entry.path());
  }
  const std::regex mention(R"(docker chalk ([a-z][a-z0-9-]*))");
  std::size_t mentions = 0;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    const std::string content = text.str();
    for (auto it = std::sregex_iterator(content.begin(), content.end(), mention);
         it != std::sregex_iterator(); ++it) {
      ++mentions;
      EXPECT_TRUE(commands.count((*it)[1].str()))
          << file << " names `docker chalk " << (*it)[1] << "`, which is no command";
    }
  }
  EXPECT_GT(mentions, 10U);
}

}  // namespace
}  // namespace chalk::cli
