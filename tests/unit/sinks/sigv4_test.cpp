// SigV4 against AWS's published S3 examples ("Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk"): example credentials, bucket examplebucket,
// 2013-05-24T00:00:00Z, us-east-1.
#include "plugin/sinks/sigv4.hpp"

#include <gtest/gtest.h>

namespace chalk::sinks {
namespace {

constexpr const char* k_access_key = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* k_secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* k_empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(SigV4, MatchesAwsGetObjectExample) {
  SigV4Request request;
  request.method = "GET";
  request.canonical_uri = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", k_empty_sha256},
                     {"x-amz-date", "20130524T000000Z"}};
  request.payload_sha256 = k_empty_sha256;
  SigV4Signature sig = sign_sigv4(request, k_access_key, k_secret_key, "us-east-1", "s3", "20130524T000000Z");

  EXPECT_EQ(sig.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(sig.canonical_request),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(sig.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(sig.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(sig.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, MatchesAwsPutObjectExampleWithEncodedKey) {
  std::string body = "Welcome to Amazon S3.";
  std::string payload = sha256_hex(body);
  ASSERT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");

  SigV4Request request;
  request.method = "PUT";
  request.canonical_uri = uri_encode_path("/test$file.text");
  ASSERT_EQ(request.canonical_uri, "/test%24file.text");
  request.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-content-sha256", payload},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  request.payload_sha256 = payload;
  SigV4Signature sig = sign_sigv4(request, k_access_key, k_secret_key, "us-east-1", "s3", "20130524T000000Z");

  EXPECT_EQ(sha256_hex(sig.canonical_request),
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(sig.signed_headers, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(sig.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, HeaderOrderAndValueSpacingDoNotChangeTheSignature) {
  SigV4Request sorted;
  sorted.method = "GET";
  sorted.canonical_uri = "/test.txt";
  sorted.headers = {{"host", "examplebucket.s3.amazonaws.com"},
                    {"range", "bytes=0-9"},
                    {"x-amz-content-sha256", k_empty_sha256},
                    {"x-amz-date", "20130524T000000Z"}};
  sorted.payload_sha256 = k_empty_sha256;
  SigV4Request shuffled = sorted;
  shuffled.headers = {{"X-Amz-Date", "20130524T000000Z"},
                      {"RANGE", "  bytes=0-9 "},
                      {"x-amz-content-sha256", k_empty_sha256},
                      {"Host", "examplebucket.s3.amazonaws.com"}};
  EXPECT_EQ(
      sign_sigv4(sorted, k_access_key, k_secret_key, "us-east-1", "s3", "20130524T000000Z").signature,
      sign_sigv4(shuffled, k_access_key, k_secret_key, "us-east-1", "s3", "20130524T000000Z").signature);
}

TEST(SigV4, FormatsAmzDateInUtc) {
  EXPECT_EQ(amz_date(1369353600000), "20130524T000000Z");
  EXPECT_EQ(amz_date(1695414005130), "20230922T202005Z");
}

TEST(SigV4, EncodesEverythingButUnreservedAndSlash) {
  EXPECT_EQ(uri_encode_path("/b/r/op=heartbeat/dt=2023-09-22/1695414005130-AB.json"),
            "/b/r/op%3Dheartbeat/dt%3D2023-09-22/1695414005130-AB.json");
  EXPECT_EQ(uri_encode_path("/a b+c~d_e.f"), "/a%20b%2Bc~d_e.f");
  EXPECT_EQ(uri_encode_path("/\xC3\xA9"), "/%C3%A9");
}

}  // namespace
}  // namespace chalk::sinks
