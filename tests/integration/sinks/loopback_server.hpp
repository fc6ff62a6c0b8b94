// A scripted HTTP server on 127.0.0.1 for integration tests (tests/support/http_server.hpp):
// answers each request with the next scripted status (the last repeats), or holds the
// connection without answering.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "tests/support/http_server.hpp"

namespace chalk::sinks::testing {

using ReceivedRequest = chalk::testing::HttpRequest;

class LoopbackServer {
 public:
  static constexpr int k_hang = chalk::testing::HttpServer::k_hang;  // accept, read, never answer

  explicit LoopbackServer(std::vector<int> script)
      : m_script(std::move(script)), m_server([this](const ReceivedRequest&) {
          const std::size_t answered = m_answered++;
          return chalk::testing::HttpResponse{
              m_script[std::min(answered, m_script.size() - 1)], {}, "ok", {}};
        }) {}

  [[nodiscard]] std::string url(const std::string& path = "/reports") const {
    return "http://" + m_server.address() + path;
  }
  std::vector<ReceivedRequest> received() { return m_server.requests(); }

 private:
  std::vector<int> m_script;
  std::atomic<std::size_t> m_answered{0};
  chalk::testing::HttpServer m_server;  // last: its thread uses the script
};

// A port nothing listens on: bound, then closed.
inline int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t size = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace chalk::sinks::testing
