// Runs a checked Program over a copy of the built-in store (CONFIG.md §4, §6): attribute
// writes go to the store; log lines, echo and subscriptions are recorded, never performed.
#pragma once

#include <string>
#include <vector>

#include "plugin/config/ast.hpp"
#include "plugin/config/config.hpp"
#include "plugin/config/store.hpp"

namespace chalk::config {

struct LogRecord {
  std::string level;  // error warn info trace echo
  std::string text;
};

struct SubscriptionOp {
  bool subscribe = true;
  std::string topic;
  std::string sink_config;
};

struct RunResult {
  Store store;                  // the config's layer over the built-ins
  std::vector<LogRecord> logs;  // already filtered by log_level at each call
  std::vector<SubscriptionOp> subscriptions;
};

// `builtins` must outlive the result (its store reads through to them).
// Throws ConfigError{"runtime", ...}.
RunResult run(const Program& program, const Store& builtins, const Environment& env);

// Whether a line of `level` prints under `log_level` (verbose < trace < info < warn < error < none).
bool level_shows(const std::string& level, const std::string& log_level);

}  // namespace chalk::config
