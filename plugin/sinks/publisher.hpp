// The topic publisher (REPORTS.md §10): routes each report to the sinks subscribed to its topic
// and to every enabled custom report whose use_when matches, filtered to that report's template.
// A report's sinks are written highest `priority` first (ties in subscription order).
// Failures never escape: each failing sink is reported once per publisher on the error log as
// `chalk: sink 'NAME' (TYPE): CAUSE`, and a sink that can never work is disabled, as is one
// that failed `disable_after_errors` times in a row. After each write, a sink's `on_write_msg`
// goes to the same log when `log_level` shows info.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "plugin/config/settings.hpp"
#include "plugin/sinks/effects.hpp"
#include "plugin/sinks/sink.hpp"

namespace chalk::sinks {

enum class DeliveryMode {
  synchronous,  // the plugin: publish returns after delivery or bounded failure
  background,   // the shim: one worker thread, at most one pending report per sink and route
};

struct PublisherDeps {
  SinkDeps sinks;
  ErrorLog* error_log = nullptr;  // failures and on_write_msg lines; nullptr: stderr_log()
};

// The real effects: the system clock and random source, `transport` (may be null when no
// network sink is configured) and `error_log` (null: stderr).
PublisherDeps system_deps(HttpTransport* transport, ErrorLog* error_log = nullptr);

class Publisher {
 public:
  // Builds every sink a subscription or an enabled custom report names. A sink that cannot be
  // built (bad uri, no filename) is reported when first used, like any other failure.
  Publisher(const config::Settings& settings, PublisherDeps deps, DeliveryMode mode);
  // Background mode: pending reports are dropped and an attempt in flight is cancelled
  // (libcurl notices within about a second); call flush() first to deliver them.
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Topic "report" plus the custom reports whose use_when holds the report's `_OPERATION`
  // (unless the settings' skip_command_report / skip_custom_reports turn either off).
  void publish(const nlohmann::json& report);
  // Only the sinks subscribed to `topic` ("fail", "audit", "version"...), unfiltered.
  void publish_to_topic(std::string_view topic, const nlohmann::json& report);
  // Background mode: waits until nothing is pending or in flight, at most `deadline_ms`;
  // true when drained. Synchronous mode: true at once.
  bool flush(std::int64_t deadline_ms);
  // Whether publish() would deliver a report of `operation` anywhere: lets the shim skip
  // collecting reports nobody receives.
  [[nodiscard]] bool has_destinations(std::string_view operation) const;

 private:
  struct Slot;
  struct Route {
    std::size_t slot;
    std::string route;  // "topic:T" or "custom:R": the unit of replacement in background mode
    nlohmann::json payload;
  };

  void add_slot(const std::string& name);
  void routes_for_topic(std::string_view topic, const nlohmann::json& report, std::vector<Route>& out) const;
  void dispatch(std::vector<Route> routes);
  void deliver(Slot& slot, const nlohmann::json& payload);
  void work();

  config::Settings m_settings;
  PublisherDeps m_deps;
  DeliveryMode m_mode;
  std::vector<std::unique_ptr<Slot>> m_slots;
  std::map<std::string, std::size_t, std::less<>> m_slot_index;

  std::mutex m_lock;  // synchronous: serialises deliveries; background: guards the queue
  std::condition_variable m_changed;
  // (-priority, slot, route): the worker takes the highest priority first.
  std::map<std::tuple<std::int64_t, std::size_t, std::string>, nlohmann::json> m_pending;
  bool m_busy = false;
  bool m_stopping = false;
  std::atomic<bool> m_cancel{false};
  std::thread m_worker;
};

// The report restricted to a template's keys (REPORTS.md §4, §5, §10): `_OPERATION`,
// `_TIMESTAMP` and `_DATETIME` always stay; asking for either name of a host-key pair
// (_OP_HOSTINFO/_OP_HOST_VERSION, _OP_NODENAME/_OP_HOST_NODENAME) keeps both; shim reports
// (exec, heartbeat) always keep their join keys CHALK_ID, METADATA_ID, _EXEC_ID and
// _HEARTBEAT_COUNT. Only top-level keys are filtered.
nlohmann::json apply_template(const nlohmann::json& report, const std::set<std::string>& keys);

// The sink config behind a built-in name (default_out, console_out, console_err,
// json_console_out, json_console_err) when the settings do not define it.
std::optional<config::SinkConfig> builtin_sink_config(std::string_view name);

}  // namespace chalk::sinks
