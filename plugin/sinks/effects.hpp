// The effects sinks need, behind narrow interfaces so tests can pin them: an HTTP
// transport, a clock, a random source and the error log. system_effects() gives the real ones.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chalk::sinks {

struct HttpRequest {
  std::string method;  // "POST", "PUT"
  std::string url;     // absolute, already percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::int64_t timeout_ms = 5000;  // whole attempt, connect included
  // Response bytes kept: a few KiB read an S3 error code; a fetched config needs its whole file.
  std::size_t max_response_body = 8192;
  // The certificate(s) to trust for this request instead of the transport's CA bundle
  // (a post sink's pinned_cert_file); "" = the bundle.
  std::string ca_file;
  // Set by an owner that is shutting down: a transport aborts the attempt soon after.
  const std::atomic<bool>* cancel = nullptr;
};

// How one attempt ended when no HTTP status came back.
enum class TransportFailure {
  none,     // a response arrived (see HttpOutcome::status)
  connect,  // refused, unreachable, name not resolved, reset before an answer
  timeout,  // no complete answer within the timeout
  tls,      // certificate or handshake rejected: never retried
  other,    // anything else (bad URL, cancelled, out of memory)
};

struct HttpOutcome {
  TransportFailure failure = TransportFailure::none;
  long status = 0;              // HTTP status when failure == none
  std::string body;             // response body, at most HttpRequest::max_response_body bytes
  bool body_truncated = false;  // the response had more than that: `body` is not all of it
  std::string message;          // failure detail; never contains credentials
};

// Sends one request, no redirects followed, TLS verification always on.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual HttpOutcome send(const HttpRequest& request) = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() = 0;  // Unix epoch milliseconds
  virtual void sleep_ms(std::int64_t ms) = 0;
};

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::uint8_t* data, std::size_t size) = 0;
};

// Where sink failures are reported: one line per call, no trailing newline given.
class ErrorLog {
 public:
  virtual ~ErrorLog() = default;
  virtual void line(std::string_view text) = 0;
};

// The real clock, a getrandom(2) source and a stderr log that writes each line atomically.
Clock& system_clock();
RandomSource& system_random();
ErrorLog& stderr_log();

}  // namespace chalk::sinks
