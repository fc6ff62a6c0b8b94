// Sinks: where one report goes (REPORTS.md §9). make_sink builds one from its validated
// `sink_config`; deliver() never throws and returns within the sink's bounded retries.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "oci/util/result.hpp"
#include "plugin/config/settings.hpp"
#include "plugin/sinks/effects.hpp"

namespace chalk::sinks {

enum class DeliveryState {
  delivered,
  failed,              // may work next time (server down, 5xx after the retries)
  failed_permanently,  // never will (4xx, bad configuration): the sink is disabled
};

struct Delivery {
  DeliveryState state = DeliveryState::delivered;
  std::string cause;  // for failures; never holds credentials or Authorization headers

  static Delivery ok() { return {}; }
  static Delivery failure(std::string why) { return {DeliveryState::failed, std::move(why)}; }
  static Delivery final_failure(std::string why) {
    return {DeliveryState::failed_permanently, std::move(why)};
  }
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Delivers one report (a JSON object); thread-compatible, the publisher serialises calls.
  virtual Delivery deliver(const nlohmann::json& report) = 0;
};

// What sinks may touch. References must outlive the sinks built from them.
struct SinkDeps {
  HttpTransport* transport = nullptr;  // post, s3
  Clock* clock = nullptr;              // retries' backoff, s3 dates and keys
  RandomSource* random = nullptr;      // s3 keys
  int stdout_fd = 1;
  int stderr_fd = 2;
  std::function<bool(int)> is_tty;            // unset: isatty(3)
  std::string home;                           // for `~`; "" = $HOME, else the passwd entry
  const std::atomic<bool>* cancel = nullptr;  // set by an owner shutting down: HTTP attempts stop
};

// Builds the sink a `sink_config` describes; an error (config code) when it cannot work at all:
// unknown type, missing filename or uri, a bad s3 uri, `http://` with disallow_http.
util::Result<std::unique_ptr<Sink>> make_sink(const config::SinkConfig& config, const SinkDeps& deps);

// Serialisations of one report (REPORTS.md §9): the one-element array screens and HTTP get,
// and the JSON Lines object files and S3 get, written by json_text.hpp (raw values verbatim).
// Invalid UTF-8 is replaced, never thrown on.
std::string as_array_line(const nlohmann::json& report, bool pretty);
std::string as_array(const nlohmann::json& report);  // `[report]`, no newline (post bodies)
std::string as_object_line(const nlohmann::json& report);

}  // namespace chalk::sinks
