// Shared helpers: run the language alone ("bare", over the built-in store, no schema) or
// the whole pipeline, with a hermetic environment.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "plugin/config/checker.hpp"
#include "plugin/config/config.hpp"
#include "plugin/config/interpreter.hpp"
#include "plugin/config/parser.hpp"
#include "plugin/config/schema.hpp"

namespace chalk::config::test {

inline Environment env_with(std::map<std::string, std::string> vars = {}) {
  Environment env;
  env.vars = std::move(vars);
  env.command_name = "build";
  env.argv = {"docker-chalk", "build", "."};
  env.version = "0.1.0";
  return env;
}

inline RunResult bare_or_throw(const std::string& text, const Environment& env) {
  Program program = parse(text);
  const Store& base = builtin_store(Host::plugin);
  check(program, base);
  return run(program, base, env);
}

// Language only: lex, parse, check, run; a rejected source fails the test with its error.
inline RunResult bare(const std::string& text, const Environment& env = env_with()) {
  try {
    return bare_or_throw(text, env);
  } catch (const ConfigError& e) {
    ADD_FAILURE() << e.pos.line << ":" << e.pos.col << ": " << e.phase << ": " << e.message
                  << "\nin: " << text;
    return RunResult{};
  }
}

// The error line of a rejected source, "" when accepted; the file is named "t.c4m".
inline std::string bare_error(const std::string& text) {
  try {
    bare_or_throw(text, env_with());
  } catch (const ConfigError& e) {
    return "t.c4m:" + std::to_string(e.pos.line) + ":" + std::to_string(e.pos.col) + ": " + e.phase + ": " +
           e.message;
  }
  return "";
}

inline Value attr(const RunResult& r, const std::string& path) {
  const Value* v = r.store.get(path);
  if (v == nullptr) {
    ADD_FAILURE() << "no attribute " << path;
    return Value{};
  }
  return *v;
}

inline util::Result<Settings> full(const std::string& text, std::map<std::string, std::string> vars = {},
                                   Host host = Host::plugin) {
  return evaluate(Source{"t.c4m", text}, env_with(std::move(vars)), host);
}

// The settings of an accepted source; a rejected one fails the test with its error.
inline Settings ok(const std::string& text, std::map<std::string, std::string> vars = {},
                   Host host = Host::plugin) {
  auto r = full(text, std::move(vars), host);
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return Settings{};
  }
  return std::move(r).value();
}

inline std::string full_error(const std::string& text, std::map<std::string, std::string> vars = {},
                              Host host = Host::plugin) {
  auto r = full(text, std::move(vars), host);
  return r ? "" : r.error().message;
}

}  // namespace chalk::config::test
