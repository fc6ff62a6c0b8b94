// A minimal HTTP/1.1 server on 127.0.0.1 for integration tests: answers each request with
// the next scripted status (the last repeats), or holds the connection without answering.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace chalk::sinks::testing {

struct ReceivedRequest {
  std::string head;  // request line and headers
  std::string body;
};

class LoopbackServer {
 public:
  static constexpr int k_hang = 0;  // scripted "status": accept, read, never answer

  explicit LoopbackServer(std::vector<int> script) : m_script(std::move(script)) {
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(m_listener, 16);
    socklen_t size = sizeof addr;
    ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&addr), &size);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }

  ~LoopbackServer() {
    m_stop = true;
    m_thread.join();
    for (int fd : m_held) ::close(fd);
    ::close(m_listener);
  }

  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  [[nodiscard]] std::string url(const std::string& path = "/reports") const {
    return "http://127.0.0.1:" + std::to_string(m_port) + path;
  }
  std::vector<ReceivedRequest> received() {
    std::lock_guard<std::mutex> guard(m_lock);
    return m_received;
  }

 private:
  void serve() {
    while (!m_stop) {
      pollfd p{m_listener, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ReceivedRequest request = read_request(fd);
      int answer = 0;
      {
        std::lock_guard<std::mutex> guard(m_lock);
        m_received.push_back(request);
        answer = m_script[std::min(m_received.size(), m_script.size()) - 1];
      }
      if (answer == k_hang) {
        m_held.push_back(fd);
        continue;
      }
      std::string response = "HTTP/1.1 " + std::to_string(answer) +
                             " Scripted\r\nContent-Length: 2\r\n"
                             "Connection: close\r\n\r\nok";
      (void)::write(fd, response.data(), response.size());
      ::close(fd);
    }
  }

  ReceivedRequest read_request(int fd) {
    std::string data;
    std::array<char, 4096> buffer{};
    std::size_t header_end = std::string::npos;
    std::size_t length = 0;
    while (!m_stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) break;
      ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n <= 0) break;
      data.append(buffer.data(), static_cast<std::size_t>(n));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) length = content_length(data.substr(0, header_end));
      }
      if (header_end != std::string::npos && data.size() >= header_end + 4 + length) break;
    }
    if (header_end == std::string::npos) return {data, {}};
    return {data.substr(0, header_end), data.substr(header_end + 4)};
  }

  static std::size_t content_length(const std::string& head) {
    for (std::size_t pos = head.find("\r\n"); pos != std::string::npos; pos = head.find("\r\n", pos + 2)) {
      std::string line = head.substr(pos + 2, head.find("\r\n", pos + 2) - pos - 2);
      std::string lower;
      for (char c : line) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.rfind("content-length:", 0) == 0) return std::stoul(line.substr(15));
    }
    return 0;
  }

  std::vector<int> m_script;
  int m_listener = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
  std::mutex m_lock;
  std::vector<ReceivedRequest> m_received;
  std::vector<int> m_held;
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
