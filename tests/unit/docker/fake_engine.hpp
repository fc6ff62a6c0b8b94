// A fake Docker engine for unit tests: an HTTP/1.1 server on a unix socket in a temporary
// directory, answering each request with what the test's handler returns and recording it.
// One connection at a time; each answer closes its connection.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace chalk::docker::testing {

struct FakeRequest {
  std::string method;
  std::string target;  // path and query, e.g. "/v1.41/images/app:1/json"
  std::string head;    // request line and headers
  std::string body;
};

struct FakeResponse {
  int status = 200;
  std::string body;
  std::string api_version = "1.41";  // the Api-Version header ("" for none)
};

class FakeEngine {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeEngine(Handler handler) : m_handler(std::move(handler)) {
    m_dir = std::filesystem::temp_directory_path() /
            ("chalk-fake-engine-" + std::to_string(::getpid()) + "-" + std::to_string(s_count++));
    std::filesystem::create_directories(m_dir);
    m_socket = (m_dir / "docker.sock").string();
    m_listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, m_socket.c_str(), sizeof address.sun_path - 1);
    ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(m_listener, 16);
    m_thread = std::thread([this] { serve(); });
  }

  ~FakeEngine() {
    m_stop = true;
    m_thread.join();
    ::close(m_listener);
    std::filesystem::remove_all(m_dir);
  }

  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;

  [[nodiscard]] std::string host() const { return "unix://" + m_socket; }
  std::vector<FakeRequest> requests() {
    std::lock_guard<std::mutex> guard(m_lock);
    return m_requests;
  }
  // The requests' "METHOD target" lines, without the version negotiation.
  std::vector<std::string> calls() {
    std::vector<std::string> lines;
    for (const auto& request : requests()) {
      if (request.target != "/_ping") lines.push_back(request.method + " " + request.target);
    }
    return lines;
  }

 private:
  void serve() {
    while (!m_stop) {
      pollfd ready{m_listener, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      const int connection = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) continue;
      answer(connection);
      ::close(connection);
    }
  }

  void answer(int connection) {
    std::string data;
    char buffer[65536];
    std::size_t head_end = std::string::npos;
    while (head_end == std::string::npos) {
      const ssize_t got = ::read(connection, buffer, sizeof buffer);
      if (got <= 0) return;
      data.append(buffer, static_cast<std::size_t>(got));
      head_end = data.find("\r\n\r\n");
    }
    FakeRequest request;
    request.head = data.substr(0, head_end);
    std::size_t length = 0;
    std::string lower = request.head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto at = lower.find("content-length:"); at != std::string::npos)
      length = std::stoul(lower.substr(at + 15));
    request.body = data.substr(head_end + 4);
    while (request.body.size() < length) {
      const ssize_t got = ::read(connection, buffer, sizeof buffer);
      if (got <= 0) break;
      request.body.append(buffer, static_cast<std::size_t>(got));
    }
    const std::size_t space = request.head.find(' ');
    request.method = request.head.substr(0, space);
    request.target = request.head.substr(space + 1, request.head.find(' ', space + 1) - space - 1);
    {
      std::lock_guard<std::mutex> guard(m_lock);
      m_requests.push_back(request);
    }
    const FakeResponse response = m_handler(request);
    std::string out = "HTTP/1.1 " + std::to_string(response.status) +
                      " X\r\nContent-Length: " + std::to_string(response.body.size()) +
                      "\r\nConnection: close\r\n";
    if (!response.api_version.empty()) out += "Api-Version: " + response.api_version + "\r\n";
    out += "\r\n" + response.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      const ssize_t wrote = ::write(connection, out.data() + sent, out.size() - sent);
      if (wrote <= 0) return;
      sent += static_cast<std::size_t>(wrote);
    }
  }

  inline static std::atomic<int> s_count{0};
  Handler m_handler;
  std::filesystem::path m_dir;
  std::string m_socket;
  int m_listener = -1;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
  std::mutex m_lock;
  std::vector<FakeRequest> m_requests;
};

}  // namespace chalk::docker::testing
