#include "plugin/cli/config_option.hpp"

#include <array>
#include <string_view>

namespace chalk::cli {

namespace {

constexpr std::array<std::string_view, 2> k_names{"--config", "--config-file"};

// The FILE of `--name=FILE`, or nullopt when `arg` is not that form of one of k_names.
std::optional<std::string> joined_value(const std::string& arg) {
  for (const auto name : k_names) {
    if (arg.size() > name.size() && arg.compare(0, name.size(), name) == 0 && arg[name.size()] == '=') {
      return arg.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

bool is_name(const std::string& arg) {
  for (const auto name : k_names)
    if (arg == name) return true;
  return false;
}

}  // namespace

util::Result<std::optional<std::string>> take_config_option(std::vector<std::string>& args) {
  std::optional<std::string> file;
  std::vector<std::string> kept;
  kept.reserve(args.size());
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      kept.insert(kept.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    std::optional<std::string> value = joined_value(args[i]);
    if (!value && is_name(args[i])) {
      if (i + 1 == args.size())
        return util::Error{util::Errc::invalid_argument, args[i] + ": expected a config FILE after it"};
      value = args[++i];
    }
    if (!value) {
      kept.push_back(args[i]);
      continue;
    }
    if (value->empty())
      return util::Error{util::Errc::invalid_argument, "--config: the config FILE is empty"};
    file = std::move(*value);
  }
  args = std::move(kept);
  return file;
}

}  // namespace chalk::cli
