#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "plugin/build/provenance.hpp"

namespace chalk::build {
namespace {

namespace fs = std::filesystem;

std::string labels(std::string_view text, std::string_view target = {}) {
  return dockerfile_labels(text, target).dump();
}

TEST(DockerfileLabels, KeyValuePairsWithQuotes) {
  EXPECT_EQ(labels("FROM scratch\nLABEL a=b \"c d\"=\"e f\" g='h'\n"), R"({"a":"b","c d":"e f","g":"h"})");
}

TEST(DockerfileLabels, CaseInsensitiveInstructionsAndLaterWins) {
  EXPECT_EQ(labels("from scratch\nlabel a=1 b=2\nLaBeL a=3\n"), R"({"a":"3","b":"2"})");
}

TEST(DockerfileLabels, OldForm) {
  EXPECT_EQ(labels("FROM x\nLABEL description This is my \"app\"\nLABEL single value\n"),
            R"({"description":"This is my app","single":"value"})");
}

TEST(DockerfileLabels, LineContinuationsAndCommentsInside) {
  const std::string text =
      "FROM x\n"
      "LABEL a=1 \\\n"
      "# a comment inside the continuation\n"
      "\n"
      "      b=2 \\   \n"
      "      c=\"three \\\n"
      "words\"\n"
      "# LABEL commented=out\n"
      "  # LABEL indented=comment\n";
  EXPECT_EQ(labels(text), R"({"a":"1","b":"2","c":"three words"})");
}

TEST(DockerfileLabels, EscapeDirective) {
  const std::string text =
      "# escape=`\n"
      "FROM x\n"
      "LABEL path=C:\\dir\\file `\n"
      "      quote=\"a`\"b\"\n";
  EXPECT_EQ(labels(text), R"({"path":"C:\\dir\\file","quote":"a\"b"})");
}

TEST(DockerfileLabels, EscapeDirectiveOnlyAtTheTop) {
  // After an instruction, `# escape=` is a plain comment: the backslash stays the escape.
  const std::string text =
      "FROM x\n"
      "# escape=`\n"
      "LABEL a=1 \\\n"
      "  b=2\n";
  EXPECT_EQ(labels(text), R"({"a":"1","b":"2"})");
}

TEST(DockerfileLabels, EscapesAndQuotes) {
  EXPECT_EQ(
      labels(R"(FROM x
LABEL a=one\ two b="x\"y\\z\n" c='it''s' d=$NOT_EXPANDED e="${ALSO}" f=\$g h="" i=
)"),
      R"({"a":"one two","b":"x\"y\\z\\n","c":"its","d":"$NOT_EXPANDED","e":"${ALSO}","f":"$g","h":"","i":""})");
}

TEST(DockerfileLabels, CrLfLines) {
  EXPECT_EQ(labels("FROM x\r\nLABEL a=1 \\\r\n  b=2\r\n"), R"({"a":"1","b":"2"})");
}

TEST(DockerfileLabels, NoLabels) {
  EXPECT_EQ(labels(""), "{}");
  EXPECT_EQ(labels("FROM x\nRUN echo LABEL a=b\n"), "{}");
  EXPECT_EQ(labels("LABEL before=from\n"), "{}");
  EXPECT_EQ(labels("FROM x\nONBUILD LABEL child=only\n"), "{}");
}

TEST(DockerfileLabels, HeredocBodiesAreNotInstructions) {
  const std::string text =
      "FROM x\n"
      "RUN <<EOF\n"
      "LABEL not=me\n"
      "EOF\n"
      "COPY <<-\"A\" /a <<B /b\n"
      "\tLABEL not=either\n"
      "\tA\n"
      "LABEL nor=this\n"
      "B\n"
      "LABEL yes=1\n";
  EXPECT_EQ(labels(text), R"({"yes":"1"})");
}

TEST(DockerfileLabels, BuiltStageAndItsAncestors) {
  const std::string text =
      "FROM alpine AS base\n"
      "LABEL from=base shared=base\n"
      "FROM golang AS builder\n"
      "LABEL from=builder\n"
      "FROM --platform=$BUILDPLATFORM BASE AS final\n"
      "LABEL shared=final\n"
      "FROM 1\n"
      "LABEL numbered=yes\n";
  EXPECT_EQ(labels(text), R"({"from":"builder","numbered":"yes"})");
  EXPECT_EQ(labels(text, "final"), R"({"from":"base","shared":"final"})");
  EXPECT_EQ(labels(text, "Builder"), R"({"from":"builder"})");
  EXPECT_EQ(labels(text, "base"), R"({"from":"base","shared":"base"})");
}

