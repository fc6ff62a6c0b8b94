// The s3 sink over real libcurl against two loopback S3 endpoints:
// - s3rver (npm), an S3 implementation that stores what we PUT and checks the access key id
//   (its fixed credentials are S3RVER/S3RVER), looked up at $CHALK_S3RVER, else
//   ${XDG_CACHE_HOME:-$HOME/.cache}/chalk/s3rver/node_modules/.bin/s3rver (scripts/test.sh installs it);
// - sigv4_verifier.py, which recomputes V4 signatures with botocore: s3rver 3.7.1 (the latest)
//   leaves V4 signature checking unimplemented, so a wrong secret is caught only there.
// A missing s3rver, python3 or botocore fails these tests: they never skip.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "plugin/sinks/curl_transport.hpp"
#include "plugin/sinks/publisher.hpp"
#include "plugin/sinks/remote_sinks.hpp"
#include "tests/integration/sinks/child_process.hpp"
#include "tests/integration/sinks/loopback_server.hpp"

namespace chalk::sinks {
namespace {

namespace fs = std::filesystem;
constexpr const char* k_bucket = "chalk-reports";

std::string s3rver_path() {
  if (const char* env = std::getenv("CHALK_S3RVER"); env != nullptr && *env != '\0') return env;
  std::string cache;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    cache = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr) {
    cache = std::string(home) + "/.cache";
  }
  return cache + "/chalk/s3rver/node_modules/.bin/s3rver";
}

// PREFIX/op=OP/dt=YYYY-MM-DD/<13 digits>-<26 ID-alphabet chars>.json
bool is_report_key(const std::string& key, const std::string& prefix_and_op) {
  auto all_of = [&](std::size_t from, std::size_t count, std::string_view allowed) {
    return from + count <= key.size() &&
           key.substr(from, count).find_first_not_of(allowed) == std::string::npos;
  };
  constexpr std::string_view k_digits = "0123456789";
  std::size_t at = prefix_and_op.size() + 4;  // "/dt="
  if (key.rfind(prefix_and_op + "/dt=", 0) != 0 || key.size() != at + 10 + 1 + 13 + 1 + 26 + 5) return false;
  return all_of(at, 4, k_digits) && key[at + 4] == '-' && all_of(at + 5, 2, k_digits) && key[at + 7] == '-' &&
         all_of(at + 8, 2, k_digits) && key[at + 10] == '/' && all_of(at + 11, 13, k_digits) &&
         key[at + 24] == '-' && all_of(at + 25, 26, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") &&
         key.substr(at + 51) == ".json";
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return open;
}

class S3rverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string program = s3rver_path();
    ASSERT_TRUE(fs::exists(program)) << "s3rver not found at " << program
                                     << "; install it with: npm install --no-audit --no-fund --prefix "
                                        "\"${XDG_CACHE_HOME:-$HOME/.cache}/chalk/s3rver\" s3rver@3.7.1 "
                                        "(or set CHALK_S3RVER to its executable)";
    std::string pattern = (fs::temp_directory_path() / "chalk-s3rver-XXXXXX").string();
    m_dir = ::mkdtemp(pattern.data());
    m_port = testing::closed_port();
    std::string port = std::to_string(m_port);
    std::string dir = m_dir.string();
    std::vector<std::string> args{
        program, "-d", dir, "-a", "127.0.0.1", "-p", port, "-s", "--configure-bucket", k_bucket};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    ASSERT_EQ(::posix_spawn(&m_pid, program.c_str(), &actions, nullptr, argv.data(), environ), 0)
        << "cannot start " << program;
    posix_spawn_file_actions_destroy(&actions);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!port_open(m_port)) {
      int status = 0;
      ASSERT_EQ(::waitpid(m_pid, &status, WNOHANG), 0) << "s3rver exited before listening";
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "s3rver did not listen on port " << m_port;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  void TearDown() override {
    if (m_pid > 0) {
      ::kill(m_pid, SIGTERM);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
    }
    if (!m_dir.empty()) fs::remove_all(m_dir);
  }

  config::SinkConfig sink_config(const std::string& secret) const {
    config::SinkConfig config;
    config.name = "bucket";
    config.sink = "s3";
    config.uri = std::string("s3://") + k_bucket + "/fleet";
    config.uid = "S3RVER";
    config.secret = secret;
    config.region = "us-east-1";
    config.endpoint = "http://127.0.0.1:" + std::to_string(m_port);
    return config;
  }

  // key -> content of every object s3rver stored in the bucket.
  std::map<std::string, std::string> stored_objects() const {
    std::map<std::string, std::string> out;
    const std::string suffix = "._S3rver_object";
    fs::path bucket = m_dir / k_bucket;
    if (!fs::exists(bucket)) return out;
    for (const auto& entry : fs::recursive_directory_iterator(bucket)) {
      std::string rel = fs::relative(entry.path(), bucket).string();
      if (!entry.is_regular_file() || rel.size() <= suffix.size() ||
          rel.compare(rel.size() - suffix.size(), suffix.size(), suffix) != 0) {
        continue;
      }
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      out[rel.substr(0, rel.size() - suffix.size())] = text.str();
    }
    return out;
  }

  fs::path m_dir;
  int m_port = 0;
  pid_t m_pid = -1;
};

TEST_F(S3rverTest, EachReportArrivesAsOneJsonLinesObject) {
  CurlTransport transport(find_ca_bundle());
  auto sink = make_s3_sink(sink_config("S3RVER"), transport, system_clock(), system_random());
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  nlohmann::json first = {
      {"_OPERATION", "heartbeat"}, {"_HEARTBEAT_COUNT", 1}, {"CHALK_ID", "RMZ2HA-J5EC-2K8D-SXZFCN"}};
  nlohmann::json second = {{"_OPERATION", "heartbeat"}, {"_HEARTBEAT_COUNT", 2}};
  Delivery result = (*sink)->deliver(first);
  ASSERT_EQ(result.state, DeliveryState::delivered) << result.cause;
  ASSERT_EQ((*sink)->deliver(second).state, DeliveryState::delivered);

  auto objects = stored_objects();
  ASSERT_EQ(objects.size(), 2U);
  std::set<std::string> bodies;
  for (const auto& [name, body] : objects) {
    EXPECT_TRUE(is_report_key(name, "fleet/op=heartbeat")) << name;
    bodies.insert(body);
  }
  EXPECT_EQ(bodies, (std::set<std::string>{first.dump() + "\n", second.dump() + "\n"}));
}

struct Log final : ErrorLog {
  void line(std::string_view text) override { lines.emplace_back(text); }
  std::vector<std::string> lines;
};

// Publishes two build reports to one s3 sink and returns the error lines.
std::vector<std::string> publish_twice(const config::SinkConfig& sink) {
  config::Settings settings;
  settings.sink_configs["bucket"] = sink;
  settings.subscriptions["report"] = {"bucket"};
  CurlTransport transport(find_ca_bundle());
  Log log;
  PublisherDeps deps = system_deps(&transport, &log);
  Publisher publisher(settings, deps, DeliveryMode::synchronous);
  publisher.publish({{"_OPERATION", "build"}});
  publisher.publish({{"_OPERATION", "build"}});
  return log.lines;
}

TEST_F(S3rverTest, AnUnknownAccessKeyIsAClearErrorReportedOnce) {
  config::SinkConfig sink = sink_config("S3RVER");
  sink.uid = "NOT-A-KEY";
  auto lines = publish_twice(sink);
  ASSERT_EQ(lines.size(), 1U);
  std::string prefix = "chalk: sink 'bucket' (s3): PUT `http://127.0.0.1:" + std::to_string(m_port) + "/" +
                       k_bucket + "/fleet/op%3Dbuild/dt%3D";
  EXPECT_EQ(lines[0].rfind(prefix, 0), 0U) << lines[0];
  EXPECT_NE(
      lines[0].find("`: HTTP 403 InvalidAccessKeyId: The AWS Access Key Id you provided does not exist"),
      std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("; sink disabled"), std::string::npos) << lines[0];
  EXPECT_TRUE(stored_objects().empty());
}

// sigv4_verifier.py on a free port, storing accepted objects under a temp directory.
class SigV4VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "chalk-sigv4-XXXXXX").string();
    m_dir = ::mkdtemp(pattern.data());
    m_server = std::make_unique<testing::PortPrinter>(
        std::vector<std::string>{"python3", CHALK_SINKS_VERIFIER, "--dir", m_dir.string(), "--access-key",
                                 "AKIDCHALKTEST", "--secret", "the-real-secret"});
    ASSERT_NE(m_server->port(), 0) << m_server->error() << " (sigv4_verifier.py needs python3 with botocore)";
    m_port = m_server->port();
  }

  void TearDown() override {
    m_server.reset();
    if (!m_dir.empty()) fs::remove_all(m_dir);
  }

  config::SinkConfig sink_config(const std::string& secret) const {
    config::SinkConfig config;
    config.name = "bucket";
    config.sink = "s3";
    config.uri = "s3://verified/reports";
    config.uid = "AKIDCHALKTEST";
    config.secret = secret;
    config.token = "SESSION-TOKEN";
    config.region = "eu-central-1";
    config.endpoint = "http://127.0.0.1:" + std::to_string(m_port);
    return config;
  }

  fs::path m_dir;
  int m_port = 0;
  std::unique_ptr<testing::PortPrinter> m_server;
};

