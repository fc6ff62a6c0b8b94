// The registry client against an in-process fake registry (tests/support/fake_registry.hpp):
// what it sends (HEADs, mounts, uploads, chunk ranges, media types, auth) and what it refuses.
#include <gtest/gtest.h>

#include <algorithm>

#include "oci/reference.hpp"
#include "oci/registry.hpp"
#include "oci/registry_image.hpp"
#include "tests/support/fake_registry.hpp"
#include "tests/support/image_fixtures.hpp"

namespace oci {
namespace {

using chalk::testing::FakeRegistry;
using chalk::testing::HttpRequest;
using chalk::testing::patterned;

using Auth = FakeRegistry::Auth;

Descriptor blob_descriptor(const std::string& bytes) {
  return Descriptor{media_type::oci_layer, sha256_digest(bytes), bytes.size()};
}

// An opener that hands out `bytes` and counts how often it was asked.
struct Opener {
  std::string bytes;
  int opened = 0;
  std::function<Result<std::unique_ptr<ByteStream>>()> function() {
    return [this]() -> Result<std::unique_ptr<ByteStream>> {
      ++opened;
      return std::unique_ptr<ByteStream>(std::make_unique<MemoryStream>(bytes));
    };
  }
};

RegistryOptions options_with(std::optional<Credentials> credentials = std::nullopt) {
  RegistryOptions options;
  options.certs_directory = "/nonexistent";
  if (credentials) {
    options.credentials = [credentials](std::string_view) -> Result<std::optional<Credentials>> {
      return credentials;
    };
  }
  return options;
}

Credentials user(const std::string& password = "s3cret-pa55") { return Credentials{"chalk", password, ""}; }

bool one_line(const std::string& message) { return message.find('\n') == std::string::npos; }

TEST(RegistryPushBlob, HeadFirstSkipsABlobTheRegistryHas) {
  FakeRegistry registry;
  const std::string bytes = "layer bytes";
  registry.add_blob("app", bytes);
  RegistryClient client(registry.host(), options_with());
  Opener opener{bytes};
  auto pushed = client.push_blob("app", blob_descriptor(bytes), opener.function());
  ASSERT_TRUE(pushed) << pushed.error().message;
  EXPECT_FALSE(*pushed);
  EXPECT_EQ(opener.opened, 0);
  EXPECT_EQ(client.bytes_uploaded(), 0u);
  const auto digest = sha256_digest(bytes).str();
  EXPECT_EQ(registry.calls(), std::vector<std::string>{"HEAD /v2/app/blobs/" + digest});
}

TEST(RegistryPushBlob, SmallBlobIsOneMonolithicPut) {
  FakeRegistry registry;
  const std::string bytes = patterned(5000);
  RegistryClient client(registry.host(), options_with());
  Opener opener{bytes};
  auto pushed = client.push_blob("team/app", blob_descriptor(bytes), opener.function());
  ASSERT_TRUE(pushed) << pushed.error().message;
  EXPECT_TRUE(*pushed);
  const auto digest = sha256_digest(bytes).str();
  EXPECT_EQ(registry.calls(),
            (std::vector<std::string>{"HEAD /v2/team/app/blobs/" + digest, "POST /v2/team/app/blobs/uploads/",
                                      "PUT /v2/team/app/blobs/uploads/session-1"}));
  const HttpRequest put = registry.server().requests().back();
  EXPECT_NE(put.target.find("digest=" + digest), std::string::npos) << put.target;
  EXPECT_EQ(put.body, bytes);
  EXPECT_EQ(registry.blob("team/app", digest), bytes);
  EXPECT_EQ(client.bytes_uploaded(), bytes.size());
}

TEST(RegistryPushBlob, LargeBlobGoesInPatchChunksWithTheirRanges) {
  FakeRegistry registry;
  const std::string bytes = patterned(2500);
  RegistryOptions options = options_with();
  options.chunk_size = 1000;
  RegistryClient client(registry.host(), options);
  Opener opener{bytes};
  auto pushed = client.push_blob("app", blob_descriptor(bytes), opener.function());
  ASSERT_TRUE(pushed) << pushed.error().message;
  std::vector<std::string> ranges;
  std::vector<std::size_t> sizes;
  std::string last_put_body = "unset";
  for (const auto& request : registry.server().requests()) {
    if (request.method == "PATCH") {
      ranges.push_back(request.header("Content-Range"));
      sizes.push_back(request.body.size());
    }
    if (request.method == "PUT") last_put_body = request.body;
  }
  EXPECT_EQ(ranges, (std::vector<std::string>{"0-999", "1000-1999", "2000-2499"}));
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1000, 1000, 500}));
  EXPECT_EQ(last_put_body, "");  // the closing PUT carries only the digest
  EXPECT_EQ(registry.blob("app", sha256_digest(bytes).str()), bytes);
  EXPECT_EQ(client.bytes_uploaded(), bytes.size());
}

