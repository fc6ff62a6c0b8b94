#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "plugin/build/provenance.hpp"

namespace chalk::build {
namespace {

namespace fs = std::filesystem;

// The environment the plugin would pass git_fields: this test's PATH and HOME, then `changes`.
std::map<std::string, std::string> test_environment(const std::map<std::string, std::string>& changes = {}) {
  std::map<std::string, std::string> environment;
  for (const char* name : {"PATH", "HOME"}) {
    if (const char* value = std::getenv(name)) environment[name] = value;
  }
  for (const auto& [name, value] : changes) environment[name] = value;
  return environment;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs a shell command and returns its stdout; the test fails if it exits non-zero.
std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed: " << command;
    return output;
  }
  char buffer[4096];
  while (const std::size_t count = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, count);
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << command << "\n" << output;
  return output;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

class GitFields : public ::testing::Test {
 protected:
  void SetUp() override {
    // These tests exist to run the real git: without it they fail, never skip.
    ASSERT_EQ(std::system("git --version >/dev/null 2>&1"), 0) << "git is required by build_unit_tests";
    std::string pattern = (fs::temp_directory_path() / "chalk-git-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    m_dir = pattern;
    fs::create_directories(m_dir / "home");
    fs::create_directories(m_dir / "repo/sub");
  }
  void TearDown() override { fs::remove_all(m_dir); }

  // git in `dir` with a pinned identity and an empty config, dates as given.
  std::string git(const fs::path& dir, const std::string& args,
                  const std::string& author_date = "2000-01-01T00:00:00+00:00",
                  const std::string& committer_date = "2000-01-01T00:00:00+00:00") {
    const std::string environment =
        "env -i PATH=" + shell_quote(std::getenv("PATH")) +
        " HOME=" + shell_quote((m_dir / "home").string()) +
        " GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME='Ada Lovelace' GIT_AUTHOR_EMAIL=ada@example.com"
        " GIT_COMMITTER_NAME='Bob Committer' GIT_COMMITTER_EMAIL=bob@example.com"
        " GIT_AUTHOR_DATE=" +
        author_date + " GIT_COMMITTER_DATE=" + committer_date;
    return run("cd " + shell_quote(dir.string()) + " && " + environment + " git " + args + " 2>&1");
  }

  void write(const fs::path& relative, const std::string& text) {
    std::ofstream out(m_dir / relative, std::ios::binary);
    out << text;
  }

  // main: commit one (+02:00, lightweight tag v0.9), commit two (annotated tag v1.0), origin
  // with credentials.
  void make_repository() {
    const fs::path repo = m_dir / "repo";
    git(repo, "init -q -b main");
    write("repo/Dockerfile", "FROM scratch\n");
    git(repo, "add Dockerfile");
    git(repo, "commit -q -m one", "2023-09-22T20:20:05+02:00", "2023-09-23T08:00:01+02:00");
    git(repo, "tag v0.9");
    write("repo/sub/file", "two\n");
    git(repo, "add sub/file");
    git(repo, "commit -q -m two", "2023-09-24T14:00:00+02:00", "2023-09-24T10:00:00-03:30");
    git(repo, "tag -a -m release v1.0", "2023-09-25T00:00:00+00:00", "2023-09-25T00:00:00+00:00");
    // A token in the query (GitLab's `?private_token=`) or as the user: neither may reach the mark.
    git(repo, "remote add origin 'https://user:token@example.com/org/repo.git?access_token=glpat-sekrit'");
  }

  std::string head(const std::string& revision = "HEAD") {
    return trimmed(git(m_dir / "repo", "rev-parse " + revision));
  }

  fs::path m_dir;
};

TEST_F(GitFields, EveryKeyExactly) {
  make_repository();
  const oci::Json expected = {
      {"ORIGIN_URI", "https://example.com/org/repo.git"},
      {"BRANCH", "main"},
      {"TAG", "v1.0"},
      {"COMMIT_ID", head()},
      {"AUTHOR", "Ada Lovelace <ada@example.com>"},
      {"COMMITTER", "Bob Committer <bob@example.com>"},
      {"DATE_AUTHORED", "2023-09-24T14:00:00.000+02:00"},
      {"TIMESTAMP_AUTHORED", 1695556800000},
      {"DATE_COMMITTED", "2023-09-24T10:00:00.000-03:30"},
      {"TIMESTAMP_COMMITTED", 1695562200000},
  };
  EXPECT_EQ(git_fields(m_dir / "repo", test_environment()), expected);
  EXPECT_EQ(head().size(), 40u);
  // A context below the top of the work tree belongs to the same repository.
  EXPECT_EQ(git_fields(m_dir / "repo/sub", test_environment()), expected);
}

TEST_F(GitFields, DetachedHeadHasNoBranch) {
  make_repository();
  git(m_dir / "repo", "checkout -q --detach v0.9");
  const oci::Json expected = {
      {"ORIGIN_URI", "https://example.com/org/repo.git"},
      {"TAG", "v0.9"},
      {"COMMIT_ID", head("v0.9")},
      {"AUTHOR", "Ada Lovelace <ada@example.com>"},
      {"COMMITTER", "Bob Committer <bob@example.com>"},
      {"DATE_AUTHORED", "2023-09-22T20:20:05.000+02:00"},
      {"TIMESTAMP_AUTHORED", 1695406805000},
      {"DATE_COMMITTED", "2023-09-23T08:00:01.000+02:00"},
      {"TIMESTAMP_COMMITTED", 1695448801000},
  };
  EXPECT_EQ(git_fields(m_dir / "repo", test_environment()), expected);
}

TEST_F(GitFields, NoRemoteNoTagAreOmitted) {
  const fs::path repo = m_dir / "repo";
  git(repo, "init -q -b feature/x");
  write("repo/a", "a\n");
  git(repo, "add a");
  git(repo, "commit -q -m a", "2023-09-22T20:20:05+02:00", "2023-09-22T20:20:05+02:00");
  const oci::Json expected = {
      {"BRANCH", "feature/x"},
      {"COMMIT_ID", head()},
      {"AUTHOR", "Ada Lovelace <ada@example.com>"},
      {"COMMITTER", "Bob Committer <bob@example.com>"},
      {"DATE_AUTHORED", "2023-09-22T20:20:05.000+02:00"},
      {"TIMESTAMP_AUTHORED", 1695406805000},
      {"DATE_COMMITTED", "2023-09-22T20:20:05.000+02:00"},
      {"TIMESTAMP_COMMITTED", 1695406805000},
  };
  EXPECT_EQ(git_fields(repo, test_environment()), expected);
}

TEST_F(GitFields, NewestTagAtHeadWins) {
  make_repository();
  const fs::path repo = m_dir / "repo";
  git(repo, "tag -a -m old a-old", "2020-01-01T00:00:00+00:00", "2020-01-01T00:00:00+00:00");
  EXPECT_EQ(git_fields(repo, test_environment()).value("TAG", ""), "v1.0");
  git(repo, "tag -a -m newest b-newest", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00");
  EXPECT_EQ(git_fields(repo, test_environment()).value("TAG", ""), "b-newest");
}

TEST_F(GitFields, NonAsciiIdentity) {
  const fs::path repo = m_dir / "repo";
  git(repo, "init -q -b main");
  write("repo/a", "a\n");
  git(repo, "add a");
  git(repo,
      "-c user.useConfigOnly=false commit -q -m a --author='Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m "
      "<zoe@example.com>'",
      "2023-09-22T20:20:05+02:00", "2023-09-22T20:20:05+02:00");
  EXPECT_EQ(git_fields(repo, test_environment()).value("AUTHOR", ""),
            "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m <zoe@example.com>");
}

TEST_F(GitFields, NotARepositoryPrintsNothing) {
  testing::internal::CaptureStderr();
  testing::internal::CaptureStdout();
  const auto fields = git_fields(m_dir / "repo", test_environment());
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(fields, oci::Json::object());
}

TEST_F(GitFields, RepositoryWithoutCommits) {
  git(m_dir / "repo", "init -q -b main");
  EXPECT_EQ(git_fields(m_dir / "repo", test_environment()), oci::Json::object());
}

TEST_F(GitFields, MissingDirectory) {
  EXPECT_EQ(git_fields(m_dir / "no/such/dir", test_environment()), oci::Json::object());
}

TEST_F(GitFields, GitMissingFromPath) {
  make_repository();
  fs::create_directories(m_dir / "empty-bin");
  EXPECT_EQ(git_fields(m_dir / "repo", test_environment({{"PATH", (m_dir / "empty-bin").string()}})),
            oci::Json::object());
}

TEST_F(GitFields, HangingGitIsKilledAtTheTimeout) {
  make_repository();
  fs::create_directories(m_dir / "slow-bin");
  write("slow-bin/git", "#!/bin/sh\nsleep 30\n");
  fs::permissions(m_dir / "slow-bin/git", fs::perms::owner_all);
  const auto environment = test_environment({{"PATH", (m_dir / "slow-bin").string() + ":/usr/bin:/bin"}});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(git_fields(m_dir / "repo", environment, std::chrono::milliseconds(200)), oci::Json::object());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(GitFields, CallerGitEnvironmentIsIgnored) {
  make_repository();
  const auto fields =
      git_fields(m_dir / "repo", test_environment({{"GIT_DIR", (m_dir / "nowhere").string()},
                                                   {"GIT_WORK_TREE", (m_dir / "nowhere").string()},
                                                   {"GIT_PAGER", "false"}}));
  EXPECT_EQ(fields.value("COMMIT_ID", ""), head());
  EXPECT_EQ(fields.value("BRANCH", ""), "main");
}

}  // namespace
}  // namespace chalk::build
