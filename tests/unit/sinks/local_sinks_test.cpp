// stdout/stderr, file and rotating_log sinks on real file descriptors in a temp directory.
#include "plugin/sinks/local_sinks.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <thread>

#include "plugin/sinks/curl_transport.hpp"

namespace chalk::sinks {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "chalk-sinks-XXXXXX").string();
    m_path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(m_path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 07777U;
}

nlohmann::json numbered(int i) { return {{"_OPERATION", "heartbeat"}, {"_HEARTBEAT_COUNT", i}}; }

TEST(StreamSink, WritesTheArrayOnOneLine) {
  TempDir dir;
  fs::path out = dir.path() / "out";
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  auto sink = make_stream_sink(fd, false);
  EXPECT_EQ(sink->deliver({{"_OPERATION", "build"}, {"n", 1}}).state, DeliveryState::delivered);
  ::close(fd);
  EXPECT_EQ(read_all(out), "[{\"_OPERATION\":\"build\",\"n\":1}]\n");
}

TEST(StreamSink, PrettyPrintsWithTwoSpacesForATerminal) {
  TempDir dir;
  fs::path out = dir.path() / "out";
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  (void)make_stream_sink(fd, true)->deliver({{"a", 1}});
  ::close(fd);
  EXPECT_EQ(read_all(out), "[\n  {\n    \"a\": 1\n  }\n]\n");
}

TEST(StreamSink, ConcurrentReportsNeverInterleave) {
  TempDir dir;
  fs::path out = dir.path() / "out";
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  std::string big(20000, 'x');
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      auto sink = make_stream_sink(fd, false);
      for (int i = 0; i < 25; ++i) (void)sink->deliver({{"t", t}, {"i", i}, {"pad", big}});
    });
  }
  for (auto& w : writers) w.join();
  ::close(fd);
  auto lines = lines_of(read_all(out));
  ASSERT_EQ(lines.size(), 100U);
  for (const auto& line : lines) EXPECT_TRUE(nlohmann::json::accept(line)) << line;
}

TEST(FileSink, AppendsJsonLinesToAPrivateFileCreatingParents) {
  TempDir dir;
  fs::path path = dir.path() / "a" / "b" / "reports.jsonl";
  auto sink = make_file_sink(path.string());
  EXPECT_EQ(sink->deliver(numbered(1)).state, DeliveryState::delivered);
  EXPECT_EQ(sink->deliver(numbered(2)).state, DeliveryState::delivered);
  EXPECT_EQ(read_all(path), numbered(1).dump() + "\n" + numbered(2).dump() + "\n");
  EXPECT_EQ(mode_of(path), 0600U);
}

TEST(FileSink, ReportsWhyItCannotWrite) {
  TempDir dir;
  fs::path blocker = dir.path() / "file";
  std::ofstream(blocker) << "x";
  auto sink = make_file_sink((blocker / "reports.jsonl").string());
  Delivery result = sink->deliver(numbered(1));
  EXPECT_EQ(result.state, DeliveryState::failed);
  EXPECT_NE(result.cause.find((blocker / "reports.jsonl").string()), std::string::npos) << result.cause;
}

// Delivers on a thread and waits at most five seconds, so a sink that blocks fails the test
// instead of hanging it; `unblock` then releases the sink (the thread is left to finish).
Delivery deliver_within_5s(Sink& sink, const std::function<void()>& unblock) {
  auto done = std::make_shared<std::promise<Delivery>>();
  auto result = done->get_future();
  std::thread([&sink, done] { done->set_value(sink.deliver(numbered(1))); }).detach();
  if (result.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "the sink blocked for 5 s";
    unblock();
  }
  return result.get();
}

TEST(FileSink, AFifoFailsAtOnceInsteadOfBlocking) {
  TempDir dir;
  for (const bool rotating : {false, true}) {
    SCOPED_TRACE(rotating ? "rotating_log" : "file");
    const fs::path fifo = dir.path() / (rotating ? "rotating.fifo" : "file.fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto sink = rotating ? make_rotating_log_sink(fifo.string(), 1 << 20, 0) : make_file_sink(fifo.string());
    Delivery result =
        deliver_within_5s(*sink, [&] { ::close(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)); });
    EXPECT_EQ(result.state, DeliveryState::failed);
    EXPECT_EQ(result.cause, "opening `" + fifo.string() + "`: not a regular file");
    // With a reader waiting the open succeeds, and the type check still refuses.
    const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(reader, 0);
    EXPECT_EQ(sink->deliver(numbered(2)).cause, "opening `" + fifo.string() + "`: not a regular file");
    char byte = 0;
    EXPECT_EQ(::read(reader, &byte, 1), 0) << "nothing was written into the FIFO";
    ::close(reader);
  }
}

TEST(FileSink, ADeviceIsNotWritten) {
  auto sink = make_file_sink("/dev/null");
  EXPECT_EQ(sink->deliver(numbered(1)).cause, "opening `/dev/null`: not a regular file");
}