TEST(RegistryPushBlob, MountsFromAnotherRepositoryWithoutSendingBytes) {
  FakeRegistry registry;
  const std::string bytes = "shared base layer";
  const std::string digest = registry.add_blob("base", bytes);
  RegistryClient client(registry.host(), options_with());
  Opener opener{bytes};
  auto pushed = client.push_blob("app", blob_descriptor(bytes), opener.function(), "base");
  ASSERT_TRUE(pushed) << pushed.error().message;
  EXPECT_FALSE(*pushed);
  EXPECT_EQ(opener.opened, 0);
  const HttpRequest post = registry.server().requests().back();
  EXPECT_EQ(post.method, "POST");
  EXPECT_NE(post.target.find("mount=" + digest), std::string::npos) << post.target;
  EXPECT_NE(post.target.find("from=base"), std::string::npos) << post.target;
  EXPECT_EQ(registry.blob("app", digest), bytes);
}

TEST(RegistryPushBlob, MountRefusedFallsBackToAnUpload) {
  FakeRegistry registry({.mount = false});
  const std::string bytes = "shared base layer";
  const std::string digest = registry.add_blob("base", bytes);
  RegistryClient client(registry.host(), options_with());
  Opener opener{bytes};
  auto pushed = client.push_blob("app", blob_descriptor(bytes), opener.function(), "base");
  ASSERT_TRUE(pushed) << pushed.error().message;
  EXPECT_TRUE(*pushed);
  EXPECT_EQ(opener.opened, 1);
  EXPECT_EQ(registry.calls().back(), "PUT /v2/app/blobs/uploads/session-1");
  EXPECT_EQ(registry.blob("app", digest), bytes);
}

TEST(RegistryPushBlob, BlobLocationsFileMountsWhatAnEarlierRunSent) {
  FakeRegistry registry;
  chalk::testing::TempDir dir;
  const std::string bytes = "the shim layer";
  RegistryOptions options = options_with();
  options.blob_locations = dir / "cache" / "blob-locations";
  {
    RegistryClient first(registry.host(), options);
    Opener opener{bytes};
    ASSERT_TRUE(first.push_blob("one", blob_descriptor(bytes), opener.function()));
  }
  RegistryClient second(registry.host(), options);
  Opener opener{bytes};
  auto pushed = second.push_blob("two", blob_descriptor(bytes), opener.function());
  ASSERT_TRUE(pushed) << pushed.error().message;
  EXPECT_FALSE(*pushed);
  EXPECT_EQ(opener.opened, 0);
  EXPECT_NE(registry.server().requests().back().target.find("from=one"), std::string::npos);
}

TEST(RegistryManifest, PutCarriesItsMediaTypeAndGetReadsItBack) {
  FakeRegistry registry;
  const std::string bytes = R"({"schemaVersion":2,"mediaType":")" + std::string(media_type::docker_manifest) +
                            R"(","config":{},"layers":[]})";
  const Descriptor descriptor{media_type::docker_manifest, sha256_digest(bytes), bytes.size()};
  RegistryClient client(registry.host(), options_with());
  auto put = client.put_manifest("app", "v1", descriptor, bytes);
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(registry.server().requests().back().header("Content-Type"), media_type::docker_manifest);
  EXPECT_EQ(registry.manifest("app", "v1")->first, media_type::docker_manifest);

  auto got = client.get_manifest("app", "v1");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->bytes, bytes);
  EXPECT_EQ(got->descriptor.digest, descriptor.digest);
  EXPECT_EQ(got->descriptor.media_type, media_type::docker_manifest);
  const std::string accept = registry.server().requests().back().header("Accept");
  for (const char* type : {media_type::oci_manifest, media_type::oci_index, media_type::docker_manifest,
                           media_type::docker_manifest_list}) {
    EXPECT_NE(accept.find(type), std::string::npos) << type;
  }
}

