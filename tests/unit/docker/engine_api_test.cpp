// The Engine API client against a fake engine on a unix socket: version negotiation, each
// call's method, path and body, the answers turned into values or one-line errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "plugin/docker/engine.hpp"
#include "tests/unit/docker/fake_engine.hpp"

namespace chalk::docker {
namespace {

namespace fs = std::filesystem;
using testing::FakeEngine;
using testing::FakeRequest;
using testing::FakeResponse;

// A DockerClient that records what it was asked to run and answers from a script.
class RecordingClient final : public DockerClient {
 public:
  util::Result<int> stream(const std::vector<std::string>& args) override {
    calls.push_back(args);
    return 0;
  }
  util::Result<CommandResult> capture(const std::vector<std::string>& args, const std::string&) override {
    calls.push_back(args);
    return answer;
  }
  std::vector<std::vector<std::string>> calls;
  CommandResult answer;
};

FakeResponse not_found(const FakeRequest&) { return {404, R"({"message":"No such image: x"})"}; }

std::unique_ptr<Engine> api_engine(const FakeEngine& fake, RecordingClient& fallback, DebugLog debug = {}) {
  Endpoint endpoint;
  endpoint.host = fake.host();
  return make_engine(endpoint, fallback, std::move(debug));
}

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("chalk-engine-api-test-" + std::to_string(::getpid()) + "-" + name);
}

TEST(EngineApiTest, NegotiatesTheVersionOnceThenInspects) {
  FakeEngine fake([](const FakeRequest& request) -> FakeResponse {
    if (request.target == "/_ping") return {200, "OK", "1.41"};
    return {200, R"({"Id":"sha256:abc","RepoTags":["app:1"]})"};
  });
  RecordingClient fallback;
  auto engine = api_engine(fake, fallback);
  auto inspect = engine->inspect_image("chalk-e2e/app:1");
  ASSERT_TRUE(inspect) << inspect.error().message;
  EXPECT_EQ("sha256:abc", inspect->value("Id", ""));
  ASSERT_TRUE(engine->inspect_image("sha256:abc"));
  const auto requests = fake.requests();
  ASSERT_EQ(3U, requests.size());
  EXPECT_EQ("GET /_ping", requests[0].method + " " + requests[0].target);
  EXPECT_EQ((std::vector<std::string>{"GET /v1.41/images/chalk-e2e/app:1/json",
                                      "GET /v1.41/images/sha256:abc/json"}),
            fake.calls());
  EXPECT_TRUE(fallback.calls.empty());
}

TEST(EngineApiTest, SpeaksAtMostItsNewestVersionAndRefusesOldEngines) {
  FakeEngine newer([](const FakeRequest& request) -> FakeResponse {
    if (request.target == "/_ping") return {200, "OK", "1.52"};
    return {200, "{}"};
  });
  RecordingClient fallback;
  ASSERT_TRUE(api_engine(newer, fallback)->inspect_image("app"));
  EXPECT_EQ("GET /v1.47/images/app/json", newer.calls().at(0));

  FakeEngine older([](const FakeRequest&) -> FakeResponse { return {200, "OK", "1.12"}; });
  auto refused = api_engine(older, fallback)->image_history("app");
  ASSERT_FALSE(refused);
  EXPECT_EQ(util::Errc::docker, refused.error().code);
  EXPECT_NE(std::string::npos, refused.error().message.find("API version `1.12` is older than 1.24"));
  EXPECT_TRUE(older.calls().empty());
}

TEST(EngineApiTest, UnknownImageIsNotFound) {
  FakeEngine fake([](const FakeRequest& request) -> FakeResponse {
    return request.target == "/_ping" ? FakeResponse{200, "OK"} : not_found(request);
  });
  RecordingClient fallback;
  auto inspect = api_engine(fake, fallback)->inspect_image("nope:1");
  ASSERT_FALSE(inspect);
  EXPECT_EQ(util::Errc::not_found, inspect.error().code);
  EXPECT_EQ("`nope:1`: no such file, directory or local image", inspect.error().message);
}

TEST(EngineApiTest, UnreachableEngineNamesTheEndpoint) {
  Endpoint endpoint;
  endpoint.host = "unix://" + temp_file("absent.sock").string();
  RecordingClient fallback;
  auto inspect = make_engine(endpoint, fallback, {})->inspect_image("app");
  ASSERT_FALSE(inspect);
  EXPECT_EQ(util::Errc::docker, inspect.error().code);
  EXPECT_NE(std::string::npos, inspect.error().message.find("docker engine at " + endpoint.host));
}

TEST(EngineApiTest, HistoryOldestFirstInTheClisShape) {
  FakeEngine fake([](const FakeRequest& request) -> FakeResponse {
    if (request.target == "/_ping") return {200, "OK"};
    return {
        200,
        R"([{"Id":"sha256:2","Created":1700000060,"CreatedBy":"/bin/sh -c echo hi > /f","Size":12,"Comment":""},
                     {"Id":"<missing>","Created":1700000000,"CreatedBy":"ADD file:x in /","Size":0,"Comment":"base"}])"};
  });
  RecordingClient fallback;
  auto history = api_engine(fake, fallback)->image_history("app:1");
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(2U, history->size());
  EXPECT_EQ("2023-11-14T22:13:20Z", (*history)[0]["CreatedAt"]);
  EXPECT_EQ("ADD file:x in /", (*history)[0]["CreatedBy"]);
  EXPECT_EQ("base", (*history)[0]["Comment"]);
  EXPECT_EQ(0, (*history)[0]["Size"]);
  EXPECT_EQ("2023-11-14T22:14:20Z", (*history)[1]["CreatedAt"]);
  EXPECT_TRUE((*history)[1]["Size"].is_number_unsigned());
  EXPECT_EQ(12U, (*history)[1]["Size"].get<std::uint64_t>());
  EXPECT_EQ("GET /v1.41/images/app:1/history", fake.calls().at(0));
}

