#include "runtime-shim/config_channel.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

#include "plugin/config/config.hpp"
#include "plugin/sinks/curl_transport.hpp"
#include "plugin/sinks/publisher.hpp"

namespace chalk::shim {
namespace {

class PublisherChannel final : public ReportChannel {
 public:
  explicit PublisherChannel(config::Settings settings)
      : m_settings(std::move(settings)),
        m_transport(make_transport(m_settings)),
        m_publisher(m_settings, deps(), sinks::DeliveryMode::background) {}

  [[nodiscard]] bool wants(std::string_view operation) const override {
    return m_publisher.has_destinations(operation);
  }
  [[nodiscard]] bool heartbeat_enabled() const override { return m_settings.heartbeat_run; }
  [[nodiscard]] std::int64_t heartbeat_period_ms() const override {
    return m_settings.heartbeat_rate_us / 1000;
  }
  void publish(const nlohmann::json& report) override { m_publisher.publish(report); }
  void drain(std::int64_t timeout_ms) override { m_publisher.flush(timeout_ms); }

 private:
  // libcurl (and with it OpenSSL) is initialised only for configs with an enabled network sink:
  // screens and files never pay its start-up time and memory.
  static std::unique_ptr<sinks::CurlTransport> make_transport(const config::Settings& settings) {
    for (const auto& [name, sink] : settings.sink_configs) {
      if (sink.enabled && (sink.sink == "post" || sink.sink == "s3"))
        return std::make_unique<sinks::CurlTransport>(sinks::find_ca_bundle());
    }
    return nullptr;
  }

  sinks::PublisherDeps deps() { return sinks::system_deps(m_transport.get()); }

  config::Settings m_settings;
  std::unique_ptr<sinks::CurlTransport> m_transport;
  sinks::Publisher m_publisher;
};

// A cheap over-approximation of Publisher::has_destinations, so an image whose config asks
// for nothing never pays for building sinks (libcurl and OpenSSL initialisation).
bool may_want(const config::Settings& settings, std::string_view operation) {
  const auto subscribed = settings.subscriptions.find("report");
  if (!settings.skip_command_report && subscribed != settings.subscriptions.end() &&
      !subscribed->second.empty()) {
    return true;
  }
  if (settings.skip_custom_reports) return false;
  for (const auto& [name, custom] : settings.custom_reports) {
    if (!custom.enabled || custom.sink_configs.empty()) continue;
    for (const auto& when : custom.use_when) {
      if (when == "*" || when == operation) return true;
    }
  }
  return false;
}

void print_line(const std::string& text) {
  const std::string line = text + "\n";
  while (::write(2, line.data(), line.size()) < 0 && errno == EINTR) {
  }
}

}  // namespace

util::Result<std::unique_ptr<ReportChannel>> open_config_channel(const std::string& source,
                                                                 const std::vector<std::string>& shim_argv) {
  auto settings = config::evaluate(config::Source{"(chalk-layer)", source},
                                   config::current_environment("exec", shim_argv), config::Host::shim);
  if (!settings) return settings.error();
  for (const auto& message : settings->messages) print_line(message.line);

  if (!may_want(*settings, "exec") && !(settings->heartbeat_run && may_want(*settings, "heartbeat"))) {
    return std::unique_ptr<ReportChannel>();
  }
  // exec.heartbeat.nice, as the original tool's nice(2) of its heartbeat process: this is the
  // reporting thread (Linux nice values are per thread), and the publisher's delivery thread it
  // starts next inherits the value; the supervisor and the program keep theirs.
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, 0);
  if (errno == 0) ::setpriority(PRIO_PROCESS, 0, current + static_cast<int>(settings->heartbeat_nice));
  auto channel = std::make_unique<PublisherChannel>(std::move(settings.value()));
  if (!channel->wants("exec") && !(channel->heartbeat_enabled() && channel->wants("heartbeat"))) {
    return std::unique_ptr<ReportChannel>();
  }
  return std::unique_ptr<ReportChannel>(std::move(channel));
}

}  // namespace chalk::shim