TEST(FileSink, NeverFollowsASymlinkInASharedDirectory) {
  TempDir dir;
  const fs::path shared = dir.path() / "tmp";
  fs::create_directory(shared);
  ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
  const fs::path victim = dir.path() / "victim";
  std::ofstream(victim) << "precious\n";
  const fs::path planted = shared / "reports.jsonl";
  fs::create_symlink(victim, planted);
  for (const bool rotating : {false, true}) {
    SCOPED_TRACE(rotating ? "rotating_log" : "file");
    auto sink =
        rotating ? make_rotating_log_sink(planted.string(), 1 << 20, 0) : make_file_sink(planted.string());
    Delivery result = sink->deliver(numbered(1));
    EXPECT_EQ(result.state, DeliveryState::failed);
    EXPECT_EQ(result.cause,
              "opening `" + planted.string() + "`: a symlink in a shared directory is not followed");
    EXPECT_EQ(read_all(victim), "precious\n");
  }
  // Outside a shared directory a symlink is the user's own choice and is followed.
  const fs::path own = dir.path() / "own-link";
  fs::create_symlink(victim, own);
  EXPECT_EQ(make_file_sink(own.string())->deliver(numbered(1)).state, DeliveryState::delivered);
  EXPECT_EQ(read_all(victim), "precious\n" + numbered(1).dump() + "\n");
}

TEST(FileSink, RefusesAnotherUsersFileInASharedDirectory) {
  TempDir dir;
  const fs::path shared = dir.path() / "tmp";
  fs::create_directory(shared);
  ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
  const fs::path planted = shared / "reports.jsonl";
  std::ofstream(planted) << "";
  // Planted by someone else: chown to another uid when we may (root), else plant ours and
  // check that our own file is accepted in the same directory.
  const uid_t other = ::geteuid() + 4242;
  ASSERT_EQ(::chown(planted.c_str(), other, ::getegid()) == 0, ::geteuid() == 0);
  Delivery result = make_file_sink(planted.string())->deliver(numbered(1));
  if (::geteuid() == 0) {
    EXPECT_EQ(result.cause,
              "opening `" + planted.string() + "`: owned by another user in a shared directory");
    EXPECT_EQ(read_all(planted), "");
  } else {
    EXPECT_EQ(result.state, DeliveryState::delivered);
  }
}

TEST(FileSink, GivesUpOnALockThatIsNeverReleased) {
  TempDir dir;
  fs::path path = dir.path() / "reports.jsonl";
  int holder = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(holder, 0);
  ASSERT_EQ(::flock(holder, LOCK_EX), 0);
  auto start = std::chrono::steady_clock::now();
  Delivery result = make_file_sink(path.string(), 100)->deliver(numbered(1));
  auto waited = std::chrono::steady_clock::now() - start;
  ::close(holder);
  EXPECT_EQ(result.state, DeliveryState::failed);
  EXPECT_NE(result.cause.find("still locked by another writer after 100 ms"), std::string::npos)
      << result.cause;
  EXPECT_GE(waited, std::chrono::milliseconds(100));
  EXPECT_LT(waited, std::chrono::milliseconds(1000));
}

TEST(ExpandHome, ReplacesALeadingTildeOnly) {
  EXPECT_EQ(expand_home("~/.local/chalk/chalk.log", "/home/dev"), "/home/dev/.local/chalk/chalk.log");
  EXPECT_EQ(expand_home("~", "/home/dev"), "/home/dev");
  EXPECT_EQ(expand_home("/tmp/~/x", "/home/dev"), "/tmp/~/x");
  EXPECT_EQ(expand_home("~other/x", "/home/dev"), "~other/x");
}

TEST(RotatingLog, DropsOldestWholeLinesToStayUnderMax) {
  TempDir dir;
  fs::path path = dir.path() / "log.jsonl";
  std::size_t line_size = numbered(10).dump().size() + 1;  // every count below has two digits
  std::uint64_t max = line_size * 10;
  auto sink = make_rotating_log_sink(path.string(), max, line_size * 3);
  for (int i = 10; i < 20; ++i) ASSERT_EQ(sink->deliver(numbered(i)).state, DeliveryState::delivered);
  EXPECT_EQ(fs::file_size(path), max);  // exactly full: nothing dropped yet

  ASSERT_EQ(sink->deliver(numbered(20)).state, DeliveryState::delivered);
  auto lines = lines_of(read_all(path));
  // At least truncation_amount (3 lines) went, oldest first; the new line is last.
  ASSERT_EQ(lines.size(), 8U);
  EXPECT_EQ(lines.front(), numbered(13).dump());
  EXPECT_EQ(lines.back(), numbered(20).dump());
  EXPECT_LE(fs::file_size(path), max);
  EXPECT_EQ(mode_of(path), 0600U);
}

