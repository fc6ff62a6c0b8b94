// Static checks (CONFIG.md §5) over the whole tree before any statement runs: names,
// function resolution by argument types, operand and attribute types, `<< >>` literals
// (their values are stored in the tree here), control flow placement, recursion.
#pragma once

#include "plugin/config/ast.hpp"
#include "plugin/config/store.hpp"

namespace chalk::config {

// `base` gives the built-in attributes and their types. Throws ConfigError{"check", ...}.
void check(Program& program, const Store& base);

}  // namespace chalk::config
