// The reporting thread's schedule and fail-open rules, with a recording channel.
#include "runtime-shim/reporter.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

namespace chalk::shim {
namespace {

struct Recorder {
  std::mutex lock;
  std::vector<nlohmann::json> reports;
  std::vector<std::string> warnings;
  int opened = 0;
  bool drained = false;
};

class RecordingChannel : public ReportChannel {
 public:
  RecordingChannel(std::shared_ptr<Recorder> recorder, bool heartbeat, std::int64_t period_ms)
      : m_recorder(std::move(recorder)), m_heartbeat(heartbeat), m_period_ms(period_ms) {}
  [[nodiscard]] bool wants(std::string_view operation) const override {
    return operation == "exec" || (m_heartbeat && operation == "heartbeat");
  }
  [[nodiscard]] bool heartbeat_enabled() const override { return m_heartbeat; }
  [[nodiscard]] std::int64_t heartbeat_period_ms() const override { return m_period_ms; }
  void publish(const nlohmann::json& report) override {
    const std::lock_guard guard(m_recorder->lock);
    m_recorder->reports.push_back(report);
  }
  void drain(std::int64_t) override {
    const std::lock_guard guard(m_recorder->lock);
    m_recorder->drained = true;
  }

 private:
  std::shared_ptr<Recorder> m_recorder;
  bool m_heartbeat;
  std::int64_t m_period_ms;
};

class ReporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_root = std::filesystem::temp_directory_path() / ("chalk-shim-reporter-" + std::to_string(::getpid()));
    std::filesystem::create_directories(m_root);
    std::ofstream(m_root / "chalk.json")
        << R"({"MAGIC":"dadfedabbadabbed","CHALK_ID":"RMZ2HA-J5EC-2K8D-SXZFCN","METADATA_ID":"N3D0SH-94M4-GC8Z-TZR92B"})";
    std::ofstream(m_root / "chalk.c4m") << "exec.heartbeat: true\n";
  }
  void TearDown() override { std::filesystem::remove_all(m_root); }

  ReporterOptions options(bool heartbeat, std::int64_t period_ms) {
    ReporterOptions result;
    result.root = m_root.string();
    result.shim_argv = {"/chalk", "exec", "--", "/bin/true"};
    result.program_path = "/bin/sh";
    result.program_pid = ::getpid();
    result.exec_delay_ms = 10;
    auto recorder = m_recorder;
    result.open_channel = [recorder, heartbeat, period_ms](
                              const std::string& source) -> util::Result<std::unique_ptr<ReportChannel>> {
      EXPECT_EQ(source, "exec.heartbeat: true\n");
      const std::lock_guard guard(recorder->lock);
      ++recorder->opened;
      return std::unique_ptr<ReportChannel>(
          std::make_unique<RecordingChannel>(recorder, heartbeat, period_ms));
    };
    result.warn = [recorder](std::string_view line) {
      const std::lock_guard guard(recorder->lock);
      recorder->warnings.emplace_back(line);
    };
    return result;
  }

  std::filesystem::path m_root;
  std::shared_ptr<Recorder> m_recorder = std::make_shared<Recorder>();
};

TEST_F(ReporterTest, ExecThenHeartbeatsAtAFixedRate) {
  Reporter reporter(options(true, 40));
  ASSERT_TRUE(reporter.start());
  std::this_thread::sleep_for(std::chrono::milliseconds(190));
  ASSERT_TRUE(reporter.finish(1000));

  const std::lock_guard guard(m_recorder->lock);
  EXPECT_TRUE(m_recorder->warnings.empty());
  EXPECT_TRUE(m_recorder->drained);
  // exec at 10 ms, beats due at 40, 80, 120, 160 ms; one may miss the cut on a loaded machine.
  ASSERT_GE(m_recorder->reports.size(), 4U);
  const nlohmann::json& exec = m_recorder->reports[0];
  EXPECT_EQ(exec["_OPERATION"], "exec");
  EXPECT_EQ(exec["_CHALKS"][0]["_PROCESS_PID"], ::getpid());
  EXPECT_EQ(exec["_CHALKS"][0]["_CURRENT_HASH"].get<std::string>().size(), 64U);
  EXPECT_EQ(exec["_OP_ARGV"], nlohmann::json::array({"/chalk", "exec", "--", "/bin/true"}));
  for (std::size_t i = 1; i < m_recorder->reports.size(); ++i) {
    const nlohmann::json& beat = m_recorder->reports[i];
    EXPECT_EQ(beat["_OPERATION"], "heartbeat");
    EXPECT_EQ(beat["_HEARTBEAT_COUNT"], i);
    EXPECT_EQ(beat["_EXEC_ID"], exec["_EXEC_ID"]);
    EXPECT_EQ(beat["CHALK_ID"], "RMZ2HA-J5EC-2K8D-SXZFCN");
    EXPECT_GE(beat["_TIMESTAMP"].get<std::int64_t>(),
              m_recorder->reports[i - 1]["_TIMESTAMP"].get<std::int64_t>());
  }
}

