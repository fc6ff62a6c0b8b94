#include "plugin/chalk/config_credentials.hpp"

#include <gtest/gtest.h>

#include "oci/file_io.hpp"
#include "plugin/ops/image_ops.hpp"
#include "tests/unit/config/helpers.hpp"

namespace chalk {
namespace {

using Found = std::vector<std::string>;

// The credentials `source` spells out, after evaluating it with `vars` as the environment.
Found found_in(const std::string& source, std::map<std::string, std::string> vars = {}) {
  auto settings = config::test::full(source, std::move(vars));
  EXPECT_TRUE(settings) << settings.error().message;
  return settings ? literal_credentials(source, *settings) : Found{"(rejected)"};
}

TEST(LiteralCredentials, UrlsWithUserInformationOrTokens) {
  EXPECT_EQ(found_in("sink_config p {\n  sink: \"post\"\n  uri: \"https://user:hunter2@h.example/in\"\n}\n"),
            Found{"line 3: a URL with credentials (`https://h.example/in`)"});
  EXPECT_EQ(
      found_in("sink_config p {\n  sink: \"post\"\n  uri: \"https://h.example/in?token=t0k&team=a\"\n}\n"),
      Found{"line 3: a URL with credentials (`https://h.example/in?team=a`)"});
  // Any string of the config goes into the image, used by a sink or not.
  EXPECT_EQ(found_in("x := \"https://ghp_token@github.com/o/r\"\n"),
            Found{"line 1: a URL with credentials (`https://github.com/o/r`)"});
}

TEST(LiteralCredentials, HeadersAndS3Secrets) {
  EXPECT_EQ(found_in(R"(sink_config p {
  sink: "post"
  uri: "https://h.example/in"
  headers: {"Authorization": "Bearer abc.def", "X-Api-Key": "k-123", "X-Team": "platform"}
}
sink_config s {
  sink: "s3"
  uri: "s3://bucket/prefix"
  uid: "AKIAEXAMPLE"
  secret: "wJalrXUtnFEMI"
  token: "session-token"
}
)"),
            (Found{"line 4: an authorization value", "sink_config `p`: header `X-Api-Key`",
                   "sink_config `s`: `secret`", "sink_config `s`: `token`"}));
}

TEST(LiteralCredentials, PiecesJoinedAtRunTime) {
  EXPECT_EQ(found_in(R"(pw := "piece-pw"
sink_config p {
  sink: "post"
  uri: "https://u:" + pw + "@h.example/in"
  headers: {"Authorization": "Bearer " + pw}
}
)"),
            (Found{"sink_config `p`: credentials in `uri`", "sink_config `p`: header `Authorization`"}));
}

TEST(LiteralCredentials, ValuesFromTheEnvironmentAreSafe) {
  const std::map<std::string, std::string> vars = {
      {"URL", "https://u:pw-from-env@h.example/in?token=tok-from-env"},
      {"HEADERS", "Authorization: Bearer bearer-from-env"},
      {"SECRET", "secret-from-env"}};
  EXPECT_EQ(found_in(R"(sink_config p {
  sink: "post"
  uri: env("URL")
  headers: mime_to_dict(env("HEADERS"))
}
sink_config s {
  sink: "s3"
  uri: "s3://bucket/prefix"
  uid: "AKIAEXAMPLE"
  secret: env("SECRET")
}
)",
                     vars),
            Found{});
  for (const char* shipped : {"http-reports.c4m", "s3-reports.c4m", "net-heartbeat.c4m", "default.c4m"}) {
    SCOPED_TRACE(shipped);
    auto text = oci::read_small_file(std::string(CHALK_SOURCE_DIR) + "/configs/" + shipped, 1 << 20);
    ASSERT_TRUE(text);
    EXPECT_EQ(found_in(*text, {{"CHALK_POST_URL", "https://u:pw@h.example/in"},
                               {"CHALK_POST_HEADERS", "Authorization: Bearer t"},
                               {"AWS_S3_BUCKET_URI", "s3://b/p"},
                               {"AWS_ACCESS_KEY_ID", "AKIA"},
                               {"AWS_SECRET_ACCESS_KEY", "wJalr"}}),
              Found{});
  }
}

TEST(LiteralCredentials, TheConfigCanAllowThemInImages) {
  auto settings = config::test::full("allow_credentials_in_images: true\n");
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_TRUE(settings->allow_credentials_in_images);
  EXPECT_FALSE(config::test::full("")->allow_credentials_in_images);
}

TEST(LiteralCredentials, ChalkRequestsCarryThemUnlessAllowed) {
  const std::string source = "x := \"https://u:pw@h.example/in\"\n";
  ops::ReportContext context;
  context.effects = process_effects();
  EXPECT_EQ(ops::new_chalk_request(context, source, {}, true, "/tmp").config_credentials,
            Found{"line 1: a URL with credentials (`https://h.example/in`)"});
  context.settings.allow_credentials_in_images = true;
  EXPECT_EQ(ops::new_chalk_request(context, source, {}, true, "/tmp").config_credentials, Found{});
}

}  // namespace
}  // namespace chalk
