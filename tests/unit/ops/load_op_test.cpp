// ops::load_config against a fake transport and a stand-in binary in a temporary folder:
// what is fetched, what is refused, and which file gets the config.
#include "plugin/ops/load_op.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "oci/file_io.hpp"
#include "plugin/embedded/embedded.hpp"
#include "tests/unit/sinks/fakes.hpp"

namespace chalk::ops {
namespace {

namespace fs = std::filesystem;
using sinks::testing::FakeTransport;
using sinks::testing::status;

const char* k_config = "log_level: \"info\"\necho(\"hello from the config\")\n";

class LoadOpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("chalk-load-op-test-" + std::to_string(::getpid()));
    fs::create_directories(m_dir / "bin");
    fs::create_directories(m_dir / "cwd");
    m_binary = m_dir / "bin" / "docker-chalk";
    ASSERT_TRUE(oci::write_file_atomically(m_binary,
                                           "\x7f"
                                           "ELF stand-in program bytes"));
    m_request.binary = m_binary;
    m_request.environment.command_name = "load";
    m_request.transport = &m_transport;
    m_request.fallback_directory = m_dir / "cwd";
  }
  void TearDown() override { fs::remove_all(m_dir); }
  std::string read(const fs::path& path) { return *oci::read_small_file(path, 1 << 20); }
  std::optional<std::string> loaded_config(const fs::path& path) {
    auto config = embedded::read_loaded_config(path);
    EXPECT_TRUE(config) << config.error().message;
    return config ? *config : std::nullopt;
  }

  fs::path m_dir;
  fs::path m_binary;
  FakeTransport m_transport{{status(200, k_config)}};
  LoadRequest m_request;
};

TEST_F(LoadOpTest, FetchesAUrlAndRewritesTheBinary) {
  m_request.location = "https://user:pw@configs.example/chalk.c4m";
  auto outcome = load_config(m_request);
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_EQ(m_transport.requests().size(), 1u);
  EXPECT_EQ(m_transport.requests()[0].method, "GET");
  EXPECT_EQ(m_transport.requests()[0].url, m_request.location);
  EXPECT_EQ(outcome->shown, "https://configs.example/chalk.c4m") << "credentials never shown";
  EXPECT_EQ(outcome->messages, std::vector<std::string>{"hello from the config"});
  EXPECT_FALSE(outcome->wrote_copy);
  EXPECT_EQ(outcome->written, m_binary);
  EXPECT_EQ(loaded_config(m_binary), k_config);
}

TEST_F(LoadOpTest, RefusedFetchesAndRejectedConfigsChangeNothing) {
  const std::string before = read(m_binary);
  m_request.location = "https://configs.example/chalk.c4m";
  sinks::HttpOutcome too_big = status(200, "x");
  too_big.body_truncated = true;
  // One answer per attempt below.
  FakeTransport transport({status(404), too_big, status(200, "log_level: 42\n")});
  m_request.transport = &transport;
  auto missing = load_config(m_request);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "fetching `https://configs.example/chalk.c4m`: HTTP status 404");

  auto truncated = load_config(m_request);
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("larger than the 1048576-byte limit"), std::string::npos);

  auto rejected = load_config(m_request);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, util::Errc::config);
  EXPECT_EQ(rejected.error().message.rfind("https://configs.example/chalk.c4m:1:", 0), 0u)
      << rejected.error().message;
  EXPECT_EQ(read(m_binary), before);
}

TEST_F(LoadOpTest, ReadsAFileAndWarnsAboutLiteralCredentials) {
  m_request.location = (m_dir / "my.c4m").string();
  const std::string text = "x := \"https://u:pw@h.example/in\"\n";
  ASSERT_TRUE(oci::write_file_atomically(m_request.location, text));
  auto outcome = load_config(m_request);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_TRUE(m_transport.requests().empty());
  ASSERT_EQ(outcome->warnings.size(), 1u);
  EXPECT_NE(outcome->warnings[0].find("spells out credentials"), std::string::npos);
  EXPECT_EQ(outcome->warnings[0].find("pw@"), std::string::npos);
  EXPECT_EQ(loaded_config(m_binary), text);

  m_request.location = (m_dir / "absent.c4m").string();
  auto absent = load_config(m_request);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().message.rfind("reading config: ", 0), 0u) << absent.error().message;
}

}  // namespace
}  // namespace chalk::ops
