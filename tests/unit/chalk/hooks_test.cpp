#include "plugin/cli/hooks.hpp"

#include <gtest/gtest.h>

#include "oci/json.hpp"

namespace chalk::cli {
namespace {

oci::Json answer(const std::string& data) { return oci::Json::parse(hook_answer(data)); }

TEST(Hooks, PushGetsTheReportCommandWithTheImageFilledInByTheCli) {
  auto reply = answer(R"({"RootCmd":"push","Flags":{},"CommandError":""})");
  EXPECT_EQ(reply["Type"], 0);
  EXPECT_NE(reply["Template"].get<std::string>().find("docker chalk push {{arg . 0}}"), std::string::npos);
  auto all = answer(R"({"RootCmd":"image push","Flags":{"all-tags":"true"}})");
  EXPECT_NE(all["Template"].get<std::string>().find("docker chalk push --all-tags {{arg . 0}}"),
            std::string::npos);
}

TEST(Hooks, BuildsAreToldHowToChalk) {
  auto plain = answer(R"({"RootCmd":"build","Flags":{"tag":""}})");
  EXPECT_NE(plain["Template"].get<std::string>().find("docker chalk insert IMAGE"), std::string::npos);
  auto pushed = answer(R"({"RootCmd":"buildx build","Flags":{"push":"true"}})");
  EXPECT_NE(pushed["Template"].get<std::string>().find("docker chalk insert docker://IMAGE"),
            std::string::npos);
}

TEST(Hooks, NothingAfterAFailureOrForOtherCommandsOrBadData) {
  EXPECT_EQ(hook_answer(R"({"RootCmd":"push","CommandError":"denied"})"), "");
  EXPECT_EQ(hook_answer(R"({"RootCmd":"image ls"})"), "");
  EXPECT_EQ(hook_answer("not json"), "");
}

}  // namespace
}  // namespace chalk::cli
