#include "oci/registry_auth.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "oci/file_io.hpp"

namespace oci {
namespace {

namespace fs = std::filesystem;

class ConfigDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("registry-auth-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  void write_config(const std::string& text) { std::ofstream(m_dir / "config.json") << text; }
  fs::path m_dir;
};

CredentialHelperRunner no_helpers() {
  return [](const std::string& program, const std::string&) -> Result<std::string> {
    ADD_FAILURE() << "unexpected helper " << program;
    return make_error(Errc::not_found, "none");
  };
}

TEST(WwwAuthenticate, ParsesBearerParametersWithQuotesAndCommas) {
  auto challenges = parse_www_authenticate(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push",error="invalid_token")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].params["realm"], "https://auth.example/token");
  EXPECT_EQ(challenges[0].params["service"], "registry.example");
  EXPECT_EQ(challenges[0].params["scope"], "repository:a/b:pull,push");
  EXPECT_EQ(challenges[0].params["error"], "invalid_token");
}

TEST(WwwAuthenticate, ParsesBasicAndSeveralChallenges) {
  auto challenges = parse_www_authenticate(R"(Basic realm="chalk-test", Bearer realm=http://t/token)");
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].params["realm"], "chalk-test");
  EXPECT_EQ(challenges[1].scheme, "bearer");
  EXPECT_EQ(challenges[1].params["realm"], "http://t/token");
}

TEST(TokenResponse, AcceptsTokenOrAccessToken) {
  EXPECT_EQ(*parse_token_response(R"({"token":"abc","expires_in":60})"), "abc");
  EXPECT_EQ(*parse_token_response(R"({"access_token":"xyz"})"), "xyz");
  auto missing = parse_token_response(R"({"expires_in":60})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::registry);
}

TEST(Base64, RoundTripsEveryPadding) {
  for (std::string text : {"", "a", "ab", "abc", "user:pa:ss"}) {
    auto decoded = base64_decode(base64_encode(text));
    ASSERT_TRUE(decoded) << text;
    EXPECT_EQ(*decoded, text);
  }
  EXPECT_EQ(base64_encode("chalker:s3cret"), "Y2hhbGtlcjpzM2NyZXQ=");
  EXPECT_FALSE(base64_decode("abc"));
}

TEST(CredentialKey, NormalisesAsDocker) {
  EXPECT_EQ(credential_key("registry-1.docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(credential_key("https://index.docker.io/v1/"), "https://index.docker.io/v1/");
  EXPECT_EQ(credential_key("https://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
  EXPECT_EQ(credential_key("quay.io"), "quay.io");
}

TEST_F(ConfigDirectory, MissingConfigMeansAnonymous) {
  auto credentials = DockerCredentials::load(m_dir, no_helpers());
  ASSERT_TRUE(credentials) << credentials.error().message;
  auto found = credentials->lookup("127.0.0.1:5000");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

TEST_F(ConfigDirectory, AuthsByHostWithSchemeOrNot) {
  write_config(R"({"auths":{"https://127.0.0.1:5000":{"auth":")" + base64_encode("chalker:pa:ss") +
               R"("},"docker.io":{"identitytoken":"refresh-me"},"empty.example":{}}})");
  auto credentials = DockerCredentials::load(m_dir, no_helpers());
  ASSERT_TRUE(credentials) << credentials.error().message;
  auto local = credentials->lookup("127.0.0.1:5000");
  ASSERT_TRUE(local && local->has_value());
  EXPECT_EQ((*local)->username, "chalker");
  EXPECT_EQ((*local)->password, "pa:ss");
  auto hub = credentials->lookup("registry-1.docker.io");
  ASSERT_TRUE(hub && hub->has_value());
  EXPECT_EQ((*hub)->identity_token, "refresh-me");
  auto empty = credentials->lookup("empty.example");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->has_value());
}

TEST_F(ConfigDirectory, BadAuthNamesTheEntryButNotTheSecret) {
  write_config(R"({"auths":{"r.example":{"auth":")" + base64_encode("no-colon-secret") + R"("}}})");
  auto credentials = DockerCredentials::load(m_dir, no_helpers());
  ASSERT_FALSE(credentials);
  EXPECT_NE(credentials.error().message.find("r.example"), std::string::npos);
  EXPECT_EQ(credentials.error().message.find("no-colon-secret"), std::string::npos);
  EXPECT_EQ(credentials.error().message.find(base64_encode("no-colon-secret")), std::string::npos);
}

TEST_F(ConfigDirectory, CredHelperWinsOverStoreAndAuths) {
  write_config(R"({"credsStore":"desktop","credHelpers":{"r.example":"ecr"},
                  "auths":{"r.example":{"auth":")" +
               base64_encode("old:old") + R"("}}})");
  std::vector<std::pair<std::string, std::string>> calls;
  auto credentials = DockerCredentials::load(
      m_dir, [&](const std::string& program, const std::string& input) -> Result<std::string> {
        calls.emplace_back(program, input);
        if (program == "docker-credential-ecr")
          return std::string(R"({"ServerURL":"r.example","Username":"AWS","Secret":"tok"})");
        if (input == "https://index.docker.io/v1/")
          return std::string(R"({"Username":"<token>","Secret":"identity"})");
        return make_error(Errc::not_found, "credentials not found");
      });
  ASSERT_TRUE(credentials) << credentials.error().message;
  auto ecr = credentials->lookup("r.example");
  ASSERT_TRUE(ecr && ecr->has_value());
  EXPECT_EQ((*ecr)->username, "AWS");
  EXPECT_EQ((*ecr)->password, "tok");
  auto hub = credentials->lookup("registry-1.docker.io");
  ASSERT_TRUE(hub && hub->has_value());
  EXPECT_EQ((*hub)->identity_token, "identity");
  auto other = credentials->lookup("other.example");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0], (std::pair<std::string, std::string>{"docker-credential-ecr", "r.example"}));
  EXPECT_EQ(calls[1], (std::pair<std::string, std::string>{"docker-credential-desktop",
                                                           "https://index.docker.io/v1/"}));
  EXPECT_EQ(calls[2], (std::pair<std::string, std::string>{"docker-credential-desktop", "other.example"}));
}

}  // namespace
}  // namespace oci
