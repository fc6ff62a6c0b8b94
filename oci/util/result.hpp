// Result<T>: a value or an Error. Library code returns these instead of throwing;
// each layer adds context with Error::with_context ("doing what `object`: cause").
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace chalk::util {

enum class Errc {
  io,                // reading or writing a file failed
  not_found,         // a named thing does not exist
  invalid_format,    // bytes do not parse as what they claim to be
  digest_mismatch,   // content does not hash to its descriptor's digest
  size_mismatch,     // content is not its descriptor's size
  unsafe_path,       // a path escapes its root (.., absolute, link out)
  unsupported,       // valid, but not something we handle
  config,            // a configuration is rejected
  registry,          // a registry answered with an error
  docker,            // the docker engine or CLI failed
  invalid_argument,  // the caller asked for something impossible
};

struct Error {
  Errc code;
  std::string message;

  // Returns a copy whose message reads "context: message".
  [[nodiscard]] Error with_context(std::string_view context) const {
    return Error{code, std::string(context) + ": " + message};
  }
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_state(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : m_state(std::move(error)) {}  // NOLINT: implicit by design

  [[nodiscard]] bool ok() const { return m_state.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(m_state); }
  const T& value() const& { return std::get<0>(m_state); }
  T&& value() && { return std::get<0>(std::move(m_state)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  [[nodiscard]] const Error& error() const { return std::get<1>(m_state); }

 private:
  std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)), m_failed(true) {}  // NOLINT: implicit by design

  [[nodiscard]] bool ok() const { return !m_failed; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const Error& error() const { return m_error; }

 private:
  Error m_error{Errc::io, {}};
  bool m_failed = false;
};

using Status = Result<void>;

}  // namespace chalk::util

// Propagates an error from an expression returning Result<...>, adding no context.
#define CHALK_TRY(expr)                                       \
  do {                                                        \
    auto chalk_try_result_ = (expr);                          \
    if (!chalk_try_result_) return chalk_try_result_.error(); \
  } while (0)
