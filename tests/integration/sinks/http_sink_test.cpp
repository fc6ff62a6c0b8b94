// The post sink and the publisher over real libcurl against a loopback HTTP server.
#include <gtest/gtest.h>

#include <chrono>

#include "plugin/sinks/curl_transport.hpp"
#include "plugin/sinks/publisher.hpp"
#include "plugin/sinks/remote_sinks.hpp"
#include "tests/integration/sinks/loopback_server.hpp"

namespace chalk::sinks {
namespace {

using testing::closed_port;
using testing::LoopbackServer;
using Millis = std::chrono::milliseconds;

class RecordingLog final : public ErrorLog {
 public:
  void line(std::string_view text) override { lines.emplace_back(text); }
  std::vector<std::string> lines;
};

config::SinkConfig post_to(const std::string& uri, std::int64_t timeout_ms = 5000) {
  config::SinkConfig config;
  config.name = "http";
  config.sink = "post";
  config.uri = uri;
  config.timeout_ms = timeout_ms;
  config.headers = {{"X-Chalk-Test", "yes"}};
  return config;
}

struct Timed {
  Delivery result;
  Millis elapsed;
};

Timed deliver_once(const config::SinkConfig& config, const nlohmann::json& report) {
  CurlTransport transport(find_ca_bundle());
  auto sink = make_post_sink(config, transport, system_clock());
  auto start = std::chrono::steady_clock::now();
  Delivery result = sink->deliver(report);
  return {result, std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start)};
}

TEST(HttpSink, PostsTheReportArrayWithItsHeaders) {
  LoopbackServer server({200});
  nlohmann::json report = {{"_OPERATION", "build"}, {"_OP_CHALK_COUNT", 1}};
  Timed timed = deliver_once(post_to(server.url()), report);
  EXPECT_EQ(timed.result.state, DeliveryState::delivered) << timed.result.cause;
  auto received = server.received();
  ASSERT_EQ(received.size(), 1U);
  EXPECT_EQ(received[0].head.rfind("POST /reports HTTP/1.1\r\n", 0), 0U) << received[0].head;
  EXPECT_NE(received[0].head.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(received[0].head.find("X-Chalk-Test: yes\r\n"), std::string::npos);
  EXPECT_EQ(received[0].head.find("Expect:"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(received[0].body), nlohmann::json::array({report}));
}

TEST(HttpSink, RetriesAServerErrorThenSucceeds) {
  LoopbackServer server({500, 200});
  Timed timed = deliver_once(post_to(server.url()), {{"_OPERATION", "build"}});
  EXPECT_EQ(timed.result.state, DeliveryState::delivered) << timed.result.cause;
  EXPECT_EQ(server.received().size(), 2U);
  EXPECT_GE(timed.elapsed, Millis(100));
}

TEST(HttpSink, ANeverAnsweringServerCostsThreeTimeoutsAndTheBackoff) {
  LoopbackServer server({LoopbackServer::k_hang});
  Timed timed = deliver_once(post_to(server.url(), 300), {{"_OPERATION", "heartbeat"}});
  EXPECT_EQ(timed.result.state, DeliveryState::failed);
  EXPECT_NE(timed.result.cause.find("(after 3 attempts)"), std::string::npos) << timed.result.cause;
  EXPECT_EQ(server.received().size(), 3U);
  EXPECT_GE(timed.elapsed, Millis(3 * 300 + 100 + 400));
  EXPECT_LT(timed.elapsed, Millis(3000));
}

TEST(HttpSink, ConnectionRefusedIsRetriedThenReported) {
  std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/reports";
  Timed timed = deliver_once(post_to(url), {{"_OPERATION", "build"}});
  EXPECT_EQ(timed.result.state, DeliveryState::failed);
  EXPECT_EQ(timed.result.cause.rfind("POST `" + url + "`: ", 0), 0U) << timed.result.cause;
  EXPECT_NE(timed.result.cause.find("(after 3 attempts)"), std::string::npos) << timed.result.cause;
  EXPECT_GE(timed.elapsed, Millis(500));
  EXPECT_LT(timed.elapsed, Millis(2000));
}

TEST(HttpSink, AClientErrorIsFinal) {
  LoopbackServer server({404, 200});
  Timed timed = deliver_once(post_to(server.url()), {{"_OPERATION", "build"}});
  EXPECT_EQ(timed.result.state, DeliveryState::failed_permanently);
  EXPECT_EQ(timed.result.cause, "POST `" + server.url() + "`: HTTP 404; sink disabled");
  EXPECT_EQ(server.received().size(), 1U);
}

TEST(HttpSink, RedirectsAreNotFollowed) {
  LoopbackServer server({302});
  Timed timed = deliver_once(post_to(server.url()), {{"_OPERATION", "build"}});
  EXPECT_EQ(timed.result.state, DeliveryState::failed_permanently);
  EXPECT_EQ(server.received().size(), 1U);
}

TEST(HttpPublisher, ReportsADownServerOnceWithCredentialsHidden) {
  std::string url = "http://ops:pa55@127.0.0.1:" + std::to_string(closed_port()) + "/in?token=T0KEN";
  config::Settings settings;
  settings.sink_configs["http"] = post_to(url);
  settings.sink_configs["http"].headers = {{"Authorization", "Bearer S3CR3T"}};
  settings.subscriptions["report"] = {"http"};
  CurlTransport transport(find_ca_bundle());
  RecordingLog log;
  PublisherDeps deps = system_deps(&transport, &log);
  Publisher publisher(settings, deps, DeliveryMode::synchronous);
  publisher.publish({{"_OPERATION", "build"}});
  publisher.publish({{"_OPERATION", "build"}});
  ASSERT_EQ(log.lines.size(), 1U);
  EXPECT_EQ(log.lines[0].rfind("chalk: sink 'http' (post): POST `http://127.0.0.1:", 0), 0U) << log.lines[0];
  for (const char* secret : {"pa55", "T0KEN", "S3CR3T"})
    EXPECT_EQ(log.lines[0].find(secret), std::string::npos);
}

TEST(HttpPublisher, BackgroundFlushAndShutdownAreBounded) {
  LoopbackServer server({LoopbackServer::k_hang});
  config::Settings settings;
  settings.sink_configs["http"] = post_to(server.url(), 5000);
  settings.subscriptions["report"] = {"http"};
  CurlTransport transport(find_ca_bundle());
  RecordingLog log;
  PublisherDeps deps = system_deps(&transport, &log);
  auto publisher = std::make_unique<Publisher>(settings, deps, DeliveryMode::background);
  publisher->publish({{"_OPERATION", "exec"}});
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(publisher->flush(300));
  EXPECT_LT(std::chrono::steady_clock::now() - start, Millis(1000));
  start = std::chrono::steady_clock::now();
  publisher.reset();  // cancels the hanging attempt
  EXPECT_LT(std::chrono::steady_clock::now() - start, Millis(2500));
  EXPECT_EQ(server.received().size(), 1U);
}

}  // namespace
}  // namespace chalk::sinks
