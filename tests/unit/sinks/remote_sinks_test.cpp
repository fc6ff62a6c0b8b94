// post and s3 sinks over a fake transport and clock: request shape, retry/backoff policy,
// S3 keys, and that no credential reaches an error.
#include "plugin/sinks/remote_sinks.hpp"

#include <gtest/gtest.h>

#include "plugin/sinks/sigv4.hpp"
#include "tests/unit/sinks/fakes.hpp"

namespace chalk::sinks {
namespace {

using testing::CountingRandom;
using testing::failure;
using testing::FakeClock;
using testing::FakeTransport;
using testing::status;

constexpr std::int64_t k_now = 1695414005130;  // 2023-09-22T20:20:05.130Z

std::string header(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

config::SinkConfig post_config(std::string uri = "https://reports.example.com/in") {
  config::SinkConfig config;
  config.name = "http";
  config.sink = "post";
  config.uri = std::move(uri);
  return config;
}

config::SinkConfig s3_config() {
  config::SinkConfig config;
  config.name = "bucket";
  config.sink = "s3";
  config.uri = "s3://my-bucket/fleet/reports/";
  config.uid = "AKIDEXAMPLE";
  config.secret = "TOP-SECRET-KEY";
  return config;
}

nlohmann::json heartbeat() { return {{"_OPERATION", "heartbeat"}, {"_TIMESTAMP", k_now}, {"CHALK_ID", "X"}}; }

Delivery send(FakeTransport& transport, FakeClock& clock) {
  HttpRequest request;
  request.method = "POST";
  request.url = "http://127.0.0.1:1/x";
  return send_with_retries(transport, clock, request,
                           [](const HttpOutcome& o) { return std::to_string(o.status); });
}

TEST(Retry, SuccessNeedsOneAttempt) {
  FakeTransport transport({status(204)});
  FakeClock clock(k_now);
  EXPECT_EQ(send(transport, clock).state, DeliveryState::delivered);
  EXPECT_EQ(transport.requests().size(), 1U);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(Retry, ServerErrorsAreRetriedAfter100ThenAfter400Ms) {
  FakeTransport transport({status(500), status(502), status(200)});
  FakeClock clock(k_now);
  EXPECT_EQ(send(transport, clock).state, DeliveryState::delivered);
  EXPECT_EQ(transport.requests().size(), 3U);
  EXPECT_EQ(clock.sleeps(), (std::vector<std::int64_t>{100, 400}));
}

TEST(Retry, GivesUpAfterThreeAttemptsWithoutDisabling) {
  FakeTransport transport({status(503)});
  FakeClock clock(k_now);
  Delivery result = send(transport, clock);
  EXPECT_EQ(result.state, DeliveryState::failed);
  EXPECT_EQ(result.cause, "POST `http://127.0.0.1:1/x`: 503 (after 3 attempts)");
  EXPECT_EQ(transport.requests().size(), 3U);
  EXPECT_EQ(clock.sleeps(), (std::vector<std::int64_t>{100, 400}));
}

TEST(Retry, ConnectErrorsTimeoutsAndTooManyRequestsAreRetried) {
  FakeTransport transport({failure(TransportFailure::connect, "refused"),
                           failure(TransportFailure::timeout, "timed out"), status(429)});
  FakeClock clock(k_now);
  Delivery result = send(transport, clock);
  EXPECT_EQ(result.state, DeliveryState::failed);
  EXPECT_EQ(transport.requests().size(), 3U);

  FakeTransport recovers({failure(TransportFailure::timeout, "timed out"), status(200)});
  EXPECT_EQ(send(recovers, clock).state, DeliveryState::delivered);
  EXPECT_EQ(recovers.requests().size(), 2U);
}

TEST(Retry, ClientErrorsAreFinalAndDisable) {
  FakeTransport transport({status(404), status(200)});
  FakeClock clock(k_now);
  Delivery result = send(transport, clock);
  EXPECT_EQ(result.state, DeliveryState::failed_permanently);
  EXPECT_EQ(result.cause, "POST `http://127.0.0.1:1/x`: 404; sink disabled");
  EXPECT_EQ(transport.requests().size(), 1U);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(Retry, RedirectsAreNotFollowedAndAreFinal) {
  FakeTransport transport({status(301)});
  FakeClock clock(k_now);
  EXPECT_EQ(send(transport, clock).state, DeliveryState::failed_permanently);
  EXPECT_EQ(transport.requests().size(), 1U);
}

TEST(Retry, TlsFailuresAreNotRetried) {
  FakeTransport transport({failure(TransportFailure::tls, "certificate verify failed")});
  FakeClock clock(k_now);
  Delivery result = send(transport, clock);
  EXPECT_EQ(result.state, DeliveryState::failed_permanently);
  EXPECT_EQ(transport.requests().size(), 1U);
}

TEST(Retry, CancelledRequestsAreNotSent) {
  FakeTransport transport;
  FakeClock clock(k_now);
  std::atomic<bool> cancel{true};
  HttpRequest request;
  request.method = "POST";
  request.url = "http://127.0.0.1:1/x";
  request.cancel = &cancel;
  Delivery result =
      send_with_retries(transport, clock, request, [](const HttpOutcome&) { return std::string(); });
  EXPECT_EQ(result.state, DeliveryState::failed);
  EXPECT_TRUE(transport.requests().empty());
}

TEST(PostSink, SendsTheArrayWithJsonContentTypeAndUserHeaders) {
  FakeTransport transport;
  FakeClock clock(k_now);
  config::SinkConfig config = post_config();
  config.headers = {{"X-Team", "platform"}};
  auto sink = make_post_sink(config, transport, clock);
  EXPECT_EQ(sink->deliver({{"_OPERATION", "build"}}).state, DeliveryState::delivered);
  auto request = transport.requests().at(0);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://reports.example.com/in");
  EXPECT_EQ(request.body, R"([{"_OPERATION":"build"}])");
  EXPECT_EQ(header(request, "Content-Type"), "application/json");
  EXPECT_EQ(header(request, "X-Team"), "platform");
  EXPECT_EQ(request.timeout_ms, 5000);
}

TEST(PostSink, HonoursContentTypeAndTimeout) {
  FakeTransport transport;
  FakeClock clock(k_now);
  config::SinkConfig config = post_config();
  config.content_type = "application/x-ndjson";
  config.timeout_ms = 1500;
  auto sink = make_post_sink(config, transport, clock);
  (void)sink->deliver({{"a", 1}});
  EXPECT_EQ(header(transport.requests().at(0), "Content-Type"), "application/x-ndjson");
  EXPECT_EQ(transport.requests().at(0).timeout_ms, 1500);
}

TEST(PostSink, FailureCauseHidesCredentialsInUriAndHeaders) {
  FakeTransport transport({status(401)});
  FakeClock clock(k_now);
  config::SinkConfig config = post_config("https://bob:hunter2@reports.example.com/in?api_key=K3Y");
  config.headers = {{"Authorization", "Bearer SECRET-TOKEN"}};
  auto sink = make_post_sink(config, transport, clock);
  Delivery result = sink->deliver({{"a", 1}});
  EXPECT_EQ(result.state, DeliveryState::failed_permanently);
  EXPECT_EQ(result.cause, "POST `https://reports.example.com/in`: HTTP 401; sink disabled");
}

TEST(S3Key, FollowsThePartitionScheme) {
  std::string random26(26, 'Z');
  EXPECT_EQ(s3_object_key("r", "heartbeat", k_now, random26),
            "r/op=heartbeat/dt=2023-09-22/1695414005130-ZZZZZZZZZZZZZZZZZZZZZZZZZZ.json");
  EXPECT_EQ(s3_object_key("", "build", k_now, random26),
            "op=build/dt=2023-09-22/1695414005130-" + random26 + ".json");
  EXPECT_EQ(s3_object_key("a/b", "exec", 5, random26),
            "a/b/op=exec/dt=1970-01-01/0000000000005-" + random26 + ".json");
  EXPECT_EQ(s3_object_key("p", "we/ird op", k_now, random26).substr(0, 15), "p/op=we_ird_op/");
}

TEST(S3Key, RandomPartUsesTheIdAlphabet) {
  CountingRandom random;
  EXPECT_EQ(random_id_chars(random, 26), "0123456789ABCDEFGHJKMNPQRS");
  std::string more = random_id_chars(random, 26);
  EXPECT_EQ(more.size(), 26U);
  EXPECT_EQ(more.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos) << more;
}

TEST(S3Uri, SplitsBucketAndPrefix) {
  auto full = parse_s3_uri("s3://bucket/some/prefix/");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->bucket, "bucket");
  EXPECT_EQ(full->prefix, "some/prefix");
  auto bare = parse_s3_uri("s3://bucket");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->prefix, "");
  EXPECT_FALSE(parse_s3_uri("s3:///prefix").ok());
  auto wrong = parse_s3_uri("https://bucket/prefix");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message, "uri `https://bucket/prefix`: expected s3://BUCKET/PREFIX");
}

TEST(S3Sink, PutsOneSignedObjectPerReportToTheVirtualHostEndpoint) {
  FakeTransport transport;
  FakeClock clock(k_now);
  CountingRandom random;
  config::SinkConfig config = s3_config();
  config.region = "eu-west-1";
  auto sink = make_s3_sink(config, transport, clock, random);
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  EXPECT_EQ((*sink)->deliver(heartbeat()).state, DeliveryState::delivered);

  HttpRequest request = transport.requests().at(0);
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.url,
            "https://my-bucket.s3.eu-west-1.amazonaws.com/fleet/reports/op%3Dheartbeat/dt%3D2023-09-22/"
            "1695414005130-0123456789ABCDEFGHJKMNPQRS.json");
  EXPECT_EQ(request.body, heartbeat().dump() + "\n");
  EXPECT_EQ(header(request, "Host"), "my-bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(header(request, "Content-Type"), "application/json");
  EXPECT_EQ(header(request, "x-amz-content-sha256"), sha256_hex(request.body));
  EXPECT_EQ(header(request, "x-amz-date"), "20230922T202005Z");
  EXPECT_EQ(header(request, "x-amz-security-token"), "<absent>");
  std::string auth = header(request, "Authorization");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20230922/eu-west-1/s3/aws4_request, "
                       "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=",
                       0),
            0U)
      << auth;

