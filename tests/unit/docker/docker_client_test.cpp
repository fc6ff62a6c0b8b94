// The process client puts docker's global options before every command it runs.
#include "plugin/docker/docker_client.hpp"

#include <gtest/gtest.h>

namespace chalk::docker {
namespace {

TEST(DockerClientTest, GlobalOptionsComeBeforeEveryCommand) {
  Globals globals;
  globals.host = "unix:///tmp/x.sock";
  globals.log_level = "error";
  // /bin/echo stands in for docker: it prints the arguments it was given.
  auto client = make_process_client("/bin/echo", globals);
  auto captured = client->capture({"build", "-t", "app:1", "."});
  ASSERT_TRUE(captured) << captured.error().message;
  EXPECT_EQ(0, captured->exit_code);
  EXPECT_EQ("--host=unix:///tmp/x.sock --log-level=error build -t app:1 .\n", captured->out);
  auto plain = make_process_client("/bin/echo", Globals{})->capture({"version"});
  ASSERT_TRUE(plain);
  EXPECT_EQ("version\n", plain->out);
}

TEST(DockerClientTest, StreamReturnsTheExitCodeAndAMissingProgramIsADockerError) {
  auto status = make_process_client("/bin/false", Globals{})->stream({"build", "."});
  ASSERT_TRUE(status);
  EXPECT_EQ(1, *status);
  auto missing = make_process_client("/no/such/docker", Globals{})->capture({"version"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(util::Errc::docker, missing.error().code);
  EXPECT_NE(std::string::npos, missing.error().message.find("/no/such/docker"));
}

}  // namespace
}  // namespace chalk::docker
