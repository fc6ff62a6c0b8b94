// An in-process HTTP/1.1 server for tests: listens on 127.0.0.1 (an ephemeral port) or on a
// unix socket, records every request and answers what the test's handler returns. Each
// connection is served on its own thread (a client may hold a streamed download open while
// it makes other requests) and closed after one answer, or kept for the next request with
// set_keep_alive(true); handler calls are serialised, so a
// handler may keep plain state. A handler can also hang (accept, never answer) or drop the
// connection after reading only part of a request body, as a dying server does.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace chalk::testing {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query, e.g. "/v2/app/blobs/uploads/?mount=..."
  std::string head;    // request line and headers
  std::string body;

  // The value of header `name` (case-insensitive), or "" when absent.
  [[nodiscard]] std::string header(std::string_view name) const {
    std::size_t start = head.find("\r\n");
    while (start != std::string::npos) {
      start += 2;
      const std::size_t end = std::min(head.find("\r\n", start), head.size());
      const std::string_view line(head.data() + start, end - start);
      if (const auto colon = line.find(':');
          colon == name.size() && same_letters(line.substr(0, colon), name)) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        return std::string(value);
      }
      start = end < head.size() ? end : std::string::npos;
    }
    return {};
  }
  [[nodiscard]] std::string path() const { return target.substr(0, target.find('?')); }

 private:
  static bool same_letters(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  }
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // HEAD answers: the Content-Length to state (the body is never sent).
  std::optional<std::size_t> head_length;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Looks at a request's head (body still unread): nullopt serves it normally, N reads at
  // most N body bytes and then closes the connection without an answer.
  using Cut = std::function<std::optional<std::size_t>(const HttpRequest&)>;
  // A handler's answer that keeps the connection open and never answers (until destruction).
  static constexpr int k_hang = 0;

  // On 127.0.0.1, an ephemeral port.
  explicit HttpServer(Handler handler) : m_handler(std::move(handler)) {
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t size = sizeof address;
    ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &size);
    m_port = ntohs(address.sin_port);
    start();
  }
  // On the unix socket `socket_path` (which must not exist).
  HttpServer(Handler handler, const std::string& socket_path) : m_handler(std::move(handler)) {
    m_listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
    start();
  }

  ~HttpServer() {
    m_stop = true;
    m_acceptor.join();
    for (auto& connection : m_connections) connection.join();
    ::close(m_listener);
  }

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  [[nodiscard]] int port() const { return m_port; }
  [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
  void set_cut(Cut cut) {
    std::lock_guard<std::mutex> guard(m_lock);
    m_cut = std::move(cut);
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard<std::mutex> guard(m_lock);
    return m_requests;
  }
  // Answers without `Connection: close` and serves the connection's next request.
  void set_keep_alive(bool keep) { m_keep_alive = keep; }
  // Connections accepted so far (a refused TLS handshake counts too).
  [[nodiscard]] int connections() const { return m_accepted; }

 private:
  void start() {
    ::listen(m_listener, 64);
    m_acceptor = std::thread([this] { accept_loop(); });
  }

  void accept_loop() {
    while (!m_stop) {
      pollfd ready{m_listener, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;
      const int connection = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) continue;
      ++m_accepted;
      m_connections.emplace_back([this, connection] {
        while (serve(connection) && m_keep_alive && !m_stop) {
        }
        ::close(connection);
      });
    }
  }

  // Reads into `data` until it holds `size` bytes, the peer closes, or the server stops.
  bool read_until(int connection, std::string& data, std::size_t size) {
    char buffer[65536];
    while (data.size() < size) {
      pollfd ready{connection, POLLIN, 0};
      if (m_stop) return false;
      if (::poll(&ready, 1, 20) <= 0) continue;
      const ssize_t got = ::read(connection, buffer, std::min(sizeof buffer, size - data.size()));
      if (got <= 0) return false;
      data.append(buffer, static_cast<std::size_t>(got));
    }
    return true;
  }

  // Serves one request; false when the connection is done (closed, refused, cut or hung).
  bool serve(int connection) {
    std::string data;
    std::size_t head_end = std::string::npos;
    while (head_end == std::string::npos) {
      if (!read_until(connection, data, data.size() + 1)) return false;
      // Not HTTP (a TLS ClientHello starts with 0x16): refuse it at once, as real plain
      // HTTP servers do, so a client trying HTTPS first fails its handshake fast.
      if (!std::isupper(static_cast<unsigned char>(data[0]))) {
        const std::string refusal = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
        (void)::send(connection, refusal.data(), refusal.size(), MSG_NOSIGNAL);
        return false;
      }
      head_end = data.find("\r\n\r\n");
    }
    HttpRequest request;
    request.head = data.substr(0, head_end);
    const std::size_t space = request.head.find(' ');
    request.method = request.head.substr(0, space);
    request.target = request.head.substr(space + 1, request.head.find(' ', space + 1) - space - 1);
    const std::string length_text = request.header("Content-Length");
    std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
    std::optional<std::size_t> cut;
    {
      std::lock_guard<std::mutex> guard(m_lock);
      if (m_cut) cut = m_cut(request);
    }
    if (cut) length = std::min(length, *cut);
    (void)read_until(connection, request.body, length);
    HttpResponse response;
    {
      std::lock_guard<std::mutex> guard(m_lock);
      m_requests.push_back(request);
      if (cut) return false;
      response = m_handler(request);
    }
    if (response.status == k_hang) {
      while (!m_stop) ::poll(nullptr, 0, 20);
      return false;
    }
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " X\r\n";
    if (!m_keep_alive) out += "Connection: close\r\n";
    const std::size_t stated = response.head_length.value_or(response.body.size());
    out += "Content-Length: " + std::to_string(stated) + "\r\n";
    for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
    out += "\r\n";
    if (request.method != "HEAD") out += response.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      const ssize_t wrote = ::send(connection, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (wrote <= 0) return false;
      sent += static_cast<std::size_t>(wrote);
    }
    return true;
  }

  Handler m_handler;
  Cut m_cut;
  int m_listener = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<bool> m_keep_alive{false};
  std::atomic<int> m_accepted{0};
  std::thread m_acceptor;
  std::vector<std::thread> m_connections;  // touched only by the acceptor, then the destructor
  std::mutex m_lock;
  std::vector<HttpRequest> m_requests;
};

}  // namespace chalk::testing
