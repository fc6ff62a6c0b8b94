// The text helpers of oci/util/strings.hpp: ASCII only, whatever the locale.
#include "oci/util/strings.hpp"

#include <gtest/gtest.h>

namespace chalk::util {
namespace {

TEST(Strings, LowercaseFoldsAsciiLettersOnly) {
  EXPECT_EQ(lowercase("Docker-Content-Digest"), "docker-content-digest");
  EXPECT_EQ(lowercase("REGISTRY:5000/App_1"), "registry:5000/app_1");
  EXPECT_EQ(lowercase("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");
  EXPECT_EQ(lowercase(""), "");
}

TEST(Strings, StartsWithIgnoringCase) {
  EXPECT_TRUE(starts_with_ignoring_case("Bearer abc", "bearer "));
  EXPECT_TRUE(starts_with_ignoring_case("API-Version: 1.41", "api-version:"));
  EXPECT_FALSE(starts_with_ignoring_case("Basic", "basic "));
  EXPECT_FALSE(starts_with_ignoring_case("xbearer ", "bearer "));
}

TEST(Strings, TrimRemovesOnlyTheGivenBlankCharactersAtTheEnds) {
  EXPECT_EQ(trim(" \t value with  inner space \r\n"), "value with  inner space");
  EXPECT_EQ(trim("\v\fx\f"), "x");
  EXPECT_EQ(trim("  x\n", " \t"), "x\n");
  EXPECT_EQ(trim(" \t\r\n"), "");
  EXPECT_EQ(trim(""), "");
}

}  // namespace
}  // namespace chalk::util
