#include "plugin/sinks/publisher.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

#include "plugin/config/interpreter.hpp"

namespace chalk::sinks {

struct Publisher::Slot {
  config::SinkConfig config;
  std::unique_ptr<Sink> sink;
  std::string build_error;  // why `sink` is null
  bool disabled = false;
  bool reported = false;
  std::int64_t consecutive_failures = 0;
};

namespace {

constexpr std::string_view k_report_topic = "report";

bool is_shim_operation(const nlohmann::json& report) {
  auto it = report.find("_OPERATION");
  return it != report.end() && it->is_string() && (*it == "exec" || *it == "heartbeat");
}

std::string operation_of(const nlohmann::json& report) {
  auto it = report.find("_OPERATION");
  return it != report.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool runs_for(const config::CustomReport& custom, std::string_view operation) {
  return std::any_of(custom.use_when.begin(), custom.use_when.end(), [&](const std::string& op) {
    return op == "*" || (!operation.empty() && op == operation);
  });
}

}  // namespace

nlohmann::json apply_template(const nlohmann::json& report, const std::set<std::string>& keys) {
  static const std::set<std::string, std::less<>> k_always{"_OPERATION", "_TIMESTAMP", "_DATETIME"};
  static const std::set<std::string, std::less<>> k_join{"CHALK_ID", "METADATA_ID", "_EXEC_ID",
                                                         "_HEARTBEAT_COUNT"};
  static const std::map<std::string, std::string, std::less<>> k_alias{
      {"_OP_HOSTINFO", "_OP_HOST_VERSION"},
      {"_OP_HOST_VERSION", "_OP_HOSTINFO"},
      {"_OP_NODENAME", "_OP_HOST_NODENAME"},
      {"_OP_HOST_NODENAME", "_OP_NODENAME"},
  };
  if (!report.is_object()) return report;
  bool shim = is_shim_operation(report);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : report.items()) {
    bool keep = keys.count(key) != 0 || k_always.count(key) != 0 || (shim && k_join.count(key) != 0);
    if (!keep) {
      auto alias = k_alias.find(key);
      keep = alias != k_alias.end() && keys.count(alias->second) != 0;
    }
    if (keep) out[key] = value;
  }
  return out;
}

std::optional<config::SinkConfig> builtin_sink_config(std::string_view name) {
  std::string type;
  if (name == "default_out" || name == "console_out" || name == "json_console_out") type = "stdout";
  if (name == "console_err" || name == "json_console_err") type = "stderr";
  if (type.empty()) return std::nullopt;
  config::SinkConfig config;
  config.name = std::string(name);
  config.sink = type;
  return config;
}

PublisherDeps system_deps(HttpTransport* transport, ErrorLog* error_log) {
  PublisherDeps deps;
  deps.sinks.transport = transport;
  deps.sinks.clock = &system_clock();
  deps.sinks.random = &system_random();
  deps.error_log = error_log;
  return deps;
}

Publisher::Publisher(const config::Settings& settings, PublisherDeps deps, DeliveryMode mode)
    : m_settings(settings), m_deps(std::move(deps)), m_mode(mode) {
  if (m_deps.error_log == nullptr) m_deps.error_log = &stderr_log();
  m_deps.sinks.cancel = &m_cancel;
  for (const auto& [topic, names] : m_settings.subscriptions) {
    for (const auto& name : names) add_slot(name);
  }
  for (const auto& [name, custom] : m_settings.custom_reports) {
    if (!custom.enabled) continue;
    for (const auto& sink_name : custom.sink_configs) add_slot(sink_name);
  }
  if (m_mode == DeliveryMode::background) m_worker = std::thread([this] { work(); });
}

Publisher::~Publisher() {
  if (!m_worker.joinable()) return;
  {
    std::lock_guard<std::mutex> guard(m_lock);
    m_stopping = true;
    m_cancel = true;
  }
  m_changed.notify_all();
  m_worker.join();
}

// Builds the sink `name` once. Names with no configuration, or disabled, get no slot: the
// config checker already rejects them, and routing skips names without a slot.
void Publisher::add_slot(const std::string& name) {
  if (m_slot_index.count(name) != 0) return;
  std::optional<config::SinkConfig> config;
  if (auto it = m_settings.sink_configs.find(name); it != m_settings.sink_configs.end()) {
    config = it->second;
    if (config->name.empty()) config->name = name;
  } else {
    config = builtin_sink_config(name);
  }
  if (!config || !config->enabled) return;
  auto slot = std::make_unique<Slot>();
  slot->config = *config;
  auto built = make_sink(slot->config, m_deps.sinks);
  if (built) {
    slot->sink = std::move(*built);
  } else {
    slot->build_error = built.error().message;
  }
  m_slots.push_back(std::move(slot));
  m_slot_index.emplace(name, m_slots.size() - 1);
}

void Publisher::routes_for_topic(std::string_view topic, const nlohmann::json& report,
                                 std::vector<Route>& out) const {
  auto subscribed = m_settings.subscriptions.find(std::string(topic));
  if (subscribed == m_settings.subscriptions.end()) return;
  for (const auto& name : subscribed->second) {
    auto it = m_slot_index.find(name);
    if (it == m_slot_index.end()) continue;
    out.push_back(Route{it->second, "topic:" + std::string(topic), report});
  }
}

void Publisher::publish(const nlohmann::json& report) {
  std::vector<Route> routes;
  if (!m_settings.skip_command_report) routes_for_topic(k_report_topic, report, routes);
  std::string operation = operation_of(report);
  for (const auto& [name, custom] : m_settings.custom_reports) {
    if (m_settings.skip_custom_reports) break;
    if (!custom.enabled || !runs_for(custom, operation)) continue;
    auto tmpl = m_settings.report_templates.find(custom.report_template);
    if (tmpl == m_settings.report_templates.end()) continue;
    nlohmann::json filtered = apply_template(report, tmpl->second.keys);
    for (const auto& sink_name : custom.sink_configs) {
      auto it = m_slot_index.find(sink_name);
      if (it == m_slot_index.end()) continue;
      routes.push_back(Route{it->second, "custom:" + name, filtered});
    }
  }
  dispatch(std::move(routes));
}

void Publisher::publish_to_topic(std::string_view topic, const nlohmann::json& report) {
  std::vector<Route> routes;
  routes_for_topic(topic, report, routes);
  dispatch(std::move(routes));
}

bool Publisher::has_destinations(std::string_view operation) const {
  auto subscribed = m_settings.subscriptions.find(std::string(k_report_topic));
  if (!m_settings.skip_command_report && subscribed != m_settings.subscriptions.end()) {
    for (const auto& name : subscribed->second) {
      if (m_slot_index.count(name) != 0) return true;
    }
  }
  for (const auto& [name, custom] : m_settings.custom_reports) {
    if (m_settings.skip_custom_reports) break;
    if (!custom.enabled || !runs_for(custom, operation)) continue;
    if (m_settings.report_templates.count(custom.report_template) == 0) continue;
    for (const auto& sink_name : custom.sink_configs) {
      if (m_slot_index.count(sink_name) != 0) return true;
    }
  }
  return false;
}

void Publisher::dispatch(std::vector<Route> routes) {
  if (routes.empty()) return;
  std::stable_sort(routes.begin(), routes.end(), [this](const Route& a, const Route& b) {
    return m_slots[a.slot]->config.priority > m_slots[b.slot]->config.priority;
  });
  std::unique_lock<std::mutex> guard(m_lock);
  if (m_mode == DeliveryMode::synchronous) {
    for (const auto& route : routes) deliver(*m_slots[route.slot], route.payload);
    return;
  }
  for (auto& route : routes) {
    m_pending[{-m_slots[route.slot]->config.priority, route.slot, std::move(route.route)}] =
        std::move(route.payload);
  }
  guard.unlock();
  m_changed.notify_all();
}

bool Publisher::flush(std::int64_t deadline_ms) {
  if (m_mode == DeliveryMode::synchronous) return true;
  std::unique_lock<std::mutex> guard(m_lock);
  return m_changed.wait_for(guard, std::chrono::milliseconds(std::max<std::int64_t>(deadline_ms, 0)),
                            [this] { return m_pending.empty() && !m_busy; });
}

void Publisher::work() {
  std::unique_lock<std::mutex> guard(m_lock);
  for (;;) {
    m_changed.wait(guard, [this] { return m_stopping || !m_pending.empty(); });
    if (m_stopping) return;
    auto next = m_pending.begin();
    std::size_t slot = std::get<1>(next->first);
    nlohmann::json payload = std::move(next->second);
    m_pending.erase(next);
    m_busy = true;
    guard.unlock();
    deliver(*m_slots[slot], payload);
    guard.lock();
    m_busy = false;
    m_changed.notify_all();
  }
}

// Slot state is touched only here, and only by one thread at a time: under m_lock in
// synchronous mode, by the worker in background mode.
void Publisher::deliver(Slot& slot, const nlohmann::json& payload) {
  if (slot.disabled) return;
  Delivery result;
  if (!slot.sink) {
    result = Delivery::final_failure(slot.build_error);
  } else {
    try {
      result = slot.sink->deliver(payload);
    } catch (const std::exception& e) {
      result = Delivery::failure(e.what());
    } catch (...) {
      result = Delivery::failure("unexpected error");
    }
  }
  const std::string sink = "chalk: sink '" + slot.config.name + "' (" + slot.config.sink + "): ";
  if (result.state == DeliveryState::delivered) {
    slot.consecutive_failures = 0;
    if (!slot.config.on_write_msg.empty() && config::level_shows("info", m_settings.log_level))
      m_deps.error_log->line(slot.config.on_write_msg);
    return;
  }
  if (result.state == DeliveryState::failed_permanently) slot.disabled = true;
  const auto limit = slot.config.disable_after_errors;
  if (limit && ++slot.consecutive_failures >= *limit && !slot.disabled) {
    slot.disabled = true;
    m_deps.error_log->line(sink + "disabled after " + std::to_string(*limit) +
                           " consecutive errors: " + result.cause);
    return;
  }
  if (slot.reported) return;
  slot.reported = true;
  m_deps.error_log->line(sink + result.cause);
}

}  // namespace chalk::sinks
