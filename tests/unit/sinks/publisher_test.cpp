// Topic routing, custom-report templates, failure reporting and the background mode, with
// fake transports and files in a temp directory.
#include "plugin/sinks/publisher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/unit/sinks/fakes.hpp"

namespace chalk::sinks {
namespace {

namespace fs = std::filesystem;
using testing::CountingRandom;
using testing::FakeClock;
using testing::FakeTransport;
using testing::RecordingLog;
using testing::status;

config::SinkConfig post_sink(const std::string& name, const std::string& uri) {
  config::SinkConfig sink;
  sink.name = name;
  sink.sink = "post";
  sink.uri = uri;
  return sink;
}

nlohmann::json body_of(const HttpRequest& request) { return nlohmann::json::parse(request.body).at(0); }

std::vector<std::string> urls(FakeTransport& transport) {
  std::vector<std::string> out;
  for (const auto& request : transport.requests()) out.push_back(request.url);
  return out;
}

nlohmann::json heartbeat_report(int count) {
  return {{"_OPERATION", "heartbeat"},
          {"_TIMESTAMP", 1695414149440},
          {"_DATETIME", "2023-09-22T20:22:29.440+00:00"},
          {"CHALK_ID", "RMZ2HA-J5EC-2K8D-SXZFCN"},
          {"METADATA_ID", "N3D0SH-94M4-GC8Z-TZR92B"},
          {"_EXEC_ID", "9f1c2a7b3d4e5f60"},
          {"_HEARTBEAT_COUNT", count},
          {"_OP_HOSTINFO", "#93-Ubuntu"},
          {"_OP_HOST_VERSION", "#93-Ubuntu"},
          {"_OP_HOSTNAME", "8ceb650f2714"},
          {"_OP_NODENAME", "8ceb650f2714"},
          {"_OP_HOST_NODENAME", "8ceb650f2714"},
          {"_OP_PLATFORM", "GNU/Linux x86_64"},
          {"_OP_TCP_SOCKET_INFO", nlohmann::json::array()}};
}

// The first guide's setup: a heartbeat custom report through a template, plus a `report`
// subscriber and a `fail` subscriber.
config::Settings guide_settings() {
  config::Settings settings;
  settings.sink_configs["main"] = post_sink("main", "https://main.example/r");
  settings.sink_configs["failures"] = post_sink("failures", "https://fail.example/r");
  settings.sink_configs["net"] = post_sink("net", "https://net.example/r");
  settings.sink_configs["off"] = post_sink("off", "https://off.example/r");
  settings.sink_configs["off"].enabled = false;
  settings.subscriptions["report"] = {"main"};
  settings.subscriptions["fail"] = {"failures"};
  settings.report_templates["network_report"] = {
      "network_report",
      {"CHALK_ID", "_OPERATION", "_OP_HOSTINFO", "_OP_NODENAME", "_OP_TCP_SOCKET_INFO", "_OP_PLATFORM"}};
  config::CustomReport custom;
  custom.name = "network_heartbeat_report";
  custom.report_template = "network_report";
  custom.sink_configs = {"net", "off"};
  custom.use_when = {"heartbeat"};
  settings.custom_reports[custom.name] = custom;
  return settings;
}

struct Harness {
  FakeTransport transport;
  FakeClock clock{1695414149440};
  CountingRandom random;
  RecordingLog log;

  explicit Harness(std::vector<HttpOutcome> script = {status(200)}) : transport(std::move(script)) {}

