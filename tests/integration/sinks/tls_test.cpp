// TLS verification of the libcurl transport against a loopback HTTPS server with a fresh
// self-signed certificate: unknown CAs are refused for good; $SSL_CERT_FILE makes it trusted,
// and so does a post sink's pinned_cert_file, which replaces the bundle for that sink.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "plugin/sinks/curl_transport.hpp"
#include "plugin/sinks/remote_sinks.hpp"
#include "tests/integration/sinks/child_process.hpp"

namespace chalk::sinks {
namespace {

namespace fs = std::filesystem;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "chalk-tls-XXXXXX").string();
    m_dir = ::mkdtemp(pattern.data());
    m_cert = (m_dir / "cert.pem").string();
    std::string key = (m_dir / "key.pem").string();
    ASSERT_EQ(testing::run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                    key, "-out", m_cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                                    "subjectAltName=IP:127.0.0.1"}),
              0)
        << "openssl could not make a test certificate";
    m_server = std::make_unique<testing::PortPrinter>(
        std::vector<std::string>{"python3", CHALK_SINKS_TLS_RECEIVER, "--cert", m_cert, "--key", key});
    ASSERT_NE(m_server->port(), 0) << m_server->error();
  }

  void TearDown() override {
    m_server.reset();
    ::unsetenv("SSL_CERT_FILE");
    if (!m_dir.empty()) fs::remove_all(m_dir);
  }

  Delivery post(const std::string& ca_file, const std::string& pinned_cert_file = "") {
    config::SinkConfig config;
    config.pinned_cert_file = pinned_cert_file;
    config.name = "https";
    config.sink = "post";
    config.uri = "https://127.0.0.1:" + std::to_string(m_server->port()) + "/in";
    CurlTransport transport(ca_file);
    return make_post_sink(config, transport, system_clock())->deliver({{"_OPERATION", "build"}});
  }

  fs::path m_dir;
  std::string m_cert;
  std::unique_ptr<testing::PortPrinter> m_server;
};

TEST_F(TlsTest, AnUntrustedCertificateIsRefusedWithoutRetrying) {
  ::unsetenv("SSL_CERT_FILE");
  Delivery result = post(find_ca_bundle());
  EXPECT_EQ(result.state, DeliveryState::failed_permanently);
  EXPECT_NE(result.cause.find("certificate"), std::string::npos) << result.cause;
}

TEST_F(TlsTest, SslCertFileMakesTheServerTrusted) {
  ::setenv("SSL_CERT_FILE", m_cert.c_str(), 1);
  ASSERT_EQ(find_ca_bundle(), m_cert);
  Delivery result = post(find_ca_bundle());
  EXPECT_EQ(result.state, DeliveryState::delivered) << result.cause;
}

TEST_F(TlsTest, PinnedCertFileTrustsTheServerWithoutTheBundle) {
  ::unsetenv("SSL_CERT_FILE");
  Delivery result = post(find_ca_bundle(), m_cert);
  EXPECT_EQ(result.state, DeliveryState::delivered) << result.cause;
}

TEST_F(TlsTest, PinnedCertFileRefusesAnyOtherCertificate) {
  ::setenv("SSL_CERT_FILE", m_cert.c_str(), 1);
  const std::string other = (m_dir / "other.pem").string();
  ASSERT_EQ(testing::run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                  (m_dir / "other.key").string(), "-out", other, "-days", "1", "-subj",
                                  "/CN=127.0.0.1"}),
            0);
  Delivery result = post(find_ca_bundle(), other);
  EXPECT_EQ(result.state, DeliveryState::failed_permanently) << result.cause;
}

}  // namespace
}  // namespace chalk::sinks