TEST(DockerfileLabels, VariablesExpandFromArgAndEnv) {
  const std::string text = R"(ARG GLOBAL=g1
FROM base:${GLOBAL} AS one
ARG GLOBAL
ARG VERSION=1.0
ARG EMPTY
ARG TARGETARCH
ENV HOME_DIR=/srv NAME="my app"
LABEL version=$VERSION global=${GLOBAL} empty="[$EMPTY]" default=${EMPTY:-fallback} \
      alt=${VERSION:+set} alt_empty="${EMPTY:+set}" no_colon=${EMPTY-unset} name="$NAME" \
      arch=$TARGETARCH path=$PATH single='$VERSION' escaped=\$VERSION braced=${HOME_DIR}/x \
      other_operation=${VERSION/1/2} dollar=a$ nested=${EMPTY:-${VERSION}}
)";
  EXPECT_EQ(labels(text),
            R"({"version":"1.0","global":"g1","empty":"[]","default":"fallback","alt":"set","alt_empty":"",)"
            R"("no_colon":"","name":"my app","arch":"$TARGETARCH","path":"$PATH","single":"$VERSION",)"
            R"("escaped":"$VERSION","braced":"/srv/x","other_operation":"${VERSION/1/2}","dollar":"a$",)"
            R"("nested":"1.0"})");
  EXPECT_EQ(
      dockerfile_labels(text, {}, {{"VERSION", "2.0"}, {"GLOBAL", "cli"}, {"TARGETARCH", "arm64"}}).dump(),
      R"({"version":"2.0","global":"cli","empty":"[]","default":"fallback","alt":"set","alt_empty":"",)"
      R"("no_colon":"","name":"my app","arch":"arm64","path":"$PATH","single":"$VERSION",)"
      R"("escaped":"$VERSION","braced":"/srv/x","other_operation":"${VERSION/1/2}","dollar":"a$",)"
      R"("nested":"2.0"})");
}

TEST(DockerfileLabels, EnvBeatsArgAndExpandsWithEarlierValues) {
  const std::string text =
      "FROM x\n"
      "ARG X=arg\n"
      "ENV X=env A=1 B=$A\n"
      "ARG X=again\n"
      "LABEL x=$X a=$A b=$B\n";
  EXPECT_EQ(labels(text), R"({"x":"env","a":"1","b":"$A"})");
}

TEST(DockerfileLabels, ChildStagesInheritEnvAndLabelsNotArgs) {
  const std::string text =
      "ARG G=global\n"
      "FROM x AS parent\n"
      "ARG P=parent-arg\n"
      "ENV E=parent-env\n"
      "LABEL p=1\n"
      "FROM parent\n"
      "LABEL e=$E p_arg=$P g=$G\n";
  EXPECT_EQ(labels(text), R"({"p":"1","e":"parent-env","p_arg":"$P","g":"$G"})");
}

TEST(DockerfileLabels, HostileTextStaysAnObject) {
  // Deterministic noise over the characters the grammar cares about: unbalanced quotes and
  // braces, dangling escapes and `$`, heredocs without terminators.
  const std::string alphabet = "LABEL FROM ARG ENV RUN <<- AS = \" ' ` \\ $ { } : - + ? # \n\r\t a b 0 1";
  std::uint32_t state = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::string text = round % 2 == 0 ? "FROM x\nLABEL " : "# escape=`\nFROM x\nARG A=1\nLABEL ";
    for (int n = 0; n < 60; ++n) {
      state = state * 1103515245u + 12345u;
      text += alphabet[(state >> 16) % alphabet.size()];
    }
    const auto result = dockerfile_labels(text, round % 3 == 0 ? "a" : "");
    ASSERT_TRUE(result.is_object()) << text;
  }
}

class DockerfileFields : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "chalk-dockerfile-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    m_dir = pattern;
    fs::create_directories(m_dir / "ctx");
  }
  void TearDown() override { fs::remove_all(m_dir); }

  void write(const fs::path& relative, const std::string& text) {
    std::ofstream out(m_dir / relative, std::ios::binary);
    out << text;
  }

  fs::path m_dir;
};

TEST_F(DockerfileFields, DefaultDockerfileInContext) {
  write("ctx/Dockerfile", "from python\nLABEL a=1 b=2\n");
  BuildInvocation invocation;
  invocation.context = "ctx";
  invocation.labels = {{"b", "cli"}, {"c", "3"}};
  const auto fields = dockerfile_fields(invocation, m_dir, {});
  oci::Json expected = {{"DOCKERFILE_PATH", (m_dir / "ctx/Dockerfile").string()},
                        {"DOCKER_FILE", "from python\nLABEL a=1 b=2\n"},
                        {"DOCKER_CONTEXT", "ctx"},
                        {"DOCKER_LABELS", {{"a", "1"}, {"b", "cli"}, {"c", "3"}}}};
  EXPECT_EQ(fields, expected);
}

TEST_F(DockerfileFields, BuildArgsReachLabels) {
  write("ctx/Dockerfile", "FROM x\nARG A=default\nARG B\nARG C=c\nLABEL a=$A b=$B c=$C\n");
  BuildInvocation invocation;
  invocation.context = "ctx";
  invocation.build_args = {"A=first", "A=second", "B", "C"};
  auto fields = dockerfile_fields(invocation, m_dir, {});
  EXPECT_EQ(fields["DOCKER_LABELS"].dump(), R"({"a":"second","b":"","c":"c"})");

  write("ctx/Dockerfile", "FROM x\nARG CHALK_TEST_BUILD_ARG_B\nLABEL b=$CHALK_TEST_BUILD_ARG_B\n");
  invocation.build_args = {"CHALK_TEST_BUILD_ARG_B"};
  fields = dockerfile_fields(invocation, m_dir, {{"CHALK_TEST_BUILD_ARG_B", "from-env"}});
  EXPECT_EQ(fields["DOCKER_LABELS"].dump(), R"({"b":"from-env"})");
}

