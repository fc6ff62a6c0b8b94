// Parser (CONFIG.md §2-§3): tokens to a Program; precedence levels exactly as the table
// of §3 (same-level operators group to the right; `not` takes the whole rest).
#pragma once

#include <string_view>

#include "plugin/config/ast.hpp"

namespace chalk::config {

// Throws ConfigError{"lex"|"parse", ...}.
Program parse(std::string_view source);

}  // namespace chalk::config
