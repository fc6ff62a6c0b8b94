// Settings: what an evaluated con4m config means to the rest of chalk. The config
// language (plugin/config) produces it; the plugin, the sinks and the runtime shim only
// read it. Plain data, no behaviour, so every consumer can be tested with a literal.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace chalk::config {

// One `sink_config NAME { ... }` section after schema validation.
struct SinkConfig {
  std::string name;
  std::string sink;  // stdout stderr file rotating_log post s3; "" = unconfigured
  bool enabled = true;
  std::int64_t priority = 0;  // a report's sinks are written highest first
  std::string on_write_msg;   // printed (info) after each write when log_level shows info
  std::optional<std::int64_t> disable_after_errors;  // consecutive failures; unset = never

  // file, rotating_log
  std::string filename;
  std::optional<std::uint64_t> max_bytes;          // rotating_log `max`
  std::optional<std::uint64_t> truncation_amount;  // rotating_log

  // post, s3
  std::string uri;
  std::map<std::string, std::string> headers;  // post
  std::string content_type;                    // post; "" = application/json
  std::optional<std::int64_t> timeout_ms;      // per attempt; unset = 5 s
  bool disallow_http = false;
  std::string pinned_cert_file;  // post: the certificate (or CA) to trust instead of the bundle

  // s3
  std::string uid;
  std::string secret;
  std::string region;         // resolved: file, AWS_REGION, AWS_DEFAULT_REGION, us-east-1
  std::string region_source;  // "config", "AWS_REGION", "AWS_DEFAULT_REGION", "default"
  std::string token;
  std::string endpoint;
  std::string extra;  // object key part between the random ID and the uri's path
};

// One `report_template NAME`: the keys whose `use` is true.
struct ReportTemplate {
  std::string name;
  std::set<std::string> keys;
};

// One `custom_report NAME`.
struct CustomReport {
  std::string name;
  bool enabled = true;
  std::string report_template;
  std::vector<std::string> sink_configs;
  std::vector<std::string> use_when{"*"};
};

// A line the config produced (warn(), info(), echo(), checker warnings), applied only
// when the whole config was accepted.
struct Message {
  std::string level;  // "warn", "info", "error", "trace", "echo", "warning" (checker, §9)
  std::string text;   // the bare message
  std::string line;   // exactly what to print on stderr (no newline): "FILE:L:C: warning: …",
                      // "chalk: warning: …" for warn(), the text itself for echo()
};

struct Settings {
  std::string log_level = "warn";  // which chalk diagnostics print: warnings need warn or lower
  std::optional<bool> color;  // ANSI colour in diagnostics; unset = stderr is a terminal and NO_COLOR unset
  bool skip_command_report = false;
  bool skip_custom_reports = false;
  std::string docker_exe;  // "" = find `docker` on PATH
  // The chalk layer carries the config's source: one that spells out credentials goes into
  // images only when this says so (otherwise chalking refuses and asks for env()).
  bool allow_credentials_in_images = false;

  // _ENV allow-list and redaction (REPORTS.md §4)
  std::vector<std::string> env_always_show{"PATH", "PWD", "XDG_SESSION_TYPE", "USER", "SSH_TTY"};
  std::vector<std::string> env_never_show;
  std::vector<std::string> env_redact{"AWS_SECRET_ACCESS_KEY"};
  std::string env_default_action = "ignore";

  // exec.heartbeat
  bool heartbeat_run = false;
  std::int64_t heartbeat_rate_us = 20'000'000;
  std::int64_t heartbeat_nice = 5;  // the shim's reporting thread runs at this nice level

  // docker
  bool wrap_entrypoint = true;
  bool wrap_cmd = true;  // false: an image with CMD but no ENTRYPOINT is not wrapped
  std::string label_prefix = "run.crashoverride.";
  // The keys of docker.label_template's mark template: those the mark holds become labels.
  std::set<std::string> label_keys{"CHALK_ID", "METADATA_ID", "ORIGIN_URI", "BRANCH", "TAG", "COMMIT_ID"};
  std::map<std::string, std::string> custom_labels;  // labels added as label_prefix + key

  std::map<std::string, SinkConfig> sink_configs;
  // topic -> sink config names, in subscription order
  std::map<std::string, std::vector<std::string>> subscriptions;
  // Template keys with `use` true; a host key asked for in either spelling (§9) brings both.
  std::map<std::string, ReportTemplate> report_templates;
  std::map<std::string, CustomReport> custom_reports;

  std::vector<Message> messages;
};

}  // namespace chalk::config
