// Positions and the one error type the phases throw internally; evaluate() turns it into
// util::Error "FILE:LINE:COL: PHASE: message" and never lets anything escape.
#pragma once

#include <string>
#include <utility>

namespace chalk::config {

struct Pos {
  int line = 1;
  int col = 1;
};

struct ConfigError {
  std::string phase;  // lex parse check runtime schema
  Pos pos;
  std::string message;
};

[[noreturn]] inline void fail(std::string phase, Pos pos, std::string message) {
  throw ConfigError{std::move(phase), pos, std::move(message)};
}

}  // namespace chalk::config
