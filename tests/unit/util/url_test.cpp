// The one URL split (oci/util/url.hpp): every part, and what is not a URL.
#include "oci/util/url.hpp"

#include <gtest/gtest.h>

namespace chalk::util {
namespace {

TEST(Url, SplitsEveryPart) {
  const auto parts = split_url("https://user:pw@host.example:8443/a/b?token=x&y=1#frag");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->scheme, "https");
  EXPECT_TRUE(parts->has_userinfo);
  EXPECT_EQ(parts->userinfo, "user:pw");
  EXPECT_EQ(parts->host, "host.example:8443");
  EXPECT_EQ(parts->path, "/a/b");
  EXPECT_TRUE(parts->has_query);
  EXPECT_EQ(parts->query, "token=x&y=1");
  EXPECT_TRUE(parts->has_fragment);
  EXPECT_EQ(parts->fragment, "frag");
}

TEST(Url, AbsentPartsAreEmptyAndFlaggedAbsent) {
  const auto parts = split_url("s3://bucket");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->scheme, "s3");
  EXPECT_EQ(parts->host, "bucket");
  EXPECT_FALSE(parts->has_userinfo);
  EXPECT_EQ(parts->path, "");
  EXPECT_FALSE(parts->has_query);
  EXPECT_FALSE(parts->has_fragment);
}

TEST(Url, TheLastAtSignEndsTheUserinfo) {
  const auto parts = split_url("http://a@b:c@host/x@y");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->userinfo, "a@b:c");
  EXPECT_EQ(parts->host, "host");
  EXPECT_EQ(parts->path, "/x@y");
}

TEST(Url, SchemesFollowRfc3986) {
  EXPECT_TRUE(split_url("git+ssh://host/repo"));
  EXPECT_FALSE(split_url("host:5000/v2/"));
  EXPECT_FALSE(split_url("://host"));
  EXPECT_FALSE(split_url("1http://host"));
  EXPECT_FALSE(split_url("ht tp://host"));
}

}  // namespace
}  // namespace chalk::util