// A broken (or hostile) engine's answer is an error naming the field, never an exception.
TEST(EngineApiTest, AHistoryEntryOfTheWrongShapeIsAnError) {
  for (const std::string entry : {R"({"Created":"yesterday","CreatedBy":"x","Size":1,"Comment":""})",
                                  R"({"Created":1,"CreatedBy":7,"Size":1,"Comment":""})",
                                  R"({"Created":1,"CreatedBy":"x","Size":null,"Comment":""})"}) {
    FakeEngine fake([&](const FakeRequest& request) -> FakeResponse {
      if (request.target == "/_ping") return {200, "OK"};
      return {200, "[" + entry + "]"};
    });
    RecordingClient fallback;
    auto history = api_engine(fake, fallback)->image_history("app:1");
    ASSERT_FALSE(history) << entry;
    EXPECT_EQ(util::Errc::docker, history.error().code);
    EXPECT_NE(std::string::npos, history.error().message.find("reading the history of `app:1`: an entry's "))
        << history.error().message;
  }
}

TEST(EngineApiTest, LoadStreamsTheArchiveAndReadsTheMessages) {
  const fs::path archive = temp_file("load.tar");
  const std::string bytes(3 << 20, 'x');  // big enough to arrive in many reads
  std::ofstream(archive, std::ios::binary) << bytes;
  FakeEngine fake([](const FakeRequest& request) -> FakeResponse {
    if (request.target == "/_ping") return {200, "OK"};
    return {200, "{\"stream\":\"Loaded image ID: sha256:abc\\n\"}\r\n"};
  });
  RecordingClient fallback;
  auto loaded = api_engine(fake, fallback)->load_image(archive);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ("Loaded image ID: sha256:abc\n", *loaded);
  const auto request = fake.requests().back();
  EXPECT_EQ("POST /v1.41/images/load?quiet=1", request.method + " " + request.target);
  EXPECT_NE(std::string::npos, request.head.find("Content-Type: application/x-tar"));
  EXPECT_TRUE(request.body == bytes) << "the engine got " << request.body.size() << " bytes";
  fs::remove(archive);
}

TEST(EngineApiTest, LoadFailsOnAnErrorInTheStream) {
  const fs::path archive = temp_file("bad.tar");
  std::ofstream(archive) << "not a tar";
  FakeEngine fake([](const FakeRequest& request) -> FakeResponse {
    if (request.target == "/_ping") return {200, "OK"};
    return {200, R"({"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"})"};
  });
  RecordingClient fallback;
  auto loaded = api_engine(fake, fallback)->load_image(archive);
  ASSERT_FALSE(loaded);
  EXPECT_EQ("loading `" + archive.string() + "`: unexpected EOF", loaded.error().message);
  fs::remove(archive);
}

TEST(EngineApiTest, SaveWritesTheStreamOrFailsWithTheEnginesMessage) {
  const fs::path saved = temp_file("saved.tar");
  FakeEngine fake([](const FakeRequest& request) -> FakeResponse {
    if (request.target == "/_ping") return {200, "OK"};
    if (request.target.find("names=broken") != std::string::npos)
      return {500, R"({"message":"disk on fire"})"};
    return {200, "TARBYTES"};
  });
  RecordingClient fallback;
  auto engine = api_engine(fake, fallback);
  ASSERT_TRUE(engine->save_image("app:1", saved));
  std::ifstream in(saved, std::ios::binary);
  EXPECT_EQ("TARBYTES", std::string(std::istreambuf_iterator<char>(in), {}));
  EXPECT_EQ("GET /v1.41/images/get?names=app:1", fake.calls().at(0));
  auto failed = engine->save_image("broken", saved);
  ASSERT_FALSE(failed);
  EXPECT_EQ("saving image `broken`: disk on fire", failed.error().message);
  fs::remove(saved);
}

