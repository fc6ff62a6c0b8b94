#include "plugin/chalk/report.hpp"

#include <gtest/gtest.h>

#include "plugin/chalk/host_facts.hpp"

namespace chalk {
namespace {

TEST(Datetime, FormatsWithMillisecondsAndOffset) {
  EXPECT_EQ(format_datetime(1695414005130, 0), "2023-09-22T20:20:05.130+00:00");
  EXPECT_EQ(format_datetime(1695414005130, 2 * 3600), "2023-09-22T22:20:05.130+02:00");
  EXPECT_EQ(format_datetime(1695414005130, -(5 * 3600 + 30 * 60)), "2023-09-22T14:50:05.130-05:30");
  EXPECT_EQ(utc_rfc3339(1695414005130), "2023-09-22T20:20:05Z");
}

TEST(Platform, NamesLinuxTheWayUnameODoes) {
  const std::string platform = platform_string();
  EXPECT_EQ(platform.rfind("GNU/Linux ", 0), 0u);
}

TEST(Environment, ShowsTheAllowListAndRedactsSecrets) {
  EnvironmentPolicy policy{
      {"PATH", "PWD", "XDG_SESSION_TYPE", "USER", "SSH_TTY"}, {}, {"AWS_SECRET_ACCESS_KEY"}, "ignore"};
  const std::map<std::string, std::string> environment = {
      {"PATH", "/bin"}, {"USER", "dev"}, {"AWS_SECRET_ACCESS_KEY", "x"}, {"GITHUB_TOKEN", "y"}};
  EXPECT_EQ(filter_environment(environment, policy),
            oci::Json::parse(R"({"AWS_SECRET_ACCESS_KEY":"<<redact>>","PATH":"/bin","USER":"dev"})"));
  policy.default_action = "redact";
  policy.never_show = {"USER"};
  EXPECT_EQ(filter_environment(environment, policy),
            oci::Json::parse(
                R"({"AWS_SECRET_ACCESS_KEY":"<<redact>>","GITHUB_TOKEN":"<<redact>>","PATH":"/bin"})"));
}

TEST(Envelope, OpArgvHidesBuildArgValuesAndUrlCredentials) {
  Invocation invocation;
  invocation.effects = fixed_effects(1695487471882, "seed");
  invocation.argv = {"/x/docker-chalk",
                     "chalk",
                     "build",
                     "--build-arg",
                     "NPM_TOKEN=npm_sekrit",
                     "--build-arg=PW=hunter2",
                     "https://tok@github.com/org/app.git"};
  const auto report = report_envelope("build", invocation, {});
  EXPECT_EQ(report["_OP_ARGV"],
            oci::Json({"/x/docker-chalk", "chalk", "build", "--build-arg", "NPM_TOKEN=<<redact>>",
                       "--build-arg=PW=<<redact>>", "https://github.com/org/app.git"}));
  for (const char* secret : {"npm_sekrit", "hunter2", "tok@"}) {
    EXPECT_EQ(report.dump().find(secret), std::string::npos) << secret;
  }
}

TEST(Envelope, CarriesTheCommonKeys) {
  Invocation invocation;
  invocation.argv = {"/x/docker-chalk", "chalk", "insert"};
  invocation.effects = fixed_effects(1695487471882, "seed");
  const auto report = report_envelope("insert", invocation, {});
  EXPECT_EQ(report["_OPERATION"], "insert");
  EXPECT_EQ(report["_TIMESTAMP"], 1695487471882) << "the time comes from the context's clock";
  EXPECT_EQ(report["_DATETIME"].get<std::string>().size(), 29u);
  EXPECT_EQ(report["_OP_ARGV"][0], "/x/docker-chalk");
  EXPECT_EQ(report["_OP_CHALKER_VERSION"], k_chalker_version);
}

}  // namespace
}  // namespace chalk