  PublisherDeps deps() {
    PublisherDeps deps;
    deps.sinks.transport = &transport;
    deps.sinks.clock = &clock;
    deps.sinks.random = &random;
    deps.error_log = &log;
    return deps;
  }
};

TEST(Publisher, ReportTopicGetsTheWholeReportAndCustomReportsTheirTemplate) {
  Harness h;
  Publisher publisher(guide_settings(), h.deps(), DeliveryMode::synchronous);
  nlohmann::json report = heartbeat_report(1);
  publisher.publish(report);

  ASSERT_EQ(urls(h.transport), (std::vector<std::string>{"https://main.example/r", "https://net.example/r"}));
  EXPECT_EQ(body_of(h.transport.requests()[0]), report);
  nlohmann::json filtered = body_of(h.transport.requests()[1]);
  nlohmann::json expected = report;
  expected.erase("_OP_HOSTNAME");  // not in the template; everything else is kept or aliased
  EXPECT_EQ(filtered, expected);
  EXPECT_TRUE(h.log.lines().empty());
}

TEST(Publisher, CustomReportsRunOnlyForTheirOperations) {
  Harness h;
  Publisher publisher(guide_settings(), h.deps(), DeliveryMode::synchronous);
  publisher.publish({{"_OPERATION", "build"}, {"_CHALKS", nlohmann::json::array()}});
  EXPECT_EQ(urls(h.transport), (std::vector<std::string>{"https://main.example/r"}));
}

TEST(Publisher, StarMatchesEveryOperationAndDisabledReportsNeverRun) {
  Harness h;
  config::Settings settings = guide_settings();
  settings.subscriptions.clear();
  settings.custom_reports["network_heartbeat_report"].use_when = {"*"};
  settings.custom_reports["other"] = settings.custom_reports["network_heartbeat_report"];
  settings.custom_reports["other"].enabled = false;
  settings.custom_reports["other"].sink_configs = {"main"};
  Publisher publisher(settings, h.deps(), DeliveryMode::synchronous);
  publisher.publish({{"_OPERATION", "push"}});
  EXPECT_EQ(urls(h.transport), (std::vector<std::string>{"https://net.example/r"}));
  EXPECT_TRUE(publisher.has_destinations("push"));
}

TEST(Publisher, OtherTopicsReachOnlyTheirSubscribers) {
  Harness h;
  Publisher publisher(guide_settings(), h.deps(), DeliveryMode::synchronous);
  nlohmann::json failed = {{"_OPERATION", "build"}, {"_OP_EXIT_CODE", 1}};
  publisher.publish_to_topic("fail", failed);
  publisher.publish_to_topic("audit", failed);
  ASSERT_EQ(urls(h.transport), (std::vector<std::string>{"https://fail.example/r"}));
  EXPECT_EQ(body_of(h.transport.requests()[0]), failed);
}

TEST(Publisher, SkipSettingsTurnOffTheCommandOrTheCustomReports) {
  Harness h;
  config::Settings no_command = guide_settings();
  no_command.skip_command_report = true;
  Publisher without_command(no_command, h.deps(), DeliveryMode::synchronous);
  without_command.publish(heartbeat_report(1));
  EXPECT_EQ(urls(h.transport), (std::vector<std::string>{"https://net.example/r"}));
  EXPECT_FALSE(without_command.has_destinations("build"));

  Harness h2;
  config::Settings no_custom = guide_settings();
  no_custom.skip_custom_reports = true;
  Publisher without_custom(no_custom, h2.deps(), DeliveryMode::synchronous);
  without_custom.publish(heartbeat_report(1));
  EXPECT_EQ(urls(h2.transport), (std::vector<std::string>{"https://main.example/r"}));
}

TEST(Publisher, KnowsWhenNothingListens) {
  Harness h;
  config::Settings settings = guide_settings();
  settings.subscriptions.erase("report");
  Publisher publisher(settings, h.deps(), DeliveryMode::synchronous);
  EXPECT_TRUE(publisher.has_destinations("heartbeat"));
  EXPECT_FALSE(publisher.has_destinations("exec"));
  Publisher unconfigured(config::Settings{}, h.deps(), DeliveryMode::background);
  EXPECT_FALSE(unconfigured.has_destinations("exec"));
}

TEST(Publisher, BuiltInScreenSinksWorkWithoutADefinition) {
  EXPECT_EQ(builtin_sink_config("default_out")->sink, "stdout");
  EXPECT_EQ(builtin_sink_config("console_err")->sink, "stderr");
  EXPECT_FALSE(builtin_sink_config("my_sink").has_value());
}

TEST(ApplyTemplate, EitherHostKeyNameBringsBoth) {
  nlohmann::json report = heartbeat_report(3);
  nlohmann::json by_new_names = apply_template(report, {"_OP_HOST_VERSION", "_OP_HOST_NODENAME"});
  EXPECT_TRUE(by_new_names.contains("_OP_HOSTINFO"));
  EXPECT_TRUE(by_new_names.contains("_OP_HOST_VERSION"));
  EXPECT_TRUE(by_new_names.contains("_OP_NODENAME"));
  EXPECT_TRUE(by_new_names.contains("_OP_HOST_NODENAME"));
  EXPECT_FALSE(by_new_names.contains("_OP_HOSTNAME"));
}

TEST(ApplyTemplate, ShimReportsKeepTheirJoinKeysWhateverTheTemplate) {
  nlohmann::json kept = apply_template(heartbeat_report(7), {});
  EXPECT_EQ(kept, (nlohmann::json{{"_OPERATION", "heartbeat"},
                                  {"_TIMESTAMP", 1695414149440},
                                  {"_DATETIME", "2023-09-22T20:22:29.440+00:00"},
                                  {"CHALK_ID", "RMZ2HA-J5EC-2K8D-SXZFCN"},
                                  {"METADATA_ID", "N3D0SH-94M4-GC8Z-TZR92B"},
                                  {"_EXEC_ID", "9f1c2a7b3d4e5f60"},
                                  {"_HEARTBEAT_COUNT", 7}}));
}

TEST(ApplyTemplate, OtherReportsKeepOnlyTheTemplateAndTheAlwaysKeys) {
  nlohmann::json build = {{"_OPERATION", "build"},      {"_TIMESTAMP", 1},
                          {"_DATETIME", "d"},           {"CHALK_ID", "X"},
                          {"_ENV", {{"PATH", "/bin"}}}, {"_CHALKS", nlohmann::json::array()}};
  EXPECT_EQ(apply_template(build, {"_CHALKS"}), (nlohmann::json{{"_OPERATION", "build"},
                                                                {"_TIMESTAMP", 1},
                                                                {"_DATETIME", "d"},
                                                                {"_CHALKS", nlohmann::json::array()}}));
}

TEST(Publisher, ReportsAFailingSinkOnceAndKeepsTryingIt) {
  Harness h({status(500)});
  config::Settings settings = guide_settings();
  settings.custom_reports.clear();
  Publisher publisher(settings, h.deps(), DeliveryMode::synchronous);
  publisher.publish(heartbeat_report(1));
  publisher.publish(heartbeat_report(2));
  EXPECT_EQ(h.transport.requests().size(), 6U);  // 3 attempts each: a 5xx does not disable
  ASSERT_EQ(h.log.lines().size(), 1U);
  EXPECT_EQ(h.log.lines()[0],
            "chalk: sink 'main' (post): POST `https://main.example/r`: HTTP 500 (after 3 attempts)");
}

TEST(Publisher, AClientErrorDisablesTheSink) {
  Harness h({status(403)});
  config::Settings settings = guide_settings();
  settings.custom_reports.clear();
  Publisher publisher(settings, h.deps(), DeliveryMode::synchronous);
  publisher.publish(heartbeat_report(1));
  publisher.publish(heartbeat_report(2));
  EXPECT_EQ(h.transport.requests().size(), 1U);
  EXPECT_EQ(h.log.lines(),
            (std::vector<std::string>{
                "chalk: sink 'main' (post): POST `https://main.example/r`: HTTP 403; sink disabled"}));
}

TEST(Publisher, DisableAfterErrorsStopsASinkThatKeepsFailing) {
  Harness h({status(500)});
  config::Settings settings = guide_settings();
  settings.custom_reports.clear();
  settings.sink_configs["main"].disable_after_errors = 2;
  Publisher publisher(settings, h.deps(), DeliveryMode::synchronous);
  for (int n = 1; n <= 4; ++n) publisher.publish(heartbeat_report(n));
  EXPECT_EQ(h.transport.requests().size(), 6U);  // two reports of 3 attempts, then nothing
  EXPECT_EQ(
      h.log.lines(),
      (std::vector<std::string>{
          "chalk: sink 'main' (post): POST `https://main.example/r`: HTTP 500 (after 3 attempts)",
          "chalk: sink 'main' (post): disabled after 2 consecutive errors: POST `https://main.example/r`: "
          "HTTP 500 (after 3 attempts)"}));
}

TEST(Publisher, ASuccessResetsTheErrorCount) {
  Harness h({status(500), status(500), status(500), status(200), status(500)});
  config::Settings settings = guide_settings();
  settings.custom_reports.clear();
  settings.sink_configs["main"].disable_after_errors = 2;
  Publisher publisher(settings, h.deps(), DeliveryMode::synchronous);
  for (int n = 1; n <= 3; ++n) publisher.publish(heartbeat_report(n));
  // 1: three 500s (one error); 2: 200 (reset); 3: three 500s (one error): never two in a row.
  EXPECT_EQ(h.transport.requests().size(), 7U);
  EXPECT_EQ(h.log.lines().size(), 1U);
}

TEST(Publisher, HigherPrioritySinksAreWrittenFirst) {
  Harness h;
  config::Settings settings = guide_settings();
  settings.custom_reports.clear();
  settings.sink_configs["low"] = post_sink("low", "https://low.example/r");
  settings.sink_configs["high"] = post_sink("high", "https://high.example/r");
  settings.sink_configs["high"].priority = 10;
  settings.sink_configs["low"].priority = 1;
  settings.subscriptions["report"] = {"main", "low", "high"};
  Publisher publisher(settings, h.deps(), DeliveryMode::synchronous);
  publisher.publish(heartbeat_report(1));
  EXPECT_EQ(urls(h.transport), (std::vector<std::string>{"https://high.example/r", "https://low.example/r",
                                                         "https://main.example/r"}));
}

TEST(Publisher, OnWriteMsgPrintsAfterEachWriteWhenLogLevelShowsInfo) {
  for (const std::string level : {"info", "warn"}) {
    Harness h;
    config::Settings settings = guide_settings();
    settings.custom_reports.clear();
    settings.log_level = level;
    settings.sink_configs["main"].on_write_msg = "report sent to main";
    Publisher publisher(settings, h.deps(), DeliveryMode::synchronous);
    publisher.publish(heartbeat_report(1));
    publisher.publish(heartbeat_report(2));
    const std::vector<std::string> expected =
        level == "info" ? std::vector<std::string>{"report sent to main", "report sent to main"}
                        : std::vector<std::string>{};
    EXPECT_EQ(h.log.lines(), expected) << level;
  }
}

TEST(Publisher, ASinkThatCannotBeBuiltIsReportedOnceWhenUsed) {
  Harness h;
  config::Settings settings;
  config::SinkConfig broken;
  broken.sink = "rotating_log";
  broken.filename = "/tmp/never-written.log";
  settings.sink_configs["rot"] = broken;
  settings.subscriptions["report"] = {"rot"};
  Publisher publisher(settings, h.deps(), DeliveryMode::synchronous);
  EXPECT_TRUE(h.log.lines().empty());
  publisher.publish({{"_OPERATION", "build"}});
  publisher.publish({{"_OPERATION", "build"}});
  EXPECT_EQ(h.log.lines(), (std::vector<std::string>{"chalk: sink 'rot' (rotating_log): no max size"}));
}

TEST(Publisher, FailureLinesNeverShowCredentials) {
  Harness h({status(401)});
  config::Settings settings;
  settings.sink_configs["http"] = post_sink("http", "https://svc:pa55w0rd@hooks.example/in?token=T0KEN");
  settings.sink_configs["http"].headers = {{"Authorization", "Bearer S3CR3T"}};
  config::SinkConfig s3;
  s3.sink = "s3";
  s3.uri = "s3://bucket/p";
  s3.uid = "AKIDSECRETID";
  s3.secret = "VERY-SECRET";
  s3.token = "SESSION-TOKEN";
  settings.sink_configs["s3"] = s3;
  settings.subscriptions["report"] = {"http", "s3"};
  Publisher publisher(settings, h.deps(), DeliveryMode::synchronous);
  publisher.publish(heartbeat_report(1));
  auto lines = h.log.lines();
  ASSERT_EQ(lines.size(), 2U);
  for (const auto& line : lines) {
    for (const char* secret : {"pa55w0rd", "T0KEN", "S3CR3T", "Bearer", "AKIDSECRETID", "VERY-SECRET",
                               "SESSION-TOKEN", "Signature=", "Authorization"}) {
      EXPECT_EQ(line.find(secret), std::string::npos) << line << " shows " << secret;
    }
  }
}

TEST(Publisher, WritesFilesThroughTemplates) {
  Harness h;
  fs::path dir = fs::temp_directory_path() / ("chalk-pub-" + std::to_string(::getpid()));
  config::Settings settings = guide_settings();
  settings.subscriptions.clear();
  config::SinkConfig file;
  file.sink = "file";
  file.filename = "~/heartbeats.jsonl";
  settings.sink_configs["net"] = file;
  PublisherDeps deps = h.deps();
  deps.sinks.home = dir.string();
  {
    Publisher publisher(settings, deps, DeliveryMode::synchronous);
    publisher.publish(heartbeat_report(1));
  }
  std::ifstream in(dir / "heartbeats.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  nlohmann::json written = nlohmann::json::parse(line);
  EXPECT_EQ(written.at("_HEARTBEAT_COUNT"), 1);
  EXPECT_FALSE(written.contains("_OP_HOSTNAME"));
  fs::remove_all(dir);
}

TEST(BackgroundPublisher, KeepsOnlyTheNewestPendingReportPerSink) {
  Harness h;
  config::Settings settings = guide_settings();
  settings.custom_reports.clear();
  Publisher publisher(settings, h.deps(), DeliveryMode::background);
  h.transport.close_gate();
  publisher.publish(heartbeat_report(1));
  h.transport.wait_for_requests(1);  // #1 is in flight, held by the gate
  publisher.publish(heartbeat_report(2));
  publisher.publish(heartbeat_report(3));  // replaces #2
  EXPECT_FALSE(publisher.flush(50));
  h.transport.open_gate();
  EXPECT_TRUE(publisher.flush(5000));
  auto requests = h.transport.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(body_of(requests[0]).at("_HEARTBEAT_COUNT"), 1);
  EXPECT_EQ(body_of(requests[1]).at("_HEARTBEAT_COUNT"), 3);
}

TEST(BackgroundPublisher, PublishNeverWaitsForDelivery) {
  Harness h;
  config::Settings settings = guide_settings();
  Publisher publisher(settings, h.deps(), DeliveryMode::background);
  h.transport.close_gate();
  auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= 100; ++i) publisher.publish(heartbeat_report(i));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  h.transport.open_gate();
  EXPECT_TRUE(publisher.flush(5000));
  // main and net each got the first report (in flight or first taken) and at most one more.
  EXPECT_LE(h.transport.requests().size(), 4U);
}

TEST(BackgroundPublisher, ShutdownCancelsWhatIsPending) {
  Harness h;
  config::Settings settings = guide_settings();
  settings.custom_reports.clear();
  auto publisher = std::make_unique<Publisher>(settings, h.deps(), DeliveryMode::background);
  h.transport.close_gate();
  publisher->publish(heartbeat_report(1));
  h.transport.wait_for_requests(1);
  publisher->publish(heartbeat_report(2));
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    h.transport.open_gate();
  });
  publisher.reset();
  release.join();
  EXPECT_EQ(h.transport.requests().size(), 1U);
}

}  // namespace
}  // namespace chalk::sinks