TEST(RegistryDigests, ManifestWhoseStatedDigestDiffersIsRefusedNamingTheEndpoint) {
  FakeRegistry registry({.lie_about_digests = true});
  const std::string bytes = R"({"schemaVersion":2,"mediaType":")" + std::string(media_type::oci_manifest) +
                            R"(","config":{},"layers":[]})";
  registry.add_manifest("app", "v1", media_type::oci_manifest, bytes);
  RegistryClient client(registry.host(), options_with());
  auto got = client.get_manifest("app", "v1");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::digest_mismatch);
  EXPECT_NE(got.error().message.find("registry `" + registry.host() + "`: manifest `app:v1`"),
            std::string::npos)
      << got.error().message;
  EXPECT_NE(got.error().message.find(sha256_digest(bytes).str()), std::string::npos);
}

TEST(RegistryDigests, UploadAnsweredWithAnotherDigestIsAnError) {
  FakeRegistry registry({.lie_about_digests = true});
  const std::string bytes = "layer";
  RegistryClient client(registry.host(), options_with());
  Opener opener{bytes};
  auto pushed = client.push_blob("app", blob_descriptor(bytes), opener.function());
  ASSERT_FALSE(pushed);
  EXPECT_EQ(pushed.error().code, Errc::digest_mismatch);
  EXPECT_NE(pushed.error().message.find("registry `" + registry.host() + "`: blob " +
                                        sha256_digest(bytes).str() + " in `app`"),
            std::string::npos)
      << pushed.error().message;
}

TEST(RegistryDigests, ManifestPutStoredUnderAnotherDigestIsAnError) {
  FakeRegistry registry({.lie_about_digests = true});
  const std::string bytes = R"({"schemaVersion":2})";
  RegistryClient client(registry.host(), options_with());
  auto put =
      client.put_manifest("app", "v1", {media_type::oci_manifest, sha256_digest(bytes), bytes.size()}, bytes);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, Errc::digest_mismatch);
  EXPECT_NE(put.error().message.find("putting manifest `app:v1`"), std::string::npos) << put.error().message;
}

TEST(RegistryAuth, BearerTokenFromTheChallengeIsFetchedOncePerScope) {
  FakeRegistry registry({.auth = Auth::bearer});
  registry.add_blob("app", "a");
  registry.add_blob("app", "b");
  RegistryClient client(registry.host(), options_with(user()));
  ASSERT_TRUE(*client.has_blob("app", blob_descriptor("a")));
  ASSERT_TRUE(*client.has_blob("app", blob_descriptor("b")));
  auto tokens = registry.token_requests();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_NE(tokens[0].target.find("service=fake-registry"), std::string::npos) << tokens[0].target;
  EXPECT_NE(tokens[0].target.find("scope=repository%3Aapp%3Apull"), std::string::npos) << tokens[0].target;
  EXPECT_EQ(tokens[0].header("Authorization"), "Basic " + base64_encode("chalk:s3cret-pa55"));
  // The /v2/ ping taught the client the realm: every HEAD already carries the token.
  for (const auto& request : registry.server().requests()) {
    if (request.method == "HEAD") {
      EXPECT_EQ(request.header("Authorization"), "Bearer token-1") << request.target;
    }
  }

  // Another scope is another token.
  registry.add_blob("other", "c");
  ASSERT_TRUE(*client.has_blob("other", blob_descriptor("c")));
  EXPECT_EQ(registry.token_requests().size(), 2u);
}

TEST(RegistryAuth, AnonymousBearerTokenCarriesNoCredentials) {
  FakeRegistry registry({.auth = Auth::bearer});
  registry.add_blob("app", "a");
  RegistryClient client(registry.host(), options_with());
  auto present = client.has_blob("app", blob_descriptor("a"));
  ASSERT_TRUE(present) << present.error().message;
  EXPECT_TRUE(*present);
  ASSERT_EQ(registry.token_requests().size(), 1u);
  EXPECT_EQ(registry.token_requests()[0].header("Authorization"), "");
}

TEST(RegistryAuth, BasicAuthSendsTheCredentials) {
  FakeRegistry registry({.auth = Auth::basic});
  registry.add_blob("app", "a");
  RegistryClient client(registry.host(), options_with(user()));
  auto present = client.has_blob("app", blob_descriptor("a"));
  ASSERT_TRUE(present) << present.error().message;
  EXPECT_TRUE(*present);
  EXPECT_EQ(registry.server().requests().back().header("Authorization"),
            "Basic " + base64_encode("chalk:s3cret-pa55"));
  EXPECT_TRUE(registry.token_requests().empty());
}

