#include "oci/digest.hpp"

#include <gtest/gtest.h>

namespace oci {
namespace {

TEST(Digest, HashesKnownVectors) {
  EXPECT_EQ(sha256_digest("").str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_digest("abc").str(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, IncrementalEqualsOneShot) {
  Sha256 hasher;
  hasher.update("a");
  hasher.update("bc");
  EXPECT_EQ(hasher.finish(), sha256_digest("abc"));
}

TEST(Digest, ParsesOnlyLowercaseSha256) {
  const std::string hex(64, 'a');
  ASSERT_TRUE(Digest::parse("sha256:" + hex));
  EXPECT_EQ(Digest::parse("sha256:" + hex)->hex(), hex);
  EXPECT_FALSE(Digest::parse("sha512:" + hex));
  EXPECT_FALSE(Digest::parse("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(Digest::parse("sha256:abc"));
  EXPECT_EQ(Digest::parse("md5:x").error().code, Errc::invalid_format);
}

}  // namespace
}  // namespace oci
