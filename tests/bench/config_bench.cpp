// Parse + check + evaluate of config files, timed: prints "NAME MEDIAN_US MIN_US" per file.
// Usage: config_bench [--runs N] FILE...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "plugin/config/config.hpp"

int main(int argc, char** argv) {
  int runs = 200;
  std::vector<const char*> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else {
      files.push_back(argv[i]);
    }
  }
  const auto environment = chalk::config::current_environment("build", {"docker-chalk", "build"});
  for (const char* file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    const chalk::config::Source source{file, text.str()};
    std::vector<double> micros;
    for (int run = 0; run < runs; ++run) {
      const auto start = std::chrono::steady_clock::now();
      auto settings = chalk::config::evaluate(source, environment, chalk::config::Host::plugin);
      const auto took = std::chrono::steady_clock::now() - start;
      if (!settings) {
        std::fprintf(stderr, "%s\n", settings.error().message.c_str());
        return 1;
      }
      micros.push_back(std::chrono::duration<double, std::micro>(took).count());
    }
    std::sort(micros.begin(), micros.end());
    std::printf("%s %.1f %.1f\n", file, micros[micros.size() / 2], micros.front());
  }
  return 0;
}
