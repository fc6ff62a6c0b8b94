// The builtin functions of CONFIG.md §7: a static signature (for the checker) and an
// implementation (for the interpreter) per overload. Effects go through BuiltinHost so
// they are recorded, not performed (§6).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plugin/config/config.hpp"
#include "plugin/config/value.hpp"

namespace chalk::config {

// Calls nest at most this deep: the checker refuses deeper static chains, and the interpreter
// stops chains the checker cannot see (typed functions are checked once each).
inline constexpr std::size_t k_max_call_depth = 64;

class BuiltinHost {
 public:
  virtual ~BuiltinHost() = default;
  [[nodiscard]] virtual const Environment& environment() const = 0;
  // level: error warn info trace echo
  virtual void log(const std::string& level, const std::string& text) = 0;
  virtual bool subscription(bool subscribe, const std::string& topic, const std::string& sink_config) = 0;
  // For format(): a variable, else an attribute, visible where format() was called.
  virtual std::optional<Value> lookup(const std::string& name) = 0;
};

// A builtin's run-time failure; the interpreter adds the call's position.
struct BuiltinFailure {
  std::string message;
};

struct Builtin {
  std::string name;
  // The result type for these argument types, or nullopt when this overload does not apply.
  std::function<std::optional<Type>(const std::vector<Type>&)> match;
  std::function<Value(BuiltinHost&, std::vector<Value>&)> run;
};

const std::vector<Builtin>& builtins();
bool is_builtin_name(const std::string& name);

}  // namespace chalk::config
