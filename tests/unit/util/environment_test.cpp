#include "oci/util/environment.hpp"

#include <gtest/gtest.h>

namespace chalk::util {
namespace {

TEST(EnvValue, ReadsASetVariableAndGivesEmptyForAMissingOne) {
  const Environment environment{{"HOME", "/root"}, {"EMPTY", ""}};
  EXPECT_EQ(env_value(environment, "HOME"), "/root");
  EXPECT_EQ(env_value(environment, "EMPTY"), "");
  EXPECT_EQ(env_value(environment, "PATH"), "");
}

}  // namespace
}  // namespace chalk::util
