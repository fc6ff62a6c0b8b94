#include <gtest/gtest.h>

#include "plugin/deployments/reports.hpp"
#include "plugin/deployments/s3_reports.hpp"

namespace chalk::deployments {
namespace {

TEST(DeploymentsS3, ListingPagesKeysAndTokensUnescaped) {
  const auto page = parse_object_listing(
      "<?xml version=\"1.0\"?><ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated>"
      "<Contents><Key>fleet/op=build/dt=2023-09-18/1-A.json</Key></Contents>"
      "<Contents><Key>fleet/a&amp;b&#x2F;c.json</Key></Contents>"
      "<NextContinuationToken>tok&lt;1&gt;</NextContinuationToken></ListBucketResult>");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->keys,
            (std::vector<std::string>{"fleet/op=build/dt=2023-09-18/1-A.json", "fleet/a&b/c.json"}));
  EXPECT_EQ(page->next_token, "tok<1>");
  const auto last =
      parse_object_listing("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->keys.empty());
  EXPECT_TRUE(last->next_token.empty());
  EXPECT_FALSE(parse_object_listing("<Error><Code>AccessDenied</Code></Error>"));
}

// Answers listings page by page and objects by key, recording what was asked.
class FakeBucket final : public sinks::HttpTransport {
 public:
  std::vector<std::string> urls;
  std::vector<std::size_t> limits;
  sinks::HttpOutcome send(const sinks::HttpRequest& request) override {
    urls.push_back(request.url);
    limits.push_back(request.max_response_body);
    sinks::HttpOutcome outcome;
    outcome.status = 200;
    if (request.url.find("list-type=2") != std::string::npos) {
      const bool second = request.url.find("continuation-token=next%2Fpage") != std::string::npos;
      outcome.body =
          second ? "<ListBucketResult><Contents><Key>fleet/op=push/dt=2023-09-20/3-C.json</Key></Contents>"
                   "<IsTruncated>false</IsTruncated></ListBucketResult>"
                 : "<ListBucketResult><Contents><Key>fleet/op=build/dt=2023-09-18/1-A.json</Key></Contents>"
                   "<Contents><Key>fleet/op=build/dt=2023-09-19/2-B.json</Key></Contents>"
                   "<IsTruncated>true</IsTruncated><NextContinuationToken>next/page"
                   "</NextContinuationToken></ListBucketResult>";
    } else if (request.url.find("2-B.json") != std::string::npos) {
      outcome.status = 404;
      outcome.body = "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>";
    } else {
      outcome.body = R"({"_OPERATION":"push","_CHALKS":[{"METADATA_ID":"M","_REPO_DIGESTS":{"r":{"a":[")" +
                     std::string(64, 'a') + R"("]}}}]})" + "\n";
    }
    return outcome;
  }
};

class FixedClock final : public sinks::Clock {
 public:
  std::int64_t now_ms() override { return 1369353600000; }
  void sleep_ms(std::int64_t) override {}
};

TEST(DeploymentsS3, ListsEveryPageSignedAndSkipsPartitionsOutOfRangeAndMissingObjects) {
  config::SinkConfig config;
  config.name = "my_s3";
  config.sink = "s3";
  config.uri = "s3://bucket/fleet";
  config.uid = "AKIDEXAMPLE";
  config.secret = "secret";
  config.endpoint = "http://127.0.0.1:9000";
  auto s3 = sinks::S3Requests::make(config);
  ASSERT_TRUE(s3) << s3.error().message;
  FakeBucket bucket;
  FixedClock clock;
  Catalog catalog;
  Tally tally;
  std::vector<std::string> names;
  const auto read = read_s3_objects(
      *s3, bucket, clock, DateRange{"2023-09-19", ""},
      [&](const std::string& name, std::string_view text) {
        names.push_back(name);
        read_reports(text, name, catalog, tally);
      },
      tally);
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(bucket.urls.size(), 4U);  // page 1, 2-B (404), page 2, 3-C; 1-A is out of range
  EXPECT_EQ(bucket.urls[0], "http://127.0.0.1:9000/bucket?list-type=2&prefix=fleet%2F");
  EXPECT_EQ(bucket.urls[1], "http://127.0.0.1:9000/bucket/fleet/op%3Dbuild/dt%3D2023-09-19/2-B.json");
  EXPECT_EQ(bucket.urls[2],
            "http://127.0.0.1:9000/bucket?continuation-token=next%2Fpage&list-type=2&prefix=fleet%2F");
  EXPECT_GT(bucket.limits[3], 8192U);  // a whole object, not an error document's few KiB
  EXPECT_EQ(names, std::vector<std::string>{"s3://bucket/fleet/op=push/dt=2023-09-20/3-C.json"});
  ASSERT_EQ(tally.skipped.size(), 1U);
  EXPECT_EQ(tally.skipped[0].where, "s3://bucket/fleet/op=build/dt=2023-09-19/2-B.json");
  EXPECT_EQ(tally.skipped[0].cause,
            "reading `s3://bucket/fleet/op=build/dt=2023-09-19/2-B.json`: HTTP 404 NoSuchKey: gone");
  EXPECT_TRUE(catalog.by_digest("sha256:" + std::string(64, 'a')));
}

TEST(DeploymentsS3, GetRequestsAreSignedLikeTheSinksPuts) {
  config::SinkConfig config;
  config.uri = "s3://examplebucket/p";
  config.uid = "AKIAIOSFODNN7EXAMPLE";
  config.secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  auto s3 = sinks::S3Requests::make(config);
  ASSERT_TRUE(s3);
  const auto request = s3->make("GET", "", {{"max-keys", "2"}, {"prefix", "J"}}, "", 1369353600000);
  EXPECT_EQ(request.url, "https://examplebucket.s3.us-east-1.amazonaws.com/?max-keys=2&prefix=J");
  std::string authorization;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") authorization = value;
  }
  EXPECT_EQ(authorization.rfind(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=",
                0),
            0U)
      << authorization;
  EXPECT_EQ(authorization.find(config.secret), std::string::npos);
}

}  // namespace
}  // namespace chalk::deployments