  // The signature covers exactly what was sent.
  SigV4Request signing;
  signing.method = "PUT";
  signing.canonical_uri =
      request.url.substr(std::string("https://my-bucket.s3.eu-west-1.amazonaws.com").size());
  signing.headers.assign(request.headers.begin(), request.headers.end() - 1);
  signing.payload_sha256 = sha256_hex(request.body);
  EXPECT_EQ(auth, sign_sigv4(signing, "AKIDEXAMPLE", "TOP-SECRET-KEY", "eu-west-1", "s3", "20230922T202005Z")
                      .authorization);
}

TEST(S3Sink, UsesPathStyleWithAnEndpointAndSignsTheSessionToken) {
  FakeTransport transport;
  FakeClock clock(k_now);
  CountingRandom random;
  config::SinkConfig config = s3_config();
  config.uri = "s3://my-bucket";
  config.endpoint = "http://127.0.0.1:4568/";
  config.token = "SESSION";
  auto sink = make_s3_sink(config, transport, clock, random);
  ASSERT_TRUE(sink.ok());
  (void)(*sink)->deliver({{"_OPERATION", "build"}});
  HttpRequest request = transport.requests().at(0);
  EXPECT_EQ(request.url,
            "http://127.0.0.1:4568/my-bucket/op%3Dbuild/dt%3D2023-09-22/"
            "1695414005130-0123456789ABCDEFGHJKMNPQRS.json");
  EXPECT_EQ(header(request, "Host"), "127.0.0.1:4568");
  EXPECT_EQ(header(request, "x-amz-security-token"), "SESSION");
  EXPECT_NE(header(request, "Authorization").find("/us-east-1/s3/aws4_request"), std::string::npos);
  EXPECT_NE(header(request, "Authorization").find("x-amz-security-token"), std::string::npos);
}

