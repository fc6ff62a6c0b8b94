// CONFIG.md §10-§11 (T18, T20): the shipped configs and the guides' configs verbatim, with
// and without their environment variables, in the plugin and in the shim; and their cost.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/unit/config/helpers.hpp"

namespace chalk::config::test {
namespace {

std::string shipped(const std::string& name) {
  std::ifstream in(std::string(CHALK_SOURCE_DIR) + "/configs/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(in.good() || in.eof()) << name;
  return text.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The S3 guide's config (seeds/003), byte for byte.
const char* const k_s3_guide = R"(sink_config my_s3_config {
  enabled: true
  sink:    "s3"
  uri:     env("AWS_S3_BUCKET_URI")
  secret:  env("AWS_SECRET_ACCESS_KEY")
  uid:     env("AWS_ACCESS_KEY_ID")
}

log_level = "info"

ptr_url := ""

if env_exists("AWS_S3_BUCKET_URI") {
  if not env_exists("AWS_ACCESS_KEY_ID") {
     warn("To configure AWS must provide AWS_ACCESS_KEY_ID")
  } elif not env_exists("AWS_SECRET_ACCESS_KEY") {
     warn("To configure AWS must provide AWS_SECRET_ACCESS_KEY")
  } else {
    subscribe("report", "my_s3_config")
    configured_sink := true
    if ptr_url == "" {
      ptr_url := env("AWS_S3_BUCKET_URI")
    }
  }
}

)";

const std::map<std::string, std::string> k_all_three{{"AWS_S3_BUCKET_URI", "s3://bucket/reports"},
                                                     {"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"},
                                                     {"AWS_SECRET_ACCESS_KEY", "secret"}};

void expect_net_heartbeat(const Settings& s) {
  EXPECT_TRUE(s.heartbeat_run);
  EXPECT_EQ(s.heartbeat_rate_us, 1'800'000'000);
  EXPECT_TRUE(s.wrap_entrypoint);
  const SinkConfig& screen = s.sink_configs.at("output_to_screen");
  EXPECT_EQ(screen.sink, "stdout");
  EXPECT_TRUE(screen.enabled);
  const SinkConfig& http = s.sink_configs.at("output_to_http");
  EXPECT_EQ(http.sink, "post");
  EXPECT_FALSE(http.enabled);
  EXPECT_EQ(http.priority, 0);
  const SinkConfig& file = s.sink_configs.at("output_to_file");
  EXPECT_EQ(file.sink, "file");
  EXPECT_FALSE(file.enabled);
  EXPECT_EQ(file.filename, "/tmp/network_heartbeat.log");
  const CustomReport& report = s.custom_reports.at("network_heartbeat_report");
  EXPECT_TRUE(report.enabled);
  EXPECT_EQ(report.report_template, "network_report");
  EXPECT_EQ(report.use_when, std::vector<std::string>{"heartbeat"});
  EXPECT_EQ(report.sink_configs,
            (std::vector<std::string>{"output_to_screen", "output_to_http", "output_to_file"}));
  const auto& keys = s.report_templates.at("network_report").keys;
  for (const char* key :
       {"CHALK_ID", "CHALK_PTR", "_OPERATION", "_TIMESTAMP", "_CHALKS", "_OP_PLATFORM", "_OP_HOSTNAME",
        "_OP_HOSTINFO", "_OP_NODENAME", "_OP_ERRORS", "_OP_TCP_SOCKET_INFO", "_OP_UDP_SOCKET_INFO",
        "_OP_IPV4_ROUTES", "_OP_IPV6_ROUTES", "_OP_IPV4_INTERFACES", "_OP_IPV6_INTERFACES", "_OP_ARP_TABLE"})
    EXPECT_TRUE(keys.count(key)) << key;
  // 17 keys, and each host key brings its other spelling (§9)
  EXPECT_EQ(keys.size(), 19U);
  EXPECT_TRUE(keys.count("_OP_HOST_VERSION"));
  EXPECT_TRUE(keys.count("_OP_HOST_NODENAME"));
}

TEST(Shipped, DefaultIsCommentsOnly) {
  std::string text = shipped("default.c4m");
  ASSERT_FALSE(text.empty());
  Settings s = ok(text);
  EXPECT_EQ(s.log_level, "warn");
  EXPECT_EQ(s.subscriptions.at("report"), std::vector<std::string>{"default_out"});
  EXPECT_TRUE(s.messages.empty());
  Settings shim = ok(text, {}, Host::shim);
  EXPECT_TRUE(shim.subscriptions.empty());
  EXPECT_TRUE(shim.messages.empty());
}

TEST(Shipped, T20EmptyFile) {
  Settings s = ok("");
  EXPECT_FALSE(s.heartbeat_run);
  EXPECT_EQ(s.heartbeat_rate_us, 20'000'000);
  EXPECT_TRUE(s.wrap_entrypoint);
  EXPECT_EQ(s.log_level, "warn");
  EXPECT_EQ(s.subscriptions.at("report"), std::vector<std::string>{"default_out"});
}

TEST(Shipped, T20NetHeartbeatInTheGuideSpelling) {
  std::string text = shipped("net-heartbeat.c4m");
  std::string before = text;
  ASSERT_NE(text.find("exec.heartbeat:         true"), std::string::npos);
  ASSERT_NE(text.find("exec.heartbeat_rate:    <<30 minutes>>"), std::string::npos);
  Settings s = ok(text);
  expect_net_heartbeat(s);
  EXPECT_EQ(s.subscriptions.at("report"), std::vector<std::string>{"default_out"});
  EXPECT_TRUE(s.messages.empty());
  // evaluation leaves the source as it was: `dump` after `load` prints these bytes
  EXPECT_EQ(text, before);
  EXPECT_EQ(text, shipped("net-heartbeat.c4m"));
  expect_net_heartbeat(ok(text, {}, Host::shim));
}

TEST(Shipped, T20NetHeartbeatInTheCurrentSpelling) {
  std::string text = shipped("net-heartbeat.c4m");
  text = replaced(text, "exec.heartbeat:         true", "exec.heartbeat.run: true");
  text = replaced(text, "exec.heartbeat_rate:    <<30 minutes>>", "exec.heartbeat.rate: <<30 minutes>>");
  text = replaced(text, "key._OP_HOSTINFO.use", "key._OP_HOST_VERSION.use");
  text = replaced(text, "key._OP_NODENAME.use", "key._OP_HOST_NODENAME.use");
  expect_net_heartbeat(ok(text));
}

TEST(Shipped, NetHeartbeatGuideEdits) {
  std::string text = shipped("net-heartbeat.c4m");
  text = replaced(text, "exec.heartbeat_rate:    <<30 minutes>>", "exec.heartbeat_rate: <<10 seconds>>");
  text = replaced(text,
                  "sink_config output_to_http {\n  enabled: false\n  sink:    \"post\"\n  uri:     "
                  "\"http://some.web.location/webhook\"\n}",
                  "sink_config output_to_http {\n  enabled: true\n  sink:    \"post\"\n  uri:     "
                  "\"http://some.web.location/webhook\"\n}");
  Settings s = ok(text);
  EXPECT_EQ(s.heartbeat_rate_us, 10'000'000);
  EXPECT_TRUE(s.sink_configs.at("output_to_http").enabled);
  EXPECT_EQ(s.sink_configs.at("output_to_http").uri, "http://some.web.location/webhook");
}

TEST(Shipped, T18S3GuideVerbatim) {
  Settings none = ok(k_s3_guide);
  EXPECT_EQ(none.log_level, "info");
  const SinkConfig& sink = none.sink_configs.at("my_s3_config");
  EXPECT_EQ(sink.uri, "");
  EXPECT_EQ(sink.secret, "");
  EXPECT_EQ(sink.uid, "");
  EXPECT_EQ(none.subscriptions.at("report"), std::vector<std::string>{"default_out"});
  EXPECT_TRUE(none.messages.empty());

  Settings bucket = ok(k_s3_guide, {{"AWS_S3_BUCKET_URI", "s3://bucket/reports"}});
  ASSERT_EQ(bucket.messages.size(), 1U);
  EXPECT_EQ(bucket.messages[0].level, "warn");
  EXPECT_EQ(bucket.messages[0].text, "To configure AWS must provide AWS_ACCESS_KEY_ID");
  EXPECT_EQ(bucket.subscriptions.at("report"), std::vector<std::string>{"default_out"});

  Settings no_secret = ok(k_s3_guide, {{"AWS_S3_BUCKET_URI", "s3://b"}, {"AWS_ACCESS_KEY_ID", "A"}});
  ASSERT_EQ(no_secret.messages.size(), 1U);
  EXPECT_EQ(no_secret.messages[0].text, "To configure AWS must provide AWS_SECRET_ACCESS_KEY");

  Settings all = ok(k_s3_guide, k_all_three);
  EXPECT_EQ(all.subscriptions.at("report"), (std::vector<std::string>{"default_out", "my_s3_config"}));
  EXPECT_EQ(all.sink_configs.at("my_s3_config").region, "us-east-1");
  EXPECT_EQ(all.sink_configs.at("my_s3_config").uri, "s3://bucket/reports");
  EXPECT_EQ(all.sink_configs.at("my_s3_config").uid, "AKIAEXAMPLE");
  ASSERT_EQ(all.messages.size(), 1U);
  EXPECT_EQ(all.messages[0].line,
            "t.c4m:1:1: warning: sink_config my_s3_config: no s3 region set; using 'us-east-1' (default; set "
            "region, AWS_REGION or AWS_DEFAULT_REGION to change it)");

  auto with_region = k_all_three;
  with_region["AWS_REGION"] = "eu-west-1";
  Settings eu = ok(k_s3_guide, with_region);
  EXPECT_EQ(eu.sink_configs.at("my_s3_config").region, "eu-west-1");
  ASSERT_EQ(eu.messages.size(), 1U);
  EXPECT_EQ(eu.messages[0].text,
            "sink_config my_s3_config: no s3 region set; using 'eu-west-1' from AWS_REGION");

  std::string in_file =
      replaced(k_s3_guide, "  sink:    \"s3\"\n", "  sink:    \"s3\"\n  region:  \"us-east-1\"\n");
  Settings pinned = ok(in_file, k_all_three);
  EXPECT_EQ(pinned.sink_configs.at("my_s3_config").region, "us-east-1");
  EXPECT_TRUE(pinned.messages.empty());

  std::string debug = replaced(k_s3_guide, "log_level = \"info\"", "log_level = \"debug\"");
  EXPECT_EQ(full_error(debug, k_all_three),
            "t.c4m:9:1: schema: When checking log_level: Value is not one of the valid choices: verbose, "
            "trace, info, warn, error, none");
}

TEST(Shipped, S3ReportsIsTheGuidePlusEndpoint) {
  std::string text = shipped("s3-reports.c4m");
  ASSERT_NE(text.find(std::string(k_s3_guide).substr(0, 200)), std::string::npos);
  Settings none = ok(text);
  EXPECT_EQ(none.log_level, "info");
  EXPECT_EQ(none.sink_configs.at("my_s3_config").endpoint, "");
  EXPECT_TRUE(none.messages.empty());
  auto vars = k_all_three;
  vars["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9000";
  vars["AWS_DEFAULT_REGION"] = "us-west-1";
  Settings all = ok(text, vars);
  EXPECT_EQ(all.sink_configs.at("my_s3_config").endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(all.sink_configs.at("my_s3_config").region, "us-west-1");
  EXPECT_EQ(all.subscriptions.at("report"), (std::vector<std::string>{"default_out", "my_s3_config"}));
  // In the shim, the config's log_level "info" makes its warnings visible.
  Settings shim = ok(text, vars, Host::shim);
  EXPECT_EQ(shim.subscriptions.at("report"), std::vector<std::string>{"my_s3_config"});
  EXPECT_EQ(shim.messages.size(), 1U);
}

TEST(Shipped, HttpReports) {
  std::string text = shipped("http-reports.c4m");
  Settings none = ok(text);
  EXPECT_EQ(none.subscriptions.at("report"), std::vector<std::string>{"default_out"});
  ASSERT_EQ(none.messages.size(), 1U);
  EXPECT_EQ(none.messages[0].text, "CHALK_POST_URL is not set: reports are not sent over HTTP");
  Settings shim_none = ok(text, {}, Host::shim);
  EXPECT_TRUE(shim_none.messages.empty());
  EXPECT_TRUE(shim_none.subscriptions.empty());

  Settings set = ok(text, {{"CHALK_POST_URL", "https://collector.example/chalk"},
                           {"CHALK_POST_HEADERS", "Authorization: Bearer abc\nX-Team: core\n"}});
  EXPECT_EQ(set.subscriptions.at("report"), (std::vector<std::string>{"default_out", "http_reports"}));
  const SinkConfig& sink = set.sink_configs.at("http_reports");
  EXPECT_EQ(sink.sink, "post");
  EXPECT_EQ(sink.uri, "https://collector.example/chalk");
  EXPECT_EQ(sink.headers.at("Authorization"), "Bearer abc");
  EXPECT_EQ(sink.headers.at("X-Team"), "core");
  EXPECT_TRUE(set.messages.empty());
  Settings shim = ok(text, {{"CHALK_POST_URL", "http://127.0.0.1:8080/"}}, Host::shim);
  EXPECT_EQ(shim.subscriptions.at("report"), std::vector<std::string>{"http_reports"});
  EXPECT_TRUE(shim.sink_configs.at("http_reports").headers.empty());
}

}  // namespace
}  // namespace chalk::config::test

namespace chalk::config::test {
namespace {

// The shim evaluates whatever text an image carries: every prefix and a few thousand
// byte flips of the shipped configs must give a result or an error line, never a crash.
TEST(Hostile, TruncatedAndCorruptedConfigsNeverCrash) {
  std::uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1664525U + 1013904223U;
    return seed >> 8;
  };
  for (const char* name : {"net-heartbeat.c4m", "s3-reports.c4m", "http-reports.c4m"}) {
    std::string text = shipped(name);
    for (std::size_t cut = 0; cut < text.size(); cut += 7) {
      auto r = evaluate(Source{name, text.substr(0, cut)}, env_with(k_all_three), Host::shim);
      if (!r) {
        EXPECT_EQ(r.error().message.rfind(std::string(name) + ":", 0), 0U) << r.error().message;
      }
    }
    for (int n = 0; n < 300; ++n) {
      std::string bad = text;
      for (int flips = 0; flips < 3; ++flips) bad[next() % bad.size()] = static_cast<char>(next() % 256);
      auto r = evaluate(Source{name, bad}, env_with(k_all_three), Host::shim);
      if (!r) {
        EXPECT_EQ(r.error().code, util::Errc::config);
      }
    }
  }
}

}  // namespace
}  // namespace chalk::config::test
