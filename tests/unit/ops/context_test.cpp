// The envelope an operation writes takes `_ENV`'s policy from the settings of the config in
// force: their defaults, and what a config changes.
#include "plugin/ops/context.hpp"

#include <gtest/gtest.h>

#include "tests/unit/config/helpers.hpp"

namespace chalk::ops {
namespace {

TEST(ReportContext, TheEnvelopeFiltersTheEnvironmentByTheSettings) {
  ReportContext context;
  context.argv = {"/x/docker-chalk", "chalk", "insert"};
  context.environment = {{"PATH", "/bin"}, {"AWS_SECRET_ACCESS_KEY", "s3cr3t"}, {"GITHUB_TOKEN", "t"}};
  context.effects = fixed_effects(1695487471882, "seed");
  EXPECT_EQ(report_envelope("insert", context)["_ENV"],
            oci::Json::parse(R"({"AWS_SECRET_ACCESS_KEY":"<<redact>>","PATH":"/bin"})"));

  auto settings = config::test::full("env_default_action: \"show\"\nenv_never_show: [\"PATH\"]\n");
  ASSERT_TRUE(settings) << settings.error().message;
  context.settings = *settings;
  EXPECT_EQ(report_envelope("insert", context)["_ENV"],
            oci::Json::parse(R"({"AWS_SECRET_ACCESS_KEY":"<<redact>>","GITHUB_TOKEN":"t"})"));
}

}  // namespace
}  // namespace chalk::ops
