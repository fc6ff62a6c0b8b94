// Test doubles for the sinks' effects: a scripted transport, a manual clock, a predictable
// random source and a recording error log.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "plugin/sinks/effects.hpp"

namespace chalk::sinks::testing {

inline HttpOutcome status(long code, std::string body = {}) {
  HttpOutcome out;
  out.status = code;
  out.body = std::move(body);
  return out;
}

inline HttpOutcome failure(TransportFailure kind, std::string message) {
  HttpOutcome out;
  out.failure = kind;
  out.message = std::move(message);
  return out;
}

// Answers from a script (the last answer repeats) and records every request. With a gate
// closed, send() blocks until open_gate(), so tests can hold a delivery in flight.
class FakeTransport final : public HttpTransport {
 public:
  explicit FakeTransport(std::vector<HttpOutcome> script = {status(200)}) : m_script(std::move(script)) {}

  HttpOutcome send(const HttpRequest& request) override {
    std::unique_lock<std::mutex> guard(m_lock);
    m_requests.push_back(request);
    m_changed.notify_all();
    m_changed.wait(guard, [this] { return m_open; });
    std::size_t i = std::min(m_requests.size() - 1, m_script.size() - 1);
    return m_script[i];
  }

  void close_gate() {
    std::lock_guard<std::mutex> guard(m_lock);
    m_open = false;
  }
  void open_gate() {
    {
      std::lock_guard<std::mutex> guard(m_lock);
      m_open = true;
    }
    m_changed.notify_all();
  }
  void wait_for_requests(std::size_t count) {
    std::unique_lock<std::mutex> guard(m_lock);
    m_changed.wait(guard, [&] { return m_requests.size() >= count; });
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard<std::mutex> guard(m_lock);
    return m_requests;
  }

 private:
  std::mutex m_lock;
  std::condition_variable m_changed;
  std::vector<HttpOutcome> m_script;
  std::vector<HttpRequest> m_requests;
  bool m_open = true;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t now) : m_now(now) {}
  std::int64_t now_ms() override { return m_now; }
  void sleep_ms(std::int64_t ms) override {
    m_sleeps.push_back(ms);
    m_now += ms;
  }
  std::vector<std::int64_t> sleeps() const { return m_sleeps; }

 private:
  std::int64_t m_now;
  std::vector<std::int64_t> m_sleeps;
};

// Bytes 0, 1, 2, ... so keys are predictable.
class CountingRandom final : public RandomSource {
 public:
  void fill(std::uint8_t* data, std::size_t size) override {
    for (std::size_t i = 0; i < size; ++i) data[i] = m_next++;
  }

 private:
  std::uint8_t m_next = 0;
};

class RecordingLog final : public ErrorLog {
 public:
  void line(std::string_view text) override {
    std::lock_guard<std::mutex> guard(m_lock);
    m_lines.emplace_back(text);
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> guard(m_lock);
    return m_lines;
  }

 private:
  std::mutex m_lock;
  std::vector<std::string> m_lines;
};

}  // namespace chalk::sinks::testing
