#include "plugin/chalk/redact.hpp"

#include <gtest/gtest.h>

namespace chalk {
namespace {

using Words = std::vector<std::string>;

TEST(RedactUrl, RemovesUserInformation) {
  EXPECT_EQ(redact_url("https://user:token@host/x"), "https://host/x");
  EXPECT_EQ(redact_url("https://x-access-token:ghp_abc@github.com/org/repo.git"),
            "https://github.com/org/repo.git");
  EXPECT_EQ(redact_url("http://token@host:8080/x?y=z"), "http://host:8080/x?y=z");
  EXPECT_EQ(redact_url("https://us%40er:p@ss@host"), "https://host");
  EXPECT_EQ(redact_url("HTTPS://u:p@host/a@b"), "HTTPS://host/a@b");
  EXPECT_EQ(redact_url("https://user@host"), "https://host");
}

TEST(RedactUrl, RemovesCredentialParametersAndKeepsTheOthers) {
  EXPECT_EQ(redact_url("http://u:PW@host/c?token=abc"), "http://host/c");
  EXPECT_EQ(redact_url("https://git.example/r.git?access_token=glpat-x&ref=main"),
            "https://git.example/r.git?ref=main");
  EXPECT_EQ(
      redact_url("https://h/p?a=1&X-Amz-Signature=f00&X-Amz-Credential=AKIA&X-Amz-Security-Token=t&b=2"),
      "https://h/p?a=1&b=2");
  EXPECT_EQ(redact_url("https://h/p?api_key=k&sig=s&client_secret=c&password=p&session=x"), "https://h/p");
  EXPECT_EQ(redact_url("https://h/cb#access_token=t&state=s"), "https://h/cb#state=s");
  EXPECT_EQ(redact_url("https://github.com/docker/rootfs.git#container:docker"),
            "https://github.com/docker/rootfs.git#container:docker");
}

TEST(RedactUrl, KeepsSshUserAndOtherForms) {
  EXPECT_EQ(redact_url("ssh://git:secret@host:22/x.git"), "ssh://git@host:22/x.git");
  EXPECT_EQ(redact_url("ssh://git@host/x.git"), "ssh://git@host/x.git");
  EXPECT_EQ(redact_url("git@github.com:org/repo.git"), "git@github.com:org/repo.git");
  EXPECT_EQ(redact_url("https://host/x"), "https://host/x");
  EXPECT_EQ(redact_url("http://host/"), "http://host/");
  EXPECT_EQ(redact_url("/srv/git/repo.git"), "/srv/git/repo.git");
  EXPECT_EQ(redact_url("file:///srv/a@b/repo.git"), "file:///srv/a@b/repo.git");
}

TEST(UrlCredentials, FindsPasswordsTokensAndCredentialParameters) {
  EXPECT_EQ(url_credentials("https://u:pw@h/x"), Words{"pw"});
  EXPECT_EQ(url_credentials("https://ghp_tok@h/x"), Words{"ghp_tok"});
  EXPECT_EQ(url_credentials("ssh://git@h/x"), Words{});
  EXPECT_EQ(url_credentials("ssh://git:pw@h/x"), Words{"pw"});
  EXPECT_EQ(url_credentials("https://h/x?token=t1&page=2&apikey=k2#access_token=t3"),
            (Words{"t1", "k2", "t3"}));
  EXPECT_EQ(url_credentials("https://h/x?token="), Words{});
  EXPECT_EQ(url_credentials("not a url"), Words{});
}

TEST(CredentialNames, HeadersParametersAndSettings) {
  for (const char* name :
       {"Authorization", "proxy-authorization", "Cookie", "X-Api-Key", "PRIVATE-TOKEN", "sig",
        "X-Amz-Signature", "client_secret", "password", "passwd", "pwd", "session_id"}) {
    EXPECT_TRUE(is_credential_name(name)) << name;
  }
  for (const char* name : {"Content-Type", "X-Team", "page", "ref", "state", "region"}) {
    EXPECT_FALSE(is_credential_name(name)) << name;
  }
}

TEST(RedactArgv, HidesBuildArgValuesInBothSpellings) {
  EXPECT_EQ(redact_argv({"docker-chalk", "chalk", "build", "--build-arg", "TOKEN=abc", "--build-arg=PW=x=y",
                         "--build-arg", "FROM_ENV", "-t", "app", "."}),
            (Words{"docker-chalk", "chalk", "build", "--build-arg", "TOKEN=<<redact>>",
                   "--build-arg=PW=<<redact>>", "--build-arg", "FROM_ENV", "-t", "app", "."}));
  // A trailing --build-arg (docker will refuse it) has nothing to hide.
  EXPECT_EQ(redact_argv({"build", "--build-arg"}), (Words{"build", "--build-arg"}));
}

TEST(RedactArgv, KeepsSecretSpecsAndRedactsUrlsInAnyWord) {
  EXPECT_EQ(redact_argv({"build", "--secret", "id=npm,src=/home/u/.npmrc", "--secret=id=gh,env=GH_TOKEN",
                         "https://tok@github.com/o/r.git#main", "--config=https://u:pw@h/c.c4m?token=t"}),
            (Words{"build", "--secret", "id=npm,src=/home/u/.npmrc", "--secret=id=gh,env=GH_TOKEN",
                   "https://github.com/o/r.git#main", "--config=https://h/c.c4m"}));
}

}  // namespace
}  // namespace chalk
