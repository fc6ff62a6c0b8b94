#include "plugin/docker/globals.hpp"

#include <gtest/gtest.h>

namespace chalk::docker {
namespace {

using Args = std::vector<std::string>;

PluginInvocation split(const Args& args) {
  auto invocation = split_plugin_invocation(args);
  EXPECT_TRUE(invocation) << invocation.error().message;
  return invocation ? *invocation : PluginInvocation{};
}

TEST(GlobalsTest, EveryGlobalOptionBeforeChalkIsDockers) {
  const auto invocation =
      split({"--config", "/cfg", "-c", "prod", "-D", "-l", "error", "--tls", "--tlscacert", "/ca.pem",
             "--tlscert=/cert.pem", "--tlskey", "/key.pem", "--tlsverify", "chalk", "build", "."});
  const Globals& globals = invocation.globals;
  EXPECT_EQ("/cfg", globals.config_dir);
  EXPECT_EQ("prod", globals.context);
  EXPECT_TRUE(globals.debug);
  EXPECT_EQ("error", globals.log_level);
  EXPECT_EQ(std::optional<bool>(true), globals.tls);
  EXPECT_EQ(std::optional<bool>(true), globals.tls_verify);
  EXPECT_EQ("/ca.pem", globals.tls_ca_cert);
  EXPECT_EQ("/cert.pem", globals.tls_cert);
  EXPECT_EQ("/key.pem", globals.tls_key);
  EXPECT_EQ((Args{"build", "."}), invocation.arguments);
}

TEST(GlobalsTest, ValuesAttachedOrSeparateAndLongOrShort) {
  EXPECT_EQ("unix:///a.sock", split({"-H", "unix:///a.sock", "chalk", "version"}).globals.host);
  EXPECT_EQ("unix:///b.sock", split({"-H=unix:///b.sock", "chalk", "version"}).globals.host);
  EXPECT_EQ("unix:///c.sock", split({"-Hunix:///c.sock", "chalk", "version"}).globals.host);
  EXPECT_EQ("unix:///d.sock", split({"--host=unix:///d.sock", "chalk", "version"}).globals.host);
  EXPECT_EQ("debug", split({"--log-level=debug", "chalk", "version"}).globals.log_level);
  EXPECT_EQ("ctx", split({"--context=ctx", "chalk", "version"}).globals.context);
  EXPECT_TRUE(split({"--debug", "chalk", "version"}).globals.debug);
  EXPECT_FALSE(split({"--debug=false", "chalk", "version"}).globals.debug);
  EXPECT_EQ(std::optional<bool>(false), split({"--tlsverify=false", "chalk", "version"}).globals.tls_verify);
}

TEST(GlobalsTest, ConfigAfterChalkIsThePluginsOwn) {
  const auto invocation = split({"--config", "/docker-dir", "chalk", "--config", "my.c4m", "build", "."});
  EXPECT_EQ("/docker-dir", invocation.globals.config_dir);
  EXPECT_EQ((Args{"--config", "my.c4m", "build", "."}), invocation.arguments);
}

TEST(GlobalsTest, RunDirectlyEveryArgumentIsThePlugins) {
  // No `chalk` after the leading options: `docker-chalk --config my.c4m build` is the
  // plugin run by hand, and --config is its con4m file.
  const Args direct{"--config", "my.c4m", "build", "."};
  const auto invocation = split(direct);
  EXPECT_TRUE(invocation.globals.config_dir.empty());
  EXPECT_EQ(direct, invocation.arguments);
  EXPECT_EQ((Args{"version"}), split({"version"}).arguments);
  EXPECT_EQ((Args{}), split({"chalk"}).arguments);
  EXPECT_EQ((Args{"--help"}), split({"--help"}).arguments);
}

TEST(GlobalsTest, RefusesWhatDockerRefuses) {
  auto both = split_plugin_invocation({"-H", "unix:///a.sock", "--context", "prod", "chalk", "version"});
  ASSERT_FALSE(both);
  EXPECT_EQ(util::Errc::invalid_argument, both.error().code);
  EXPECT_NE(std::string::npos, both.error().message.find("either specify --host or --context"));
  auto twice = split_plugin_invocation({"-H", "unix:///a.sock", "-H", "unix:///b.sock", "chalk", "version"});
  ASSERT_FALSE(twice);
  EXPECT_NE(std::string::npos, twice.error().message.find("only one -H"));
  auto flag = split_plugin_invocation({"--debug=maybe", "chalk", "version"});
  ASSERT_FALSE(flag);
  EXPECT_NE(std::string::npos, flag.error().message.find("expected true or false"));
}

TEST(GlobalsTest, CliArgumentsRepeatEveryGivenOption) {
  const auto globals = split({"--config", "/cfg", "-H", "tcp://h:2376", "-D", "-l", "warn", "--tlsverify",
                              "--tlscacert", "/ca.pem", "chalk", "version"})
                           .globals;
  EXPECT_EQ((Args{"--config=/cfg", "--host=tcp://h:2376", "--debug", "--log-level=warn", "--tlsverify",
                  "--tlscacert=/ca.pem"}),
            globals.cli_arguments());
  EXPECT_TRUE(Globals{}.cli_arguments().empty());
}

TEST(GlobalsTest, DebuggingByFlagOrLogLevel) {
  EXPECT_TRUE(split({"-D", "chalk", "version"}).globals.debugging());
  EXPECT_TRUE(split({"-l", "debug", "chalk", "version"}).globals.debugging());
  EXPECT_FALSE(split({"-l", "error", "chalk", "version"}).globals.debugging());
}

TEST(GlobalsTest, ConfigDirectoryFromOptionEnvironmentOrHome) {
  Globals globals;
  EXPECT_EQ("/home/me/.docker", config_directory(globals, {{"HOME", "/home/me"}}).string());
  EXPECT_EQ("/env-dir",
            config_directory(globals, {{"HOME", "/home/me"}, {"DOCKER_CONFIG", "/env-dir"}}).string());
  globals.config_dir = "/option-dir";
  EXPECT_EQ("/option-dir",
            config_directory(globals, {{"HOME", "/home/me"}, {"DOCKER_CONFIG", "/env-dir"}}).string());
}

}  // namespace
}  // namespace chalk::docker