TEST(RotatingLog, DropsMoreThanTruncationAmountWhenTheNewLineNeedsIt) {
  TempDir dir;
  fs::path path = dir.path() / "log.jsonl";
  std::size_t line_size = numbered(10).dump().size() + 1;
  auto sink = make_rotating_log_sink(path.string(), line_size * 4, 1);
  for (int i = 10; i < 14; ++i) ASSERT_EQ(sink->deliver(numbered(i)).state, DeliveryState::delivered);
  nlohmann::json wide = numbered(99);
  wide["pad"] = std::string(line_size * 2, 'p');
  ASSERT_EQ(sink->deliver(wide).state, DeliveryState::delivered);
  auto lines = lines_of(read_all(path));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), wide.dump());
  EXPECT_LE(fs::file_size(path), line_size * 4);
  for (const auto& line : lines) EXPECT_TRUE(nlohmann::json::accept(line)) << line;
}

TEST(RotatingLog, AReportLargerThanMaxIsWrittenAlone) {
  TempDir dir;
  fs::path path = dir.path() / "log.jsonl";
  auto sink = make_rotating_log_sink(path.string(), 64, 16);
  ASSERT_EQ(sink->deliver(numbered(1)).state, DeliveryState::delivered);
  nlohmann::json huge = {{"pad", std::string(200, 'p')}};
  ASSERT_EQ(sink->deliver(huge).state, DeliveryState::delivered);
  EXPECT_EQ(read_all(path), huge.dump() + "\n");
}

TEST(RotatingLog, ConcurrentWritersLoseNoLine) {
  TempDir dir;
  fs::path path = dir.path() / "log.jsonl";
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      // Each writer has its own sink, as separate processes would.
      auto sink = make_rotating_log_sink(path.string(), 1U << 20U, 1U << 18U);
      for (int i = 0; i < 50; ++i) (void)sink->deliver(numbered(i));
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(lines_of(read_all(path)).size(), 200U);
}

TEST(CaBundle, PrefersSslCertFileThenTheUsualPaths) {
  auto env = [](const char* value) {
    return [value](const char* name) { return std::string(name) == "SSL_CERT_FILE" ? value : nullptr; };
  };
  auto exists = [](std::set<std::string> files) {
    return [files](const std::string& path) { return files.count(path) != 0; };
  };
  EXPECT_EQ(find_ca_bundle(env("/certs/mine.pem"),
                           exists({"/certs/mine.pem", "/etc/ssl/certs/ca-certificates.crt"})),
            "/certs/mine.pem");
  EXPECT_EQ(find_ca_bundle(env("/certs/missing.pem"), exists({"/etc/pki/tls/certs/ca-bundle.crt"})),
            "/etc/pki/tls/certs/ca-bundle.crt");
  EXPECT_EQ(find_ca_bundle(env(nullptr), exists({"/etc/ssl/cert.pem", "/etc/ssl/certs/ca-certificates.crt"})),
            "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(find_ca_bundle(env(nullptr), exists({"/chalk.ca.pem", "/etc/ssl/cert.pem"})), "/etc/ssl/cert.pem")
      << "the image's own bundle wins over the one chalk shipped";
  EXPECT_EQ(find_ca_bundle(env(nullptr), exists({"/chalk.ca.pem"})), "/chalk.ca.pem");
  EXPECT_EQ(find_ca_bundle(env(nullptr), exists({})), "");
}

}  // namespace
}  // namespace chalk::sinks

namespace chalk::sinks {
namespace {

config::SinkConfig typed(std::string type) {
  config::SinkConfig config;
  config.name = "s";
  config.sink = std::move(type);
  return config;
}

std::string build_error(const config::SinkConfig& config, const SinkDeps& deps = {}) {
  auto sink = make_sink(config, deps);
  return sink.ok() ? "built" : sink.error().message;
}

TEST(MakeSink, SaysWhyASinkCannotBeBuilt) {
  EXPECT_EQ(build_error(typed("")), "no sink type configured");
  EXPECT_EQ(build_error(typed("presign")), "unknown sink type `presign`");
  EXPECT_EQ(build_error(typed("file")), "no filename");
  config::SinkConfig rotating = typed("rotating_log");
  rotating.filename = "/tmp/x.log";
  EXPECT_EQ(build_error(rotating), "no max size");
  config::SinkConfig post = typed("post");
  post.uri = "http://user:pw@example.com/in";
  EXPECT_EQ(build_error(post), "no HTTP transport in this program");

  CurlTransport transport("");
  SinkDeps deps;
  deps.transport = &transport;
  deps.clock = &system_clock();
  deps.random = &system_random();
  post.disallow_http = true;
  EXPECT_EQ(build_error(post, deps), "uri `http://example.com/in`: http is disallowed for this sink");
  post.uri = "ftp://example.com/in";
  EXPECT_EQ(build_error(post, deps), "uri `ftp://example.com/in`: expected http:// or https://");
  post.uri = "https://example.com/in";
  EXPECT_EQ(build_error(post, deps), "built");
  EXPECT_EQ(build_error(typed("stdout")), "built");
  EXPECT_EQ(build_error(typed("stderr")), "built");
}

}  // namespace
}  // namespace chalk::sinks