TEST(S3Sink, ReportsTheS3ErrorCodeButNothingSecret) {
  std::string error_xml =
      "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we "
      "calculated does not match the signature you "
      "provided.</Message><AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId>"
      "<StringToSign>AWS4-HMAC-SHA256...</StringToSign></Error>";
  FakeTransport transport({status(403, error_xml)});
  FakeClock clock(k_now);
  CountingRandom random;
  auto sink = make_s3_sink(s3_config(), transport, clock, random);
  ASSERT_TRUE(sink.ok());
  Delivery result = (*sink)->deliver(heartbeat());
  EXPECT_EQ(result.state, DeliveryState::failed_permanently);
  EXPECT_NE(
      result.cause.find("HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match"),
      std::string::npos)
      << result.cause;
  EXPECT_EQ(result.cause.find("AKIDEXAMPLE"), std::string::npos);
  EXPECT_EQ(result.cause.find("TOP-SECRET-KEY"), std::string::npos);
  EXPECT_EQ(result.cause.find("Signature="), std::string::npos);
}

TEST(S3Sink, RejectsConfigurationsThatCannotWork) {
  FakeTransport transport;
  FakeClock clock(k_now);
  CountingRandom random;
  config::SinkConfig no_secret = s3_config();
  no_secret.secret.clear();
  EXPECT_FALSE(make_s3_sink(no_secret, transport, clock, random).ok());
  config::SinkConfig bad_endpoint = s3_config();
  bad_endpoint.endpoint = "ftp://host";
  EXPECT_FALSE(make_s3_sink(bad_endpoint, transport, clock, random).ok());
}

}  // namespace
}  // namespace chalk::sinks
