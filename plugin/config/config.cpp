#include "plugin/config/config.hpp"

#include <unistd.h>

#include <exception>

#include "chalk_version.hpp"
#include "plugin/config/checker.hpp"
#include "plugin/config/interpreter.hpp"
#include "plugin/config/parser.hpp"
#include "plugin/config/schema.hpp"

extern char** environ;  // NOLINT: POSIX

namespace chalk::config {

namespace {

std::string location(const Source& source, Pos pos) {
  return source.name + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col);
}

std::string log_line(const std::string& level, const std::string& text) {
  if (level == "echo") return text;
  return "chalk: " + std::string(level == "warn" ? "warning" : level) + ": " + text;
}

Settings evaluate_or_throw(const Source& source, const Environment& env, Host host) {
  Program program = parse(source.text);
  const Store& base = builtin_store(host);
  check(program, base);
  RunResult ran = run(program, base, env);
  Validated validated = validate(ran, env, host);
  Settings settings = std::move(validated.settings);
  // §6: warnings, then log/echo lines in call order; warnings obey the final log_level.
  if (level_shows("warn", settings.log_level)) {
    for (const auto* list : {&program.warnings, &validated.warnings}) {
      for (const auto& warning : *list)
        settings.messages.push_back(
            {"warning", warning.message, location(source, warning.pos) + ": warning: " + warning.message});
    }
  }
  for (const auto& record : ran.logs)
    settings.messages.push_back({record.level, record.text, log_line(record.level, record.text)});
  return settings;
}

}  // namespace

util::Result<Settings> evaluate(const Source& source, const Environment& env, Host host) {
  try {
    return evaluate_or_throw(source, env, host);
  } catch (const ConfigError& error) {
    return util::Error{util::Errc::config,
                       location(source, error.pos) + ": " + error.phase + ": " + error.message};
  } catch (const std::exception& error) {
    return util::Error{util::Errc::config,
                       source.name + ":1:1: internal: evaluating the config: " + error.what()};
  } catch (...) {
    return util::Error{util::Errc::config, source.name + ":1:1: internal: evaluating the config failed"};
  }
}

Environment current_environment(std::string command_name, std::vector<std::string> argv) {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text = *entry;
    auto eq = text.find('=');
    if (eq == std::string::npos) continue;
    env.vars.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  env.command_name = std::move(command_name);
  env.argv = std::move(argv);
  env.tty = ::isatty(STDOUT_FILENO) == 1;
  env.version = chalk::k_project_version;
  return env;
}

}  // namespace chalk::config
