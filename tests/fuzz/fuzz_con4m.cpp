// The con4m evaluator (lexer, parser, checker, interpreter, schema validation) on arbitrary
// source, as the plugin and as the shim evaluate a config. Effects are recorded, never run.
#include "plugin/config/config.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chalk::config::Environment environment;
  environment.vars = {{"HOME", "/root"}, {"CHALK_TOKEN", "secret"}};
  environment.command_name = "build";
  environment.argv = {"docker-chalk", "build", "."};
  environment.version = "0.1.0";
  const chalk::config::Source source{"fuzz.c4m", std::string(chalk::fuzz::text_of(data, size))};
  (void)chalk::config::evaluate(source, environment, chalk::config::Host::plugin);
  (void)chalk::config::evaluate(source, environment, chalk::config::Host::shim);
  return 0;
}
