#include "oci/reference.hpp"

#include <gtest/gtest.h>

namespace oci {
namespace {

struct Case {
  const char* text;
  const char* domain;
  const char* repository;
  const char* tag;
  const char* digest;
  const char* familiar;
};

const std::string k_digest = "sha256:" + std::string(64, 'a');

TEST(Reference, NormalisesEveryShapeAsDocker) {
  const std::string with_digest = "app@" + k_digest;
  const std::string tagged_digest = "localhost:5000/app:1@" + k_digest;
  const Case cases[] = {
      {"mychalkedcontainer", "docker.io", "library/mychalkedcontainer", "latest", "",
       "mychalkedcontainer:latest"},
      {"app:1", "docker.io", "library/app", "1", "", "app:1"},
      {"team/app", "docker.io", "team/app", "latest", "", "team/app:latest"},
      {"localhost:5000/app", "localhost:5000", "app", "latest", "", "localhost:5000/app:latest"},
      {"localhost:5000/team/app:v1.2", "localhost:5000", "team/app", "v1.2", "",
       "localhost:5000/team/app:v1.2"},
      {"localhost/app", "localhost", "app", "latest", "", "localhost/app:latest"},
      {"quay.io/x/y:z", "quay.io", "x/y", "z", "", "quay.io/x/y:z"},
      {"docker.io/library/app:2", "docker.io", "library/app", "2", "", "app:2"},
      {"index.docker.io/app", "docker.io", "library/app", "latest", "", "app:latest"},
      {"docker://127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "latest", "", "127.0.0.1:5000/a/b:latest"},
      {with_digest.c_str(), "docker.io", "library/app", "", k_digest.c_str(), with_digest.c_str()},
      {tagged_digest.c_str(), "localhost:5000", "app", "1", k_digest.c_str(), tagged_digest.c_str()},
      {"a__b-c---d/f_g.h", "docker.io", "a__b-c---d/f_g.h", "latest", "", "a__b-c---d/f_g.h:latest"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto ref = parse_reference(c.text);
    ASSERT_TRUE(ref) << ref.error().message;
    EXPECT_EQ(ref->domain, c.domain);
    EXPECT_EQ(ref->repository, c.repository);
    EXPECT_EQ(ref->tag, c.tag);
    EXPECT_EQ(ref->digest, c.digest);
    EXPECT_EQ(ref->familiar(), c.familiar);
  }
}

TEST(Reference, RegistryHostAndFullName) {
  auto hub = parse_reference("app");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->registry_host(), "registry-1.docker.io");
  EXPECT_EQ(hub->full(), "docker.io/library/app:latest");
  EXPECT_EQ(hub->familiar_name(), "app");
  auto local = parse_reference("localhost:5000/team/app:1");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->registry_host(), "localhost:5000");
  EXPECT_EQ(local->familiar_name(), "localhost:5000/team/app");
  EXPECT_TRUE(local->is_loopback());
  EXPECT_TRUE(parse_reference("127.0.0.1:5000/a")->is_loopback());
  EXPECT_TRUE(parse_reference("[::1]:5000/a")->is_loopback());
  EXPECT_FALSE(parse_reference("quay.io/a")->is_loopback());
  EXPECT_FALSE(hub->is_loopback());
}

TEST(Reference, RefusesWhatDockerRefuses) {
  for (const char* bad : {"", "App", "app:", "app:-x", "app@sha256:abc", "a//b", "/app", "app/", "a..b",
                          "host:99999999/a", "docker://", ":tag", "a b"}) {
    SCOPED_TRACE(bad);
    auto ref = parse_reference(bad);
    ASSERT_FALSE(ref);
    EXPECT_EQ(ref.error().code, Errc::invalid_argument);
    EXPECT_NE(ref.error().message.find("invalid reference"), std::string::npos);
  }
  EXPECT_FALSE(parse_reference(std::string(300, 'a')));
  EXPECT_FALSE(parse_reference("app:" + std::string(129, 't')));
}

TEST(Reference, ComparesAfterNormalisation) {
  EXPECT_TRUE(same_reference("app", "docker.io/library/app:latest"));
  EXPECT_TRUE(same_reference("app:latest", "index.docker.io/app"));
  EXPECT_FALSE(same_reference("app", "app:1"));
  EXPECT_FALSE(same_reference("localhost:5000/app", "app"));
  EXPECT_FALSE(same_reference("Bad", "Bad"));
}

TEST(DockerRepoTags, EveryShapeAsDockerLoadWantsIt) {
  const auto tags = docker_repo_tags(
      {"mychalkedcontainer", "app:1", "localhost:5000/app", "localhost:5000/team/app:v2", "app@" + k_digest,
       "localhost:5000/app:1@" + k_digest, "docker.io/library/app:1", "mychalkedcontainer:latest"});
  ASSERT_TRUE(tags) << tags.error().message;
  EXPECT_EQ(*tags, (std::vector<std::string>{"mychalkedcontainer:latest", "app:1",
                                             "localhost:5000/app:latest", "localhost:5000/team/app:v2"}));
  EXPECT_EQ(docker_repo_tags({})->size(), 0u);
}

TEST(DockerRepoTags, RefusesANameDockerWouldRefuse) {
  auto tags = docker_repo_tags({"app:1", "App"});
  ASSERT_FALSE(tags);
  EXPECT_EQ(tags.error().code, Errc::invalid_argument);
  EXPECT_NE(tags.error().message.find("`App`"), std::string::npos) << tags.error().message;
}

}  // namespace
}  // namespace oci