TEST(EngineApiTest, CopyCreatesCopiesAndAlwaysRemovesTheContainer) {
  bool has_file = true;
  FakeEngine fake([&has_file](const FakeRequest& request) -> FakeResponse {
    if (request.target == "/_ping") return {200, "OK"};
    if (request.method == "POST") return {201, R"({"Id":"c0ffee","Warnings":[]})"};
    if (request.method == "GET")
      return has_file ? FakeResponse{200, "TAR"} : FakeResponse{404, R"({"message":"no"})"};
    return {204, ""};
  });
  RecordingClient fallback;
  auto engine = api_engine(fake, fallback);
  auto copied = engine->copy_from_image("app:1", "/chalk.json");
  ASSERT_TRUE(copied) << copied.error().message;
  ASSERT_TRUE(copied->has_value());
  EXPECT_EQ("TAR", **copied);
  EXPECT_EQ((std::vector<std::string>{"POST /v1.41/containers/create",
                                      "GET /v1.41/containers/c0ffee/archive?path=/chalk.json",
                                      "DELETE /v1.41/containers/c0ffee?force=1&v=1"}),
            fake.calls());
  const auto create = fake.requests().at(1);
  EXPECT_EQ(R"({"Image":"app:1","Cmd":["/chalk"]})", create.body);

  has_file = false;
  auto absent = engine->copy_from_image("app:1", "/chalk.json");
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->has_value());
  EXPECT_EQ("DELETE /v1.41/containers/c0ffee?force=1&v=1", fake.calls().back());
}

TEST(EngineApiTest, NamesAreEscapedInPaths) {
  FakeEngine fake([](const FakeRequest& request) -> FakeResponse {
    return request.target == "/_ping" ? FakeResponse{200, "OK"} : not_found(request);
  });
  RecordingClient fallback;
  EXPECT_FALSE(api_engine(fake, fallback)->inspect_image("a?b#c d"));
  EXPECT_EQ("GET /v1.41/images/a%3Fb%23c%20d/json", fake.calls().at(0));
}

TEST(EngineApiTest, DebugSaysEachCallAndItsTime) {
  // An engine without an Api-Version header is spoken to at the oldest version.
  FakeEngine fake([](const FakeRequest& request) -> FakeResponse {
    if (request.target == "/_ping") return {200, "OK", ""};
    return not_found(request);
  });
  RecordingClient fallback;
  std::vector<std::string> lines;
  EXPECT_FALSE(api_engine(fake, fallback, [&lines](const std::string& line) {
                 lines.push_back(line);
               })->inspect_image("x"));
  ASSERT_EQ(2U, lines.size());
  EXPECT_EQ(0U, lines[0].find("engine GET /_ping: 200 in "));
  EXPECT_EQ(0U, lines[1].find("engine GET /v1.24/images/x/json: 404 in "));
  EXPECT_NE(std::string::npos, lines[1].find(" ms"));
}

TEST(EngineApiTest, EndpointsTheClientCannotSpeakGoThroughTheCli) {
  RecordingClient fallback;
  fallback.answer.out = R"([{"Id":"sha256:abc"}])";
  std::vector<std::string> lines;
  Endpoint endpoint;
  endpoint.host = "ssh://me@box";
  auto engine = make_engine(endpoint, fallback, [&lines](const std::string& line) { lines.push_back(line); });
  auto inspect = engine->inspect_image("app:1");
  ASSERT_TRUE(inspect) << inspect.error().message;
  EXPECT_EQ("sha256:abc", inspect->value("Id", ""));
  ASSERT_EQ(1U, fallback.calls.size());
  EXPECT_EQ((std::vector<std::string>{"image", "inspect", "--", "app:1"}), fallback.calls[0]);
  ASSERT_EQ(1U, lines.size());
  EXPECT_NE(std::string::npos, lines[0].find("ssh://me@box: not an endpoint chalk's API client speaks"));

  // Without --debug nothing is said.
  RecordingClient quiet;
  quiet.answer.out = R"([{"Id":"sha256:abc"}])";
  EXPECT_TRUE(make_engine(endpoint, quiet, {})->inspect_image("app:1"));
}

TEST(CliEngineTest, HistoryOldestFirstAndDockersOwnMessage) {
  RecordingClient client;
  client.answer.out = "{\"CreatedBy\":\"new\"}\n{\"CreatedBy\":\"old\"}\n";
  auto engine = make_cli_engine(client);
  auto history = engine->image_history("app:1");
  ASSERT_TRUE(history) << history.error().message;
  EXPECT_EQ("old", (*history)[0]["CreatedBy"]);
  EXPECT_EQ("new", (*history)[1]["CreatedBy"]);
  EXPECT_EQ(
      (std::vector<std::string>{"history", "--no-trunc", "--human=false", "--format", "{{json .}}", "app:1"}),
      client.calls.at(0));
  client.answer = {1, "", "warning\nError: something broke\n"};
  auto failed = engine->save_image("app:1", "/tmp/x.tar");
  ASSERT_FALSE(failed);
  EXPECT_EQ("saving image `app:1`: Error: something broke", failed.error().message);
}

}  // namespace
}  // namespace chalk::docker
