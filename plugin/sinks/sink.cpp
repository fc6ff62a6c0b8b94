#include "plugin/sinks/sink.hpp"

#include <unistd.h>

#include "plugin/chalk/redact.hpp"
#include "plugin/sinks/json_text.hpp"
#include "plugin/sinks/local_sinks.hpp"
#include "plugin/sinks/remote_sinks.hpp"

namespace chalk::sinks {
namespace {

util::Error config_error(std::string message) {
  return util::make_error(util::Errc::config, std::move(message));
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string as_array_line(const nlohmann::json& report, bool pretty) {
  if (pretty) {
    return nlohmann::json::array({parsed_raw_json(report)})
               .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
           "\n";
  }
  return as_array(report) + "\n";
}

std::string as_array(const nlohmann::json& report) {
  std::string text = "[";
  append_json_text(text, report);
  text += ']';
  return text;
}

std::string as_object_line(const nlohmann::json& report) {
  std::string text = json_text(report);
  text += '\n';
  return text;
}

util::Result<std::unique_ptr<Sink>> make_sink(const config::SinkConfig& config, const SinkDeps& deps) {
  const std::string& type = config.sink;
  auto tty = [&](int fd) { return deps.is_tty ? deps.is_tty(fd) : ::isatty(fd) == 1; };
  if (type == "stdout") return make_stream_sink(deps.stdout_fd, tty(deps.stdout_fd));
  if (type == "stderr") return make_stream_sink(deps.stderr_fd, tty(deps.stderr_fd));
  if (type == "file" || type == "rotating_log") {
    if (config.filename.empty()) return config_error("no filename");
    std::string path = expand_home(config.filename, deps.home);
    if (type == "file") return make_file_sink(std::move(path));
    if (!config.max_bytes || *config.max_bytes == 0) return config_error("no max size");
    std::uint64_t max = *config.max_bytes;
    return make_rotating_log_sink(std::move(path), max, config.truncation_amount.value_or(max / 4));
  }
  if (type == "post" || type == "s3") {
    if (deps.transport == nullptr || deps.clock == nullptr || deps.random == nullptr) {
      return config_error("no HTTP transport in this program");
    }
    if (type == "s3") return make_s3_sink(config, *deps.transport, *deps.clock, *deps.random, deps.cancel);
    if (!starts_with(config.uri, "https://") && !starts_with(config.uri, "http://")) {
      return config_error("uri `" + redact_url(config.uri) + "`: expected http:// or https://");
    }
    if (config.disallow_http && starts_with(config.uri, "http://")) {
      return config_error("uri `" + redact_url(config.uri) + "`: http is disallowed for this sink");
    }
    return make_post_sink(config, *deps.transport, *deps.clock, deps.cancel);
  }
  if (type.empty()) return config_error("no sink type configured");
  return config_error("unknown sink type `" + type + "`");
}

}  // namespace chalk::sinks