TEST_F(SigV4VerifierTest, BotocoreAcceptsOurSignature) {
  CurlTransport transport(find_ca_bundle());
  auto sink = make_s3_sink(sink_config("the-real-secret"), transport, system_clock(), system_random());
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  nlohmann::json report = {{"_OPERATION", "exec"}, {"_EXEC_ID", "9f1c2a7b3d4e5f60"}};
  Delivery result = (*sink)->deliver(report);
  ASSERT_EQ(result.state, DeliveryState::delivered) << result.cause;
  std::vector<std::string> bodies;
  for (const auto& entry : fs::recursive_directory_iterator(m_dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    bodies.push_back(text.str());
    EXPECT_NE(entry.path().string().find("/verified/reports/op=exec/dt="), std::string::npos) << entry.path();
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{report.dump() + "\n"}));
}

TEST_F(SigV4VerifierTest, AWrongSecretIsAClearErrorReportedOnce) {
  auto lines = publish_twice(sink_config("NOT-THE-SECRET"));
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].rfind("chalk: sink 'bucket' (s3): PUT `http://127.0.0.1:" + std::to_string(m_port) +
                               "/verified/reports/op%3Dbuild/dt%3D",
                           0),
            0U)
      << lines[0];
  EXPECT_NE(
      lines[0].find("`: HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match"),
      std::string::npos)
      << lines[0];
  for (const char* secret : {"NOT-THE-SECRET", "SESSION-TOKEN", "Signature=", "Credential="}) {
    EXPECT_EQ(lines[0].find(secret), std::string::npos) << lines[0] << " shows " << secret;
  }
}

}  // namespace
}  // namespace chalk::sinks
