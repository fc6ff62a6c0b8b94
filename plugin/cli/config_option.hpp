// `--config FILE` (or `--config-file FILE`, the original tool's spelling): a config for one run,
// accepted before or after the subcommand.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "oci/util/result.hpp"

namespace chalk::cli {

// For commands whose arguments go on to docker (`build`): takes every `--config FILE`,
// `--config=FILE`, `--config-file FILE` and `--config-file=FILE` out of `args`, up to a `--`
// (after which everything is docker's), and returns the last FILE (nullopt when none).
// Error (bad input): the option is last and has no FILE, or FILE is empty.
util::Result<std::optional<std::string>> take_config_option(std::vector<std::string>& args);

}  // namespace chalk::cli