TEST_F(ReporterTest, ProgramGoneBeforeTheExecReport) {
  ReporterOptions opts = options(false, 0);
  opts.exec_delay_ms = 60'000;
  Reporter reporter(std::move(opts));
  ASSERT_TRUE(reporter.start());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(reporter.finish(1000));

  const std::lock_guard guard(m_recorder->lock);
  ASSERT_EQ(m_recorder->reports.size(), 1U);
  EXPECT_EQ(m_recorder->reports[0]["_OPERATION"], "exec");
  EXPECT_FALSE(m_recorder->reports[0]["_CHALKS"][0].contains("_PROCESS_PID"));
}

TEST_F(ReporterTest, NoConfigFileMeansNoReportingAtAll) {
  std::filesystem::remove(m_root / "chalk.c4m");
  Reporter reporter(options(true, 10));
  ASSERT_TRUE(reporter.start());
  ASSERT_TRUE(reporter.finish(1000));
  const std::lock_guard guard(m_recorder->lock);
  EXPECT_EQ(m_recorder->opened, 0);
  EXPECT_TRUE(m_recorder->reports.empty());
  EXPECT_TRUE(m_recorder->warnings.empty());
}

TEST_F(ReporterTest, ConfigAskingForNothingIsSilent) {
  ReporterOptions opts = options(true, 10);
  opts.open_channel = [](const std::string&) -> util::Result<std::unique_ptr<ReportChannel>> {
    return std::unique_ptr<ReportChannel>();
  };
  Reporter reporter(std::move(opts));
  ASSERT_TRUE(reporter.start());
  EXPECT_TRUE(reporter.finish(1000));
  const std::lock_guard guard(m_recorder->lock);
  EXPECT_TRUE(m_recorder->reports.empty());
  EXPECT_TRUE(m_recorder->warnings.empty());
}

TEST_F(ReporterTest, RejectedConfigIsOneLine) {
  ReporterOptions opts = options(true, 10);
  opts.open_channel = [](const std::string&) -> util::Result<std::unique_ptr<ReportChannel>> {
    return util::make_error(util::Errc::config, "(chalk-layer):1:4: lex: Unterminated string");
  };
  Reporter reporter(std::move(opts));
  ASSERT_TRUE(reporter.start());
  EXPECT_TRUE(reporter.finish(1000));
  const std::lock_guard guard(m_recorder->lock);
  EXPECT_EQ(m_recorder->warnings, std::vector<std::string>{"(chalk-layer):1:4: lex: Unterminated string"});
}

TEST_F(ReporterTest, BadMarkStillReportsUnmarked) {
  std::ofstream(m_root / "chalk.json", std::ios::trunc) << "{broken";
  Reporter reporter(options(false, 0));
  ASSERT_TRUE(reporter.start());
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  ASSERT_TRUE(reporter.finish(1000));
  const std::lock_guard guard(m_recorder->lock);
  ASSERT_EQ(m_recorder->warnings.size(), 1U);
  EXPECT_NE(m_recorder->warnings[0].find("not valid JSON"), std::string::npos);
  ASSERT_EQ(m_recorder->reports.size(), 1U);
  EXPECT_EQ(m_recorder->reports[0]["_OP_UNMARKED_COUNT"], 1);
}

TEST_F(ReporterTest, ThrowingChannelNeverEscapesTheThread) {
  ReporterOptions opts = options(true, 10);
  opts.open_channel = [](const std::string&) -> util::Result<std::unique_ptr<ReportChannel>> {
    throw std::runtime_error("boom");
  };
  Reporter reporter(std::move(opts));
  ASSERT_TRUE(reporter.start());
  EXPECT_TRUE(reporter.finish(1000));
  const std::lock_guard guard(m_recorder->lock);
  EXPECT_EQ(m_recorder->warnings, std::vector<std::string>{"reporting: boom"});
}

}  // namespace
}  // namespace chalk::shim

namespace chalk::shim {
namespace {

TEST(FileHash, Sha256OfTheProgramFile) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("chalk-shim-hash-" + std::to_string(::getpid()))).string();
  std::ofstream(path) << "abc";
  EXPECT_EQ(file_sha256_hex(path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::filesystem::remove(path);
  EXPECT_EQ(file_sha256_hex(path), "");
}

}  // namespace
}  // namespace chalk::shim