TEST(RegistryAuth, WrongBasicPasswordIsOneLineWithoutThePassword) {
  FakeRegistry registry({.auth = Auth::basic});
  registry.add_blob("app", "a");
  RegistryClient client(registry.host(), options_with(user("wr0ng-Secret")));
  auto present = client.has_blob("app", blob_descriptor("a"));
  ASSERT_FALSE(present);
  const std::string& message = present.error().message;
  EXPECT_NE(message.find("HTTP 401: authentication failed"), std::string::npos) << message;
  EXPECT_NE(message.find(registry.host()), std::string::npos) << message;
  EXPECT_EQ(message.find("wr0ng-Secret"), std::string::npos) << message;
  EXPECT_EQ(message.find(base64_encode("chalk:wr0ng-Secret")), std::string::npos) << message;
  EXPECT_TRUE(one_line(message)) << message;
}

TEST(RegistryAuth, WrongPasswordAtTheTokenServerIsOneLineWithoutThePassword) {
  FakeRegistry registry({.auth = Auth::bearer});
  RegistryClient client(registry.host(), options_with(user("wr0ng-Secret")));
  auto present = client.has_blob("app", blob_descriptor("a"));
  ASSERT_FALSE(present);
  const std::string& message = present.error().message;
  EXPECT_NE(message.find("token server `http://" + registry.host() + "/token`: authentication failed"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("wr0ng-Secret"), std::string::npos) << message;
  EXPECT_TRUE(one_line(message)) << message;
}

TEST(RegistryFaults, ConnectionClosedMidUploadIsAnErrorAndStoresNothing) {
  FakeRegistry registry;
  const std::string bytes = patterned(4 << 20);
  registry.server().set_cut([](const HttpRequest& request) -> std::optional<std::size_t> {
    if (request.method == "PUT") return 1000;
    return std::nullopt;
  });
  RegistryClient client(registry.host(), options_with());
  Opener opener{bytes};
  auto pushed = client.push_blob("app", blob_descriptor(bytes), opener.function());
  ASSERT_FALSE(pushed);
  EXPECT_EQ(pushed.error().code, Errc::registry);
  EXPECT_NE(pushed.error().message.find("registry `" + registry.host() + "`: PUT http://" + registry.host() +
                                        "/v2/app/blobs/uploads/session-1"),
            std::string::npos)
      << pushed.error().message;
  EXPECT_TRUE(one_line(pushed.error().message));
  EXPECT_FALSE(registry.blob("app", sha256_digest(bytes).str()));
}

TEST(RegistryTransport, PlainHttpIsRefusedForANonLoopbackHostUnlessTlsVerifyIsOff) {
  FakeRegistry registry;
  registry.add_blob("app", "a");
  // 0.0.0.0 is not a loopback name to the client, yet the kernel delivers it to 127.0.0.1:
  // the test reaches the fake registry without leaving the machine.
  const std::string host = "0.0.0.0:" + std::to_string(registry.server().port());
  RegistryClient verified(host, options_with());
  auto refused = verified.has_blob("app", blob_descriptor("a"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("https://" + host), std::string::npos) << refused.error().message;
  EXPECT_TRUE(registry.calls().empty());  // nothing reached the registry over plain HTTP

  RegistryOptions insecure = options_with();
  insecure.tls_verify = false;
  RegistryClient unverified(host, insecure);
  auto present = unverified.has_blob("app", blob_descriptor("a"));
  ASSERT_TRUE(present) << present.error().message;
  EXPECT_TRUE(*present);
}

TEST(RegistryTransport, LoopbackRegistryMayUsePlainHttp) {
  FakeRegistry registry;
  registry.add_blob("app", "a");
  RegistryClient client(registry.host(), options_with());
  auto present = client.has_blob("app", blob_descriptor("a"));
  ASSERT_TRUE(present) << present.error().message;
  EXPECT_TRUE(*present);
}

// One libcurl handle serves a client's requests: a registry that keeps connections open sees
// one connection for all of them (and one for the TLS attempt a loopback registry refuses).
TEST(RegistryTransport, OneConnectionServesEveryRequest) {
  FakeRegistry registry;
  registry.server().set_keep_alive(true);
  registry.add_image("app", "v1", patterned(3000));
  RegistryClient client(registry.host(), options_with());
  auto manifest = client.get_manifest("app", "v1");
  ASSERT_TRUE(manifest) << manifest.error().message;
  const std::string bytes = patterned(5000);
  Opener opener{bytes};
  auto pushed = client.push_blob("app", blob_descriptor(bytes), opener.function());
  ASSERT_TRUE(pushed) << pushed.error().message;
  EXPECT_EQ(registry.calls().size(), 4u);  // GET manifest, HEAD, POST, PUT (and the ping)
  EXPECT_EQ(registry.server().connections(), 2);
}

TEST(RegistryImage, ReadingFetchesTheManifestAndConfigButNoLayer) {
  FakeRegistry registry;
  const std::string layer = patterned(3000);
  registry.add_image("app", "v1", layer);
  auto client = std::make_shared<RegistryClient>(registry.host(), options_with());
  auto reference = parse_reference(registry.host() + "/app:v1");
  ASSERT_TRUE(reference);
  auto set = read_registry_image(client, *reference);
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->entries.size(), 1u);
  ASSERT_TRUE(set->entries[0].node.is_image());
  const auto calls = registry.calls();
  EXPECT_EQ(calls.front(), "GET /v2/app/manifests/v1");
  for (const auto& call : calls) {
    EXPECT_EQ(call.find(sha256_digest(layer).str()), std::string::npos) << call;
  }
}

// A fake registry holding app:v1 (one layer), and what writing that image elsewhere sends.
class RegistryRewrite : public ::testing::Test {
 protected:
  struct Rewritten {
    Result<PushedNode> pushed = make_error(Errc::registry, "not written");
    Digest source;                      // of the manifest read
    std::vector<HttpRequest> requests;  // of the write alone
  };

  void SetUp() override { registry.add_image("app", "v1", layer); }

  Rewritten rewrite(const std::string& target) {
    Rewritten out;
    auto client = std::make_shared<RegistryClient>(registry.host(), options_with());
    auto set = read_registry_image(client, *parse_reference(registry.host() + "/app:v1"));
    if (!set) {
      out.pushed = set.error();
      return out;
    }
    out.source = set->entries[0].node.descriptor().digest;
    const std::size_t before = registry.server().requests().size();
    out.pushed =
        write_registry_image(*client, set->entries[0].node, *parse_reference(registry.host() + "/" + target));
    const auto requests = registry.server().requests();
    out.requests.assign(requests.begin() + static_cast<std::ptrdiff_t>(before), requests.end());
    return out;
  }

  FakeRegistry registry;
  const std::string layer = patterned(3000);
};

TEST_F(RegistryRewrite, WritingMountsBlobsFromTheSourceAndMovesTheTagLast) {
  const Rewritten copy = rewrite("copy:v2");
  ASSERT_TRUE(copy.pushed) << copy.pushed.error().message;
  EXPECT_EQ(copy.pushed->bytes_uploaded, 0u);  // both blobs mounted from `app`
  EXPECT_EQ(copy.pushed->descriptor.digest, copy.source);
  ASSERT_FALSE(copy.requests.empty());
  EXPECT_EQ(copy.requests.back().method + " " + copy.requests.back().path(), "PUT /v2/copy/manifests/v2");
  for (std::size_t i = 0; i + 1 < copy.requests.size(); ++i) {
    EXPECT_EQ(copy.requests[i].path().find("/manifests/"), std::string::npos) << copy.requests[i].target;
  }
  EXPECT_EQ(registry.blob("copy", sha256_digest(layer).str()), layer);
}

// Written back to the repository it came from, an image's layers are not asked about: the
// registry holds every blob a manifest there references.
TEST_F(RegistryRewrite, WritingBackToItsRepositoryAsksNothingAboutItsLayers) {
  const Rewritten back = rewrite("app:v2");
  ASSERT_TRUE(back.pushed) << back.pushed.error().message;
  ASSERT_FALSE(back.requests.empty());
  for (const auto& request : back.requests) {
    EXPECT_EQ(request.target.find(sha256_digest(layer).str()), std::string::npos) << request.target;
  }
  EXPECT_EQ(back.requests.back().method + " " + back.requests.back().path(), "PUT /v2/app/manifests/v2");
}

}  // namespace
}  // namespace oci
