// Dockerfile reading (directives, continuations, heredocs, quotes, LABEL forms, variable
// expansion) and `docker build` argument parsing: the input's first line is split into
// build arguments, the rest is the Dockerfile.
#include <map>
#include <sstream>

#include "plugin/build/build_args.hpp"
#include "plugin/build/provenance.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = chalk::fuzz::text_of(data, size);
  const std::size_t newline = text.find('\n');
  const std::string first_line(text.substr(0, newline));
  const std::string_view dockerfile = newline == std::string_view::npos ? text : text.substr(newline + 1);

  std::vector<std::string> args;
  std::istringstream words(first_line);
  for (std::string word; words >> word;) args.push_back(word);
  if (auto invocation = chalk::build::parse_build_args(args)) {
    (void)chalk::build::without_push(args);
    std::map<std::string, std::string> values;
    for (const std::string& build_arg : invocation->build_args) {
      const std::size_t equals = build_arg.find('=');
      if (equals != std::string::npos) values[build_arg.substr(0, equals)] = build_arg.substr(equals + 1);
    }
    (void)chalk::build::dockerfile_labels(dockerfile, invocation->target, values);
  }
  (void)chalk::build::dockerfile_labels(dockerfile);
  return 0;
}
