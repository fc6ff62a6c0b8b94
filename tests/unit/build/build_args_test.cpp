#include "plugin/build/build_args.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace chalk::build {
namespace {

using Args = std::vector<std::string>;
using Labels = std::vector<std::pair<std::string, std::string>>;

BuildInvocation parse_ok(const Args& args) {
  auto parsed = parse_build_args(args);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : BuildInvocation{};
}

std::string parse_error(const Args& args) {
  auto parsed = parse_build_args(args);
  EXPECT_FALSE(parsed.ok()) << "parsed: context " << (parsed.ok() ? parsed->context : "");
  if (parsed.ok()) return {};
  EXPECT_EQ(parsed.error().code, util::Errc::invalid_argument);
  return parsed.error().message;
}

TEST(ParseBuildArgs, GuideCommand) {
  const auto invocation = parse_ok({"-t", "mychalkedcontainer", "."});
  EXPECT_EQ(invocation.tags, Args{"mychalkedcontainer"});
  EXPECT_EQ(invocation.context, ".");
  EXPECT_EQ(invocation.dockerfile, "");
  EXPECT_EQ(invocation.iidfile, "");
  EXPECT_FALSE(invocation.quiet);
  EXPECT_FALSE(invocation.push);
  EXPECT_FALSE(invocation.load);
  EXPECT_FALSE(invocation.output_given());
  EXPECT_TRUE(invocation.platforms.empty());
  EXPECT_TRUE(invocation.labels.empty());
}

TEST(ParseBuildArgs, TagFormsInOrderDeduplicatedAsTyped) {
  const auto invocation = parse_ok({"--tag", "a:1", "-t", "b", "--tag=a:1", "-tc", "-t=d", "ctx", "-t", "B",
                                    "--tag", "docker.io/library/b:latest"});
  EXPECT_EQ(invocation.tags, (Args{"a:1", "b", "c", "d", "B", "docker.io/library/b:latest"}));
  EXPECT_EQ(invocation.context, "ctx");
}

TEST(ParseBuildArgs, EveryValueOptionConsumesItsValueInBothForms) {
  // Values that look like contexts must never be taken for one.
  const std::vector<std::string> value_options{
      "add-host",        "allow",      "annotation",  "attest",        "build-arg",
      "build-context",   "builder",    "cache-from",  "cache-to",      "call",
      "cgroup-parent",   "cpu-period", "cpu-quota",   "cpu-shares",    "cpuset-cpus",
      "cpuset-mems",     "file",       "iidfile",     "invoke",        "isolation",
      "label",           "memory",     "memory-swap", "metadata-file", "network",
      "no-cache-filter", "output",     "platform",    "print",         "progress",
      "provenance",      "root",       "sbom",        "secret",        "security-opt",
      "server-config",   "shm-size",   "ssh",         "tag",           "target",
      "ulimit"};
  for (const auto& option : value_options) {
    SCOPED_TRACE(option);
    EXPECT_EQ(parse_ok({"--" + option, "value", "ctx"}).context, "ctx");
    EXPECT_EQ(parse_ok({"ctx", "--" + option, "value"}).context, "ctx");
    EXPECT_EQ(parse_ok({"--" + option + "=value", "ctx"}).context, "ctx");
    EXPECT_NE(parse_error({"ctx", "--" + option}).find("`--" + option + "` needs a value"),
              std::string::npos);
  }
}

TEST(ParseBuildArgs, BooleanOptionsTakeNoValue) {
  for (const std::string option :
       {"compress", "debug", "detach", "disable-content-trust", "force-rm", "help", "load", "no-cache",
        "pull", "push", "quiet", "rm", "squash", "stream", "check"}) {
    SCOPED_TRACE(option);
    EXPECT_EQ(parse_ok({"--" + option, "ctx"}).context, "ctx");
    EXPECT_EQ(parse_ok({"ctx", "--" + option}).context, "ctx");
  }
  EXPECT_EQ(parse_ok({"--check=false", "ctx"}).context, "ctx");
}

TEST(ParseBuildArgs, ShortOptions) {
  const auto invocation =
      parse_ok({"-f", "Dockerfile.prod", "-m", "1g", "-c", "512", "-o", "type=docker", "-q", "ctx"});
  EXPECT_EQ(invocation.dockerfile, "Dockerfile.prod");
  EXPECT_EQ(invocation.outputs, Args{"type=docker"});
  EXPECT_TRUE(invocation.quiet);
  EXPECT_TRUE(invocation.load);
  EXPECT_EQ(invocation.context, "ctx");

  const auto attached = parse_ok({"-fDockerfile.dev", "-m=1g", "-c512", "-otype=tar,dest=x.tar", "ctx"});
  EXPECT_EQ(attached.dockerfile, "Dockerfile.dev");
  EXPECT_EQ(attached.outputs, Args{"type=tar,dest=x.tar"});
  EXPECT_EQ(attached.context, "ctx");
}

TEST(ParseBuildArgs, CombinedShorthandsFollowPflag) {
  auto invocation = parse_ok({"-qt", "tag", "ctx"});
  EXPECT_TRUE(invocation.quiet);
  EXPECT_EQ(invocation.tags, Args{"tag"});
  EXPECT_EQ(invocation.context, "ctx");

  invocation = parse_ok({"-qttag", "ctx"});
  EXPECT_TRUE(invocation.quiet);
  EXPECT_EQ(invocation.tags, Args{"tag"});

  // After a value option the rest of the run is its value: `-tq` tags "q", quiet stays off.
  invocation = parse_ok({"-tq", "ctx"});
  EXPECT_FALSE(invocation.quiet);
  EXPECT_EQ(invocation.tags, Args{"q"});
  EXPECT_EQ(invocation.context, "ctx");

  invocation = parse_ok({"-qf", "-", "-"});
  EXPECT_TRUE(invocation.quiet);
  EXPECT_EQ(invocation.dockerfile, "-");
  EXPECT_EQ(invocation.context, "-");

  EXPECT_NE(parse_error({"-qt"}).find("`-t` needs a value"), std::string::npos);
  EXPECT_NE(parse_error({"-qx", "ctx"}).find("unknown shorthand option `x` in `-qx`"), std::string::npos);
}

TEST(ParseBuildArgs, BooleanValues) {
  EXPECT_FALSE(parse_ok({"-q=false", "ctx"}).quiet);
  EXPECT_TRUE(parse_ok({"--quiet=true", "ctx"}).quiet);
  EXPECT_FALSE(parse_ok({"--quiet", "--quiet=0", "ctx"}).quiet);
  EXPECT_TRUE(parse_ok({"--push=T", "ctx"}).push);
  EXPECT_FALSE(parse_ok({"--push=False", "ctx"}).push);
  EXPECT_FALSE(parse_ok({"--load=f", "ctx"}).load);
  // A boolean never takes the next argument: "false" is then a second context.
  EXPECT_NE(parse_error({"--push", "false", "ctx"}).find("more than one build context: `false`, `ctx`"),
            std::string::npos);
  EXPECT_NE(parse_error({"--push=maybe", "ctx"}).find("option `--push`: invalid boolean `maybe`"),
            std::string::npos);
}

TEST(ParseBuildArgs, DockerfileAndContextFromStdin) {
  auto invocation = parse_ok({"-f", "-", "."});
  EXPECT_EQ(invocation.dockerfile, "-");
  EXPECT_EQ(invocation.context, ".");
  invocation = parse_ok({"--file=-", "-"});
  EXPECT_EQ(invocation.dockerfile, "-");
  EXPECT_EQ(invocation.context, "-");
}

TEST(ParseBuildArgs, UrlContext) {
  const auto invocation = parse_ok({"https://github.com/docker/rootfs.git#container:docker", "-t", "x"});
  EXPECT_EQ(invocation.context, "https://github.com/docker/rootfs.git#container:docker");
}

TEST(ParseBuildArgs, DoubleDashEndsOptions) {
  auto invocation = parse_ok({"-t", "x", "--", "-weird-dir"});
  EXPECT_EQ(invocation.context, "-weird-dir");
  EXPECT_EQ(invocation.tags, Args{"x"});
  EXPECT_NE(parse_error({"--", "a", "b"}).find("more than one build context"), std::string::npos);
}

TEST(ParseBuildArgs, Platforms) {
  const auto invocation = parse_ok({"--platform", "linux/amd64,linux/arm64", "--platform=linux/arm/v7",
                                    "--platform", "linux/amd64, linux/s390x", "."});
  EXPECT_EQ(invocation.platforms, (Args{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/s390x"}));
}

TEST(ParseBuildArgs, LabelsInOrderLaterWins) {
  const auto invocation = parse_ok(
      {"--label", "b=2", "--label=a=1=x", "--label", "b=3", "--label", "empty", "--label", "c=", "."});
  EXPECT_EQ(invocation.labels, (Labels{{"b", "3"}, {"a", "1=x"}, {"empty", ""}, {"c", ""}}));
}

TEST(ParseBuildArgs, BuildArgsAsTyped) {
  const auto invocation =
      parse_ok({"--build-arg", "A=1", "--build-arg=HTTP_PROXY", "--build-arg", "A=2", "."});
  EXPECT_EQ(invocation.build_args, (Args{"A=1", "HTTP_PROXY", "A=2"}));
}

TEST(ParseBuildArgs, PushAndOutputs) {
  EXPECT_TRUE(parse_ok({"--push", "."}).push);
  EXPECT_FALSE(parse_ok({"--push", "."}).output_given());

  auto invocation = parse_ok({"--output", "type=registry", "."});
  EXPECT_TRUE(invocation.push);
  EXPECT_TRUE(invocation.output_given());

  EXPECT_TRUE(parse_ok({"-o", "type=image,name=r/x,push=true", "."}).push);
  EXPECT_TRUE(parse_ok({"-o", "type=image,\"name=r/x,r/y\",PUSH=1", "."}).push);
  EXPECT_FALSE(parse_ok({"-o", "type=image,push=false", "."}).push);
  EXPECT_FALSE(parse_ok({"-o", "type=local,dest=out", "."}).push);

  invocation = parse_ok({"-o", "-", "."});
  EXPECT_TRUE(invocation.output_given());
  EXPECT_FALSE(invocation.push);
  EXPECT_FALSE(invocation.load);

  invocation = parse_ok({"-o", "out-dir", "--output", "type=docker,name=x", "."});
  EXPECT_EQ(invocation.outputs, (Args{"out-dir", "type=docker,name=x"}));
  EXPECT_TRUE(invocation.load);
  EXPECT_FALSE(invocation.push);

  invocation = parse_ok({"--load", "--iidfile", "id.txt", "--target", "final", "."});
  EXPECT_TRUE(invocation.load);
  EXPECT_EQ(invocation.iidfile, "id.txt");
  EXPECT_EQ(invocation.target, "final");
}

TEST(ParseBuildArgs, Errors) {
  EXPECT_EQ(parse_error({}), "parsing `docker build` arguments: no build context (PATH, URL or -) given");
  EXPECT_EQ(parse_error({"-t", "x"}),
            "parsing `docker build` arguments: no build context (PATH, URL or -) given");
  EXPECT_EQ(parse_error({".", "other"}),
            "parsing `docker build` arguments: more than one build context: `.`, `other`");
  EXPECT_EQ(parse_error({".", "--tag"}), "parsing `docker build` arguments: option `--tag` needs a value");
  EXPECT_EQ(parse_error({".", "-f"}), "parsing `docker build` arguments: option `-f` needs a value");
  EXPECT_EQ(parse_error({"--frobnicate", "."}),
            "parsing `docker build` arguments: unknown option `--frobnicate`");
  EXPECT_EQ(parse_error({"--frob=1", "."}), "parsing `docker build` arguments: unknown option `--frob`");
  EXPECT_EQ(parse_error({"---x", "."}), "parsing `docker build` arguments: bad option syntax `---x`");
  EXPECT_EQ(parse_error({"--=x", "."}), "parsing `docker build` arguments: bad option syntax `--=x`");
}

TEST(ParseBuildArgs, EmptyArgumentIsPositional) { EXPECT_EQ(parse_ok({"-t", "x", ""}).context, ""); }

TEST(WithIidfile, InsertedBeforeTheContext) {
  EXPECT_EQ(with_iidfile({"-t", "x", "."}, "/tmp/id"), (Args{"-t", "x", "--iidfile", "/tmp/id", "."}));
  EXPECT_EQ(with_iidfile({".", "-t", "x"}, "/tmp/id"), (Args{"--iidfile", "/tmp/id", ".", "-t", "x"}));
  EXPECT_EQ(with_iidfile({"-f", "-", "-"}, "/tmp/id"), (Args{"-f", "-", "--iidfile", "/tmp/id", "-"}));
  // The value of an option equal to the context is not the context.
  EXPECT_EQ(with_iidfile({"-t", ".", "--label", "a", "."}, "p"),
            (Args{"-t", ".", "--label", "a", "--iidfile", "p", "."}));
}

TEST(WithIidfile, BeforeADoubleDash) {
  EXPECT_EQ(with_iidfile({"-t", "x", "--", "ctx"}, "p"), (Args{"-t", "x", "--iidfile", "p", "--", "ctx"}));
}

TEST(WithIidfile, UnchangedWhenGivenOrUnparsable) {
  const Args given{"--iidfile", "mine", "."};
  EXPECT_EQ(with_iidfile(given, "p"), given);
  const Args given_attached{"--iidfile=mine", "-t", "x", "."};
  EXPECT_EQ(with_iidfile(given_attached, "p"), given_attached);
  const Args no_context{"-t", "x"};
  EXPECT_EQ(with_iidfile(no_context, "p"), no_context);
  const Args unknown{"--frob", "."};
  EXPECT_EQ(with_iidfile(unknown, "p"), unknown);
}

TEST(WithIidfile, ResultParsesWithTheIidfile) {
  const Args args{"-qt", "x", "--platform=linux/amd64", "ctx", "--push"};
  const auto parsed = parse_build_args(with_iidfile(args, "/run/id"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->iidfile, "/run/id");
  EXPECT_EQ(parsed->context, "ctx");
  EXPECT_EQ(parsed->tags, Args{"x"});
}

TEST(WithoutPush, DropsPushAndRegistryOutputsKeepsTheRest) {
  EXPECT_EQ(without_push({"--push", "-t", "r/app:1", "."}), (Args{"-t", "r/app:1", "."}));
  EXPECT_EQ(without_push({"--push=true", "-t", "a", "."}), (Args{"-t", "a", "."}));
  EXPECT_EQ(without_push({"--output", "type=registry", "-t", "a", "."}), (Args{"-t", "a", "."}));
  EXPECT_EQ(without_push({"-o", "type=image,push=true", "."}), (Args{"."}));
  EXPECT_EQ(without_push({"--output=type=registry", "-otype=registry", "-o=type=registry", "."}),
            (Args{"."}));
  EXPECT_EQ(without_push({"-o", "type=local,dest=out", "."}), (Args{"-o", "type=local,dest=out", "."}));
  EXPECT_EQ(without_push({"-t", "a", ".", "--", "--push"}), (Args{"-t", "a", ".", "--", "--push"}));
  // What remains parses, and no longer asks for a push.
  EXPECT_FALSE(parse_ok(without_push({"--push", "-o", "type=registry", "-t", "a", "."})).push);
}

}  // namespace
}  // namespace chalk::build
