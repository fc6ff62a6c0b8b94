#include "plugin/chalk/wrap.hpp"

#include <gtest/gtest.h>

namespace chalk {
namespace {

using oci::Json;

WrapPlan plan(const char* config) { return plan_wrap(Json::parse(config)); }

TEST(Wrap, ExecFormWithCmd) {
  auto result = plan(R"({"Entrypoint":["echo"],"Cmd":["hello"]})");
  EXPECT_TRUE(result.wrapped);
  EXPECT_EQ(*result.entrypoint, Json::parse(R"(["/chalk","exec","--exec-command-name","echo","--"])"));
}

TEST(Wrap, ExecFormWithArguments) {
  auto result = plan(R"({"Entrypoint":["python","-m","http.server","9999"]})");
  EXPECT_EQ(
      *result.entrypoint,
      Json::parse(R"(["/chalk","exec","--exec-command-name","python","--","-m","http.server","9999"])"));
}

TEST(Wrap, ShellForm) {
  auto result = plan(R"({"Entrypoint":["/bin/sh","-c","echo hello"],"Cmd":["/bin/sh","-c","echo world"]})");
  EXPECT_EQ(*result.entrypoint,
            Json::parse(R"(["/chalk","exec","--exec-command-name","/bin/sh","--","-c","echo hello"])"));
}

TEST(Wrap, BareEntrypointInstruction) {
  auto result = plan(R"({"Entrypoint":["/bin/sh","-c",""]})");
  EXPECT_EQ(*result.entrypoint,
            Json::parse(R"(["/chalk","exec","--exec-command-name","/bin/sh","--","-c",""])"));
}

TEST(Wrap, CmdOnly) {
  for (const char* config : {R"({"Entrypoint":null,"Cmd":["sh"]})", R"({"Entrypoint":[],"Cmd":["sh"]})",
                             R"({"Entrypoint":[""],"Cmd":["sh"]})", R"({"Cmd":["sh"]})"}) {
    auto result = plan(config);
    EXPECT_TRUE(result.wrapped) << config;
    EXPECT_EQ(*result.entrypoint, Json::parse(R"(["/chalk","exec","--"])")) << config;
  }
}

TEST(Wrap, BlankProgramIsNotWrapped) {
  for (const char* config : {R"({"Entrypoint":[" "],"Cmd":["x"]})", R"({"Entrypoint":["",""]})"}) {
    auto result = plan(config);
    EXPECT_FALSE(result.wrapped) << config;
    EXPECT_FALSE(result.entrypoint);
    EXPECT_FALSE(result.warning.empty());
  }
}

TEST(Wrap, NothingToRun) {
  auto result = plan(R"({"Entrypoint":null,"Cmd":null})");
  EXPECT_FALSE(result.wrapped);
  EXPECT_EQ(result.warning, "cannot wrap: no ENTRYPOINT or CMD");
  EXPECT_FALSE(plan("{}").wrapped);
}

TEST(Wrap, AlreadyWrappedIsLeftAlone) {
  auto result = plan(R"({"Entrypoint":["/chalk","exec","--exec-command-name","echo","--"]})");
  EXPECT_TRUE(result.wrapped);
  EXPECT_FALSE(result.entrypoint);
}

TEST(OnBuild, AppendsOnceForRoot) {
  auto first = plan_on_build(Json::parse(R"({"OnBuild":["RUN echo user"]})"));
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, Json::parse(R"(["RUN echo user","RUN [\"/chalk\",\"onbuild\"]"])"));
  EXPECT_FALSE(plan_on_build(Json{{"OnBuild", *first}})) << "never duplicated";
  EXPECT_EQ(*plan_on_build(Json::parse(R"({"User":"0:0"})")),
            Json::parse(R"(["RUN [\"/chalk\",\"onbuild\"]"])"));
}

TEST(OnBuild, SwitchesToRootAndBackForOtherUsers) {
  auto result = plan_on_build(Json::parse(R"({"User":"app"})"));
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, Json::parse(R"(["USER 0:0","RUN [\"/chalk\",\"onbuild\"]","USER app"])"));
}

}  // namespace
}  // namespace chalk
