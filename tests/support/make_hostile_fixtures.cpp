// chalk-hostile-fixtures DIR: writes every hostile input of hostile_fixtures.hpp under DIR
// and prints one line per case: NAME<TAB>PATH<TAB>EXPECTED ERROR. e2e tests hand the paths
// to `docker chalk`; fuzzers seed their corpora from the files.
#include <cstdio>
#include <exception>
#include <filesystem>

#include "tests/support/hostile_fixtures.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: chalk-hostile-fixtures DIR\n");
    return 2;
  }
  try {
    const std::filesystem::path directory = argv[1];
    std::filesystem::create_directories(directory);
    for (const auto& hostile : chalk::testing::hostile_cases()) {
      const auto path = hostile.write(directory / hostile.name);
      std::printf("%s\t%s\t%s\n", hostile.name.c_str(), path.c_str(), hostile.expected_error.c_str());
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "chalk-hostile-fixtures: %s\n", error.what());
    return 1;
  }
  return 0;
}
