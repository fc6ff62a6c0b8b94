// What the user asked `docker chalk build` for, read from the arguments that are passed to
// `docker build` untouched. The grammar is docker's: spf13/pflag over the option set of
// `docker buildx build` plus the legacy builder's (hidden in buildx) options.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "oci/util/result.hpp"

namespace chalk::build {

struct BuildInvocation {
  std::vector<std::string> tags;       // every -t/--tag, in order, deduplicated, as typed
  std::string dockerfile;              // -f/--file as typed; "" = default, "-" = stdin
  std::string context;                 // the positional argument as typed; "-" = stdin; may be a URL
  std::string iidfile;                 // --iidfile; "" = not given
  std::string target;                  // --target; "" = the last stage
  bool quiet = false;                  // -q/--quiet
  std::vector<std::string> platforms;  // --platform values split at commas, in order, deduplicated
  // --label KEY[=VALUE] in order; a repeated key keeps its first place and takes the last value.
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::string> build_args;  // --build-arg values as typed (KEY alone: docker reads $KEY)
  std::vector<std::string> outputs;     // -o/--output values as typed
  bool push = false;                    // --push, or an output of type=registry or with push=true
  bool load = false;                    // --load, or an output of type=docker

  [[nodiscard]] bool output_given() const { return !outputs.empty(); }
};

// Reads `args` (what follows `docker chalk build`). Errors: an unknown option, an option missing
// its value, a bad boolean value, no context or more than one positional argument.
util::Result<BuildInvocation> parse_build_args(const std::vector<std::string>& args);

// `args` with `--iidfile PATH` inserted just before the context (before a `--` that precedes
// it), so docker tells us the image it built; `args` unchanged when the user gave --iidfile or
// when `args` do not parse (docker then reports the problem itself).
std::vector<std::string> with_iidfile(const std::vector<std::string>& args, const std::string& path);

// `args` without what asks the builder to push (--push[=BOOL], -o/--output of type=registry
// or with push=true), for the classic builder, which has no push of its own: chalk pushes
// the chalked image itself. Options in a combined shorthand run (`-qo ...`) stay as typed.
std::vector<std::string> without_push(const std::vector<std::string>& args);

}  // namespace chalk::build