TEST_F(DockerfileFields, LowercaseFallbackAndTarget) {
  write("ctx/dockerfile", "FROM x AS one\nLABEL s=one\nFROM y\nLABEL s=two\n");
  BuildInvocation invocation;
  invocation.context = m_dir.string() + "/ctx/";
  invocation.target = "one";
  const auto fields = dockerfile_fields(invocation, "/elsewhere", {});
  EXPECT_EQ(fields["DOCKERFILE_PATH"], (m_dir / "ctx/dockerfile").string());
  EXPECT_EQ(fields["DOCKER_CONTEXT"], m_dir.string() + "/ctx/");
  EXPECT_EQ(fields["DOCKER_LABELS"].dump(), R"({"s":"one"})");
}

TEST_F(DockerfileFields, FileOptionIsRelativeToTheWorkingDirectory) {
  write("Other.Dockerfile", "FROM x\n");
  BuildInvocation invocation;
  invocation.context = "ctx";
  invocation.dockerfile = "./sub/../Other.Dockerfile";
  const auto fields = dockerfile_fields(invocation, m_dir, {});
  EXPECT_EQ(fields["DOCKERFILE_PATH"], (m_dir / "Other.Dockerfile").string());
  EXPECT_EQ(fields["DOCKER_FILE"], "FROM x\n");
  EXPECT_EQ(fields["DOCKER_LABELS"], oci::Json::object());
}

TEST_F(DockerfileFields, UnreadableDockerfileIsOmitted) {
  BuildInvocation invocation;
  invocation.context = "ctx";
  invocation.labels = {{"only", "cli"}};
  auto fields = dockerfile_fields(invocation, m_dir, {});
  EXPECT_EQ(fields["DOCKERFILE_PATH"], (m_dir / "ctx/Dockerfile").string());
  EXPECT_FALSE(fields.contains("DOCKER_FILE"));
  EXPECT_EQ(fields["DOCKER_LABELS"].dump(), R"({"only":"cli"})");

  fs::create_directories(m_dir / "ctx/Dockerfile");  // a directory is not a Dockerfile
  fields = dockerfile_fields(invocation, m_dir, {});
  EXPECT_FALSE(fields.contains("DOCKER_FILE"));

  write("ctx/Dockerfile.bin", std::string("FROM x\nLABEL a=\xff\n"));
  invocation.dockerfile = "ctx/Dockerfile.bin";
  fields = dockerfile_fields(invocation, m_dir, {});
  EXPECT_FALSE(fields.contains("DOCKER_FILE"));
  EXPECT_NO_THROW((void)fields.dump());
}

TEST_F(DockerfileFields, Stdin) {
  BuildInvocation invocation;
  invocation.context = ".";
  invocation.dockerfile = "-";
  auto fields = dockerfile_fields(invocation, m_dir, {});
  EXPECT_EQ(fields.dump(), R"({"DOCKERFILE_PATH":":stdin:","DOCKER_CONTEXT":".","DOCKER_LABELS":{}})");

  invocation.context = "-";
  invocation.dockerfile = "";
  fields = dockerfile_fields(invocation, m_dir, {});
  EXPECT_EQ(fields.dump(), R"({"DOCKERFILE_PATH":":stdin:","DOCKER_CONTEXT":"-","DOCKER_LABELS":{}})");
}

TEST_F(DockerfileFields, UrlContext) {
  BuildInvocation invocation;
  invocation.context = "https://github.com/docker/rootfs.git#container:docker";
  invocation.labels = {{"k", "v"}};
  const auto fields = dockerfile_fields(invocation, m_dir, {});
  EXPECT_EQ(
      fields.dump(),
      R"({"DOCKER_CONTEXT":"https://github.com/docker/rootfs.git#container:docker","DOCKER_LABELS":{"k":"v"}})");
}

TEST_F(DockerfileFields, UrlContextLosesItsCredentials) {
  BuildInvocation invocation;
  invocation.context = "https://x-access-token:ghp_sekrit@github.com/org/app.git?access_token=tok2#main:dir";
  const auto fields = dockerfile_fields(invocation, m_dir, {});
  EXPECT_EQ(fields.value("DOCKER_CONTEXT", ""), "https://github.com/org/app.git#main:dir");
}

TEST_F(DockerfileFields, EmptyDockerfileOmitsText) {
  write("ctx/Dockerfile", "");
  BuildInvocation invocation;
  invocation.context = "ctx";
  const auto fields = dockerfile_fields(invocation, m_dir, {});
  EXPECT_FALSE(fields.contains("DOCKER_FILE"));
  EXPECT_EQ(fields["DOCKER_LABELS"], oci::Json::object());
}

}  // namespace
}  // namespace chalk::build
