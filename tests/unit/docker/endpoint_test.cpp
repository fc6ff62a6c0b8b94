#include "plugin/docker/endpoint.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "oci/digest.hpp"

namespace chalk::docker {
namespace {

namespace fs = std::filesystem;

// A docker config directory laid out as `docker context create` leaves it.
class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("chalk-endpoint-test-" + std::to_string(::getpid()));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }

  static void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  void add_context(const std::string& name, const std::string& host, bool skip_verify = false) {
    const std::string id(oci::sha256_digest(name).hex());
    write(m_dir / "contexts" / "meta" / id / "meta.json",
          R"({"Name":")" + name + R"(","Metadata":{},"Endpoints":{"docker":{"Host":")" + host +
              R"(","SkipTLSVerify":)" + (skip_verify ? "true" : "false") + "}}}");
  }
  fs::path tls_dir(const std::string& name) const {
    return m_dir / "contexts" / "tls" / std::string(oci::sha256_digest(name).hex()) / "docker";
  }
  Environment env(Environment extra = {}) const {
    extra["DOCKER_CONFIG"] = m_dir.string();
    return extra;
  }
  Endpoint resolve(const Globals& globals, const Environment& environment) const {
    auto endpoint = resolve_endpoint(globals, environment);
    EXPECT_TRUE(endpoint) << endpoint.error().message;
    return endpoint ? *endpoint : Endpoint{};
  }

  fs::path m_dir;
};

TEST_F(EndpointTest, DefaultSocketWhenNothingSaysOtherwise) {
  const auto endpoint = resolve({}, env());
  EXPECT_EQ("unix:///var/run/docker.sock", endpoint.host);
  EXPECT_EQ("default", endpoint.context);
  EXPECT_FALSE(endpoint.tls);
}

TEST_F(EndpointTest, HostOptionBeatsEnvironmentAndContexts) {
  add_context("prod", "unix:///prod.sock");
  write(m_dir / "config.json", R"({"currentContext":"prod"})");
  Globals globals;
  globals.host = "unix:///flag.sock";
  EXPECT_EQ("unix:///flag.sock",
            resolve(globals, env({{"DOCKER_HOST", "unix:///env.sock"}, {"DOCKER_CONTEXT", "prod"}})).host);
}

TEST_F(EndpointTest, ContextOptionBeatsDockerHost) {
  add_context("prod", "unix:///prod.sock");
  Globals globals;
  globals.context = "prod";
  const auto endpoint = resolve(globals, env({{"DOCKER_HOST", "unix:///env.sock"}}));
  EXPECT_EQ("unix:///prod.sock", endpoint.host);
  EXPECT_EQ("prod", endpoint.context);
}

TEST_F(EndpointTest, DockerHostBeatsDockerContextAndCurrentContext) {
  add_context("prod", "unix:///prod.sock");
  write(m_dir / "config.json", R"({"currentContext":"prod"})");
  EXPECT_EQ("unix:///env.sock",
            resolve({}, env({{"DOCKER_HOST", "unix:///env.sock"}, {"DOCKER_CONTEXT", "prod"}})).host);
}

TEST_F(EndpointTest, DockerContextBeatsCurrentContext) {
  add_context("prod", "unix:///prod.sock");
  add_context("staging", "unix:///staging.sock");
  write(m_dir / "config.json", R"({"currentContext":"prod"})");
  EXPECT_EQ("unix:///staging.sock", resolve({}, env({{"DOCKER_CONTEXT", "staging"}})).host);
  EXPECT_EQ("unix:///prod.sock", resolve({}, env()).host);
}

TEST_F(EndpointTest, ConfigOptionNamesTheStore) {
  add_context("prod", "unix:///prod.sock");
  Globals globals;
  globals.config_dir = m_dir.string();
  globals.context = "prod";
  EXPECT_EQ("unix:///prod.sock", resolve(globals, {{"DOCKER_CONFIG", "/nowhere"}}).host);
}

TEST_F(EndpointTest, ContextTlsMaterialFromTheStore) {
  add_context("remote", "tcp://10.0.0.1:2376");
  write(tls_dir("remote") / "ca.pem", "ca");
  write(tls_dir("remote") / "cert.pem", "cert");
  write(tls_dir("remote") / "key.pem", "key");
  Globals globals;
  globals.context = "remote";
  const auto endpoint = resolve(globals, env());
  EXPECT_TRUE(endpoint.tls);
  EXPECT_TRUE(endpoint.verify);
  EXPECT_EQ((tls_dir("remote") / "ca.pem").string(), endpoint.ca_file);
  EXPECT_EQ((tls_dir("remote") / "cert.pem").string(), endpoint.cert_file);
  EXPECT_EQ((tls_dir("remote") / "key.pem").string(), endpoint.key_file);

  add_context("insecure", "tcp://10.0.0.2:2376", true);
  globals.context = "insecure";
  const auto insecure = resolve(globals, env());
  EXPECT_TRUE(insecure.tls);
  EXPECT_FALSE(insecure.verify);
}

TEST_F(EndpointTest, DefaultTlsFromOptionsAndCertPath) {
  write(m_dir / "ca.pem", "ca");
  Globals globals;
  globals.host = "tcp://engine.example";
  globals.tls_verify = true;
  const auto endpoint = resolve(globals, env());
  EXPECT_EQ("tcp://engine.example:2376", endpoint.host);
  EXPECT_TRUE(endpoint.tls);
  EXPECT_TRUE(endpoint.verify);
  EXPECT_EQ((m_dir / "ca.pem").string(), endpoint.ca_file);
  EXPECT_EQ("", endpoint.cert_file);  // defaults count only when the file exists

  const auto from_env = resolve({}, env({{"DOCKER_HOST", "tcp://engine.example"},
                                         {"DOCKER_TLS_VERIFY", "1"},
                                         {"DOCKER_CERT_PATH", m_dir.string()}}));
  EXPECT_TRUE(from_env.tls);
  EXPECT_EQ((m_dir / "ca.pem").string(), from_env.ca_file);

  Globals plain;
  plain.host = "tcp://engine.example";
  EXPECT_EQ("tcp://engine.example:2375", resolve(plain, env()).host);

  Globals skip;
  skip.host = "tcp://engine.example:9999";
  skip.tls = true;
  const auto insecure = resolve(skip, env());
  EXPECT_TRUE(insecure.tls);
  EXPECT_FALSE(insecure.verify);
}

TEST_F(EndpointTest, MissingContextOrTlsFileFailsNamingIt) {
  Globals globals;
  globals.context = "nowhere";
  auto missing = resolve_endpoint(globals, env());
  ASSERT_FALSE(missing);
  EXPECT_EQ(util::Errc::not_found, missing.error().code);
  EXPECT_NE(std::string::npos, missing.error().message.find("`nowhere`"));

  Globals tls;
  tls.tls_verify = true;
  tls.tls_ca_cert = (m_dir / "absent.pem").string();
  auto absent = resolve_endpoint(tls, env());
  ASSERT_FALSE(absent);
  EXPECT_NE(std::string::npos, absent.error().message.find("--tlscacert"));

  add_context("broken", "x");
  write(m_dir / "contexts" / "meta" / std::string(oci::sha256_digest("broken").hex()) / "meta.json",
        "{not json");
  globals.context = "broken";
  auto broken = resolve_endpoint(globals, env());
  ASSERT_FALSE(broken);
  EXPECT_EQ(util::Errc::invalid_format, broken.error().code);
}

}  // namespace
}  // namespace chalk::docker
