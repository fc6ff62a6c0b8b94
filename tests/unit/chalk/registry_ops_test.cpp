#include "plugin/ops/registry_ops.hpp"

#include <gtest/gtest.h>

namespace chalk::ops {
namespace {

TEST(PushArguments, FindsTheReferenceAndAllTags) {
  auto plain = read_push_arguments({"localhost:5000/app:1"});
  EXPECT_EQ(plain.reference, "localhost:5000/app:1");
  EXPECT_FALSE(plain.all_tags);
  auto all = read_push_arguments({"-a", "--platform", "linux/amd64", "-q", "localhost:5000/app"});
  EXPECT_EQ(all.reference, "localhost:5000/app");
  EXPECT_TRUE(all.all_tags);
  EXPECT_TRUE(read_push_arguments({"--all-tags", "r/app"}).all_tags);
  EXPECT_EQ(read_push_arguments({"--platform", "linux/arm64", "r/app:2"}).reference, "r/app:2");
}

TEST(RepositoryKeys, SingleManifest) {
  auto reference = oci::parse_reference("localhost:5000/team/app:1");
  ASSERT_TRUE(reference);
  ServedDigests served;
  served.manifest = std::string(64, 'a');
  oci::Json entry = oci::Json::object();
  add_repository_keys(entry, *reference, served, "linux/amd64");
  EXPECT_EQ(entry["_REPO_DIGESTS"]["localhost:5000"]["team/app"], oci::Json::array({served.manifest}));
  EXPECT_EQ(entry["_REPO_TAGS"]["localhost:5000"]["team/app"]["1"], served.manifest);
  EXPECT_FALSE(entry.contains("_REPO_LIST_DIGESTS"));
}

TEST(RepositoryKeys, IndexGivesListDigestAndThePlatformsManifest) {
  auto reference = oci::parse_reference("app");  // Docker Hub, library/, latest
  ASSERT_TRUE(reference);
  ServedDigests served;
  served.list = std::string(64, 'f');
  served.by_platform["linux/amd64"] = std::string(64, '1');
  served.by_platform["linux/arm64"] = std::string(64, '2');
  oci::Json entry = oci::Json::object();
  add_repository_keys(entry, *reference, served, "linux/arm64");
  EXPECT_EQ(entry["_REPO_DIGESTS"]["registry-1.docker.io"]["library/app"],
            oci::Json::array({std::string(64, '2')}));
  EXPECT_EQ(entry["_REPO_LIST_DIGESTS"]["registry-1.docker.io"]["library/app"],
            oci::Json::array({served.list}));
  EXPECT_EQ(entry["_REPO_TAGS"]["registry-1.docker.io"]["library/app"]["latest"], served.list);
}

TEST(RegistryTarget, OnlyDockerScheme) {
  EXPECT_TRUE(is_registry_target("docker://localhost:5000/app:1"));
  EXPECT_FALSE(is_registry_target("docker-archive:x.tar"));
  EXPECT_FALSE(is_registry_target("localhost:5000/app:1"));
}

}  // namespace
}  // namespace chalk::ops
