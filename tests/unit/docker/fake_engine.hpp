// A fake Docker engine for unit tests: an HTTP/1.1 server (tests/support/http_server.hpp) on
// a unix socket in a temporary directory, answering each request with what the test's
// handler returns and recording it. Each answer closes its connection.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/http_server.hpp"

namespace chalk::docker::testing {

using FakeRequest = chalk::testing::HttpRequest;

struct FakeResponse {
  int status = 200;
  std::string body;
  std::string api_version = "1.41";  // the Api-Version header ("" for none)
};

class FakeEngine {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeEngine(Handler handler)
      : m_dir(std::filesystem::temp_directory_path() /
              ("chalk-fake-engine-" + std::to_string(::getpid()) + "-" + std::to_string(s_count++))),
        m_socket((std::filesystem::create_directories(m_dir), (m_dir / "docker.sock").string())),
        m_server(
            [handler = std::move(handler)](const FakeRequest& request) {
              const FakeResponse answer = handler(request);
              chalk::testing::HttpResponse response{answer.status, {}, answer.body, {}};
              if (!answer.api_version.empty())
                response.headers.emplace_back("Api-Version", answer.api_version);
              return response;
            },
            m_socket) {}

  ~FakeEngine() { std::filesystem::remove_all(m_dir); }

  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;

  [[nodiscard]] std::string host() const { return "unix://" + m_socket; }
  std::vector<FakeRequest> requests() { return m_server.requests(); }
  // The requests' "METHOD target" lines, without the version negotiation.
  std::vector<std::string> calls() {
    std::vector<std::string> lines;
    for (const auto& request : requests()) {
      if (request.target != "/_ping") lines.push_back(request.method + " " + request.target);
    }
    return lines;
  }

 private:
  inline static std::atomic<int> s_count{0};
  std::filesystem::path m_dir;
  std::string m_socket;
  chalk::testing::HttpServer m_server;
};

}  // namespace chalk::docker::testing
