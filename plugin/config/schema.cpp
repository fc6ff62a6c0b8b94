#include "plugin/config/schema.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <tuple>

namespace chalk::config {

namespace {

// ---- key catalogue (the original tool's keyspecs, as far as users can name them)

const std::vector<std::string> k_mark_keys{"MAGIC",
                                           "CHALK_ID",
                                           "CHALK_VERSION",
                                           "TIMESTAMP_WHEN_CHALKED",
                                           "DATETIME_WHEN_CHALKED",
                                           "PLATFORM_WHEN_CHALKED",
                                           "CHALK_RAND",
                                           "DOCKER_PLATFORM",
                                           "DOCKER_TAGS",
                                           "DOCKER_LABELS",
                                           "DOCKER_FILE",
                                           "ORIGIN_URI",
                                           "BRANCH",
                                           "TAG",
                                           "COMMIT_ID",
                                           "AUTHOR",
                                           "COMMITTER",
                                           "DATE_AUTHORED",
                                           "DATE_COMMITTED",
                                           "TIMESTAMP_AUTHORED",
                                           "TIMESTAMP_COMMITTED",
                                           "METADATA_ID"};

const std::vector<std::string> k_other_chalk_time_keys{"CHALK_PTR",
                                                       "EARLIEST_VERSION",
                                                       "HOST_SYSNAME_WHEN_CHALKED",
                                                       "HOST_NODENAME_WHEN_CHALKED",
                                                       "HOST_RELEASE_WHEN_CHALKED",
                                                       "HOST_VERSION_WHEN_CHALKED",
                                                       "HOST_MACHINE_WHEN_CHALKED",
                                                       "PUBLIC_IPV4_ADDR_WHEN_CHALKED",
                                                       "INJECTOR_CHALK_ID",
                                                       "INJECTOR_VERSION",
                                                       "INJECTOR_PUBLIC_KEY",
                                                       "INJECTOR_ENV",
                                                       "INJECTOR_COMMIT_ID",
                                                       "INJECTOR_ARGV",
                                                       "TENANT_ID_WHEN_CHALKED",
                                                       "OLD_CHALK_METADATA_HASH",
                                                       "OLD_CHALK_METADATA_ID",
                                                       "ARTIFACT_TYPE",
                                                       "HASH",
                                                       "PRE_CHALK_HASH",
                                                       "PATH_WHEN_CHALKED",
                                                       "PATH_WITHIN_ZIP",
                                                       "CONTAINING_ARTIFACT_WHEN_CHALKED",
                                                       "ARTIFACT_VERSION",
                                                       "STORE_URI",
                                                       "PACKAGE_URI",
                                                       "CODE_OWNERS",
                                                       "VCS_DIR_WHEN_CHALKED",
                                                       "VCS_MISSING_FILES",
                                                       "TAG_SIGNED",
                                                       "COMMIT_SIGNED",
                                                       "COMMIT_MESSAGE",
                                                       "TAGGER",
                                                       "DATE_TAGGED",
                                                       "TIMESTAMP_TAGGED",
                                                       "TAG_MESSAGE",
                                                       "BUILD_ID",
                                                       "BUILD_COMMIT_ID",
                                                       "BUILD_URI",
                                                       "BUILD_API_URI",
                                                       "BUILD_TRIGGER",
                                                       "BUILD_CONTACT",
                                                       "BUILD_ORIGIN_ID",
                                                       "BUILD_ORIGIN_OWNER_ID",
                                                       "BUILD_ORIGIN_URI",
                                                       "BUILD_ORIGIN_KEY",
                                                       "DOCKERFILE_PATH",
                                                       "DOCKERFILE_PATH_WITHIN_VCTX",
                                                       "DOCKER_FILE_CHALKED",
                                                       "DOCKER_PLATFORMS",
                                                       "DOCKER_ANNOTATIONS",
                                                       "DOCKER_CONTEXT",
                                                       "DOCKER_ADDITIONAL_CONTEXTS",
                                                       "DOCKER_CHALK_ADDED_LABELS",
                                                       "DOCKER_CHALK_ADDED_TO_DOCKERFILE",
                                                       "DOCKER_TARGET",
                                                       "DOCKER_BASE_IMAGE",
                                                       "DOCKER_BASE_IMAGE_REPO",
                                                       "DOCKER_BASE_IMAGE_REGISTRY",
                                                       "DOCKER_BASE_IMAGE_NAME",
                                                       "DOCKER_BASE_IMAGE_TAG",
                                                       "DOCKER_BASE_IMAGE_DIGEST",
                                                       "DOCKER_BASE_IMAGES",
                                                       "DOCKER_COPY_IMAGES",
                                                       "SIGNING",
                                                       "SIGNATURE",
                                                       "SBOM",
                                                       "SAST",
                                                       "ERR_INFO",
                                                       "FAILED_KEYS",
                                                       "METADATA_HASH",
                                                       "SIGN_PARAMS",
                                                       "EMBEDDED_CHALK",
                                                       "EMBEDDED_TMPDIR",
                                                       "CLOUD_METADATA_WHEN_CHALKED"};

const std::vector<std::string> k_artifact_keys{"_OP_ARTIFACT_PATH",
                                               "_OP_ARTIFACT_TYPE",
                                               "_OP_ARTIFACT_CONTEXT",
                                               "_CURRENT_HASH",
                                               "_VIRTUAL",
                                               "_IMAGE_ID",
                                               "_IMAGE_CONFIG_DIGEST",
                                               "_REPO_TAGS",
                                               "_REPO_DIGESTS",
                                               "_REPO_LIST_DIGESTS",
                                               "_VALIDATED_METADATA",
                                               "_VALIDATED_SIGNATURE",
                                               "_INVALID_SIGNATURE",
                                               "_IMAGE_COMMENT",
                                               "_IMAGE_CREATION_DATETIME",
                                               "_IMAGE_DOCKER_VERSION",
                                               "_IMAGE_AUTHOR",
                                               "_IMAGE_ARCHITECTURE",
                                               "_IMAGE_VARIANT",
                                               "_IMAGE_OS",
                                               "_IMAGE_OS_VERSION",
                                               "_IMAGE_SIZE",
                                               "_IMAGE_ROOT_FS_TYPE",
                                               "_IMAGE_ROOT_FS_LAYERS",
                                               "_IMAGE_HOSTNAME",
                                               "_IMAGE_DOMAINNAME",
                                               "_IMAGE_USER",
                                               "_IMAGE_EXPOSED_PORTS",
                                               "_IMAGE_ENV",
                                               "_IMAGE_CMD",
                                               "_IMAGE_WORKINGDIR",
                                               "_IMAGE_ENTRYPOINT",
                                               "_IMAGE_ONBUILD",
                                               "_IMAGE_LABELS",
                                               "_IMAGE_STOP_SIGNAL",
                                               "_IMAGE_SHELL",
                                               "_IMAGE_HEALTHCHECK_TEST",
                                               "_INSTANCE_CONTAINER_ID",
                                               "_INSTANCE_CREATION_DATETIME",
                                               "_INSTANCE_ENV",
                                               "_INSTANCE_IMAGE_ID",
                                               "_INSTANCE_STATUS",
                                               "_INSTANCE_PID",
                                               "_INSTANCE_NAME",
                                               "_INSTANCE_HOSTNAME",
                                               "_PROCESS_PID",
                                               "_PROCESS_PARENT_PID",
                                               "_PROCESS_START_TIME",
                                               "_PROCESS_UTIME",
                                               "_PROCESS_STIME",
                                               "_PROCESS_CHILDREN_UTIME",
                                               "_PROCESS_CHILDREN_STIME",
                                               "_PROCESS_STATE",
                                               "_PROCESS_PGID",
                                               "_PROCESS_UMASK",
                                               "_PROCESS_UID",
                                               "_PROCESS_GID",
                                               "_PROCESS_NUM_FD_SIZE",
                                               "_PROCESS_GROUPS",
                                               "_PROCESS_SECCOMP_STATUS",
                                               "_PROCESS_ARGV",
                                               "_PROCESS_CWD",
                                               "_PROCESS_EXE_PATH",
                                               "_PROCESS_COMMAND_NAME",
                                               "_PROCESS_FD_INFO",
                                               "_PROCESS_MOUNT_INFO",
                                               "_PROCESS_DETAIL"};

const std::vector<std::string> k_host_keys{"_OPERATION",
                                           "_TIMESTAMP",
                                           "_DATETIME",
                                           "_ACTION_ID",
                                           "_EXEC_ID",
                                           "_HEARTBEAT_COUNT",
                                           "_ARGV",
                                           "_ENV",
                                           "_CHALKS",
                                           "_COLLECTED_ARTIFACTS",
                                           "_UNMARKED",
                                           "_OP_ERRORS",
                                           "_OP_CHALKER_VERSION",
                                           "_OP_CHALKER_COMMIT_ID",
                                           "_OP_CHALK_COUNT",
                                           "_OP_UNMARKED_COUNT",
                                           "_OP_CMD_FLAGS",
                                           "_OP_ARGV",
                                           "_OP_EXE_NAME",
                                           "_OP_EXE_PATH",
                                           "_OP_HOSTNAME",
                                           "_OP_HOST_SYSNAME",
                                           "_OP_HOST_RELEASE",
                                           "_OP_HOST_VERSION",
                                           "_OP_HOST_NODENAME",
                                           "_OP_HOST_MACHINE",
                                           "_OP_HOSTINFO",
                                           "_OP_NODENAME",
                                           "_OP_PLATFORM",
                                           "_OP_PUBLIC_IPV4_ADDR",
                                           "_OP_CLOUD_METADATA",
                                           "_OP_EXIT_CODE",
                                           "_OP_SEARCH_PATH",
                                           "_OP_IPV4_ROUTES",
                                           "_OP_IPV6_ROUTES",
                                           "_OP_IPV4_INTERFACES",
                                           "_OP_IPV6_INTERFACES",
                                           "_OP_ARP_TABLE",
                                           "_OP_TCP_SOCKET_INFO",
                                           "_OP_UDP_SOCKET_INFO",
                                           "_OP_TENANT_ID",
                                           "_CHALK_RUN_TIME",
                                           "_CHALK_EXTERNAL_ACTION_AUDIT"};

const std::vector<std::string> k_git_keys{"ORIGIN_URI",         "BRANCH",         "TAG",
                                          "COMMIT_ID",          "AUTHOR",         "COMMITTER",
                                          "DATE_AUTHORED",      "DATE_COMMITTED", "TIMESTAMP_AUTHORED",
                                          "TIMESTAMP_COMMITTED"};

using Keys = std::vector<std::string>;

Keys concat(std::initializer_list<Keys> parts) {
  Keys out;
  for (const auto& part : parts)
    for (const auto& key : part)
      if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
  return out;
}

Keys chalk_time_keys() { return concat({k_mark_keys, k_other_chalk_time_keys}); }

const Keys k_report_top{"_OPERATION",
                        "_TIMESTAMP",
                        "_DATETIME",
                        "_ENV",
                        "_OP_ARGV",
                        "_OP_CHALKER_VERSION",
                        "_OP_CHALK_COUNT",
                        "_OP_UNMARKED_COUNT",
                        "_OP_ERRORS",
                        "_OP_EXIT_CODE",
                        "_CHALKS",
                        "_UNMARKED",
                        "_COLLECTED_ARTIFACTS"};
const Keys k_host_info{"_OP_PLATFORM", "_OP_HOSTNAME",      "_OP_HOSTINFO", "_OP_HOST_VERSION",
                       "_OP_NODENAME", "_OP_HOST_NODENAME", "_EXEC_ID",     "_HEARTBEAT_COUNT"};
const Keys k_image_artifact{"DOCKERFILE_PATH",     "DOCKER_CONTEXT",        "METADATA_HASH",
                            "_OP_ARTIFACT_TYPE",   "_OP_ARTIFACT_CONTEXT",  "_VIRTUAL",
                            "_IMAGE_ID",           "_CURRENT_HASH",         "_IMAGE_CONFIG_DIGEST",
                            "_REPO_DIGESTS",       "_REPO_LIST_DIGESTS",    "_REPO_TAGS",
                            "_VALIDATED_METADATA", "OLD_CHALK_METADATA_ID", "OLD_CHALK_METADATA_HASH"};
const Keys k_process{"_PROCESS_PID",          "_PROCESS_PARENT_PID", "_PROCESS_ARGV",
                     "_PROCESS_COMMAND_NAME", "_PROCESS_CWD",        "_PROCESS_EXE_PATH",
                     "_PROCESS_UID",          "_PROCESS_GID",        "_PROCESS_STATE"};
const Keys k_network{"_OP_IPV4_ROUTES", "_OP_IPV6_ROUTES",     "_OP_IPV4_INTERFACES", "_OP_IPV6_INTERFACES",
                     "_OP_ARP_TABLE",   "_OP_TCP_SOCKET_INFO", "_OP_UDP_SOCKET_INFO"};

struct TemplateDef {
  const char* name;
  Keys keys;
};

std::vector<TemplateDef> make_report_template_defs() {
  Keys all = concat({chalk_time_keys(), k_artifact_keys, k_host_keys});
  Keys insertion = concat({k_report_top, k_mark_keys, k_image_artifact});
  Keys report = concat({k_report_top, k_host_info, k_mark_keys, k_image_artifact, k_process});
  Keys large =
      concat({insertion,
              report,
              k_network,
              {"CHALK_PTR", "DOCKER_BASE_IMAGE", "DOCKER_ANNOTATIONS", "_OP_HOST_SYSNAME", "_OP_HOST_RELEASE",
               "_OP_HOST_MACHINE", "_ACTION_ID", "_OP_CMD_FLAGS", "_OP_EXE_PATH"}});
  Keys summary{"_OPERATION",      "_DATETIME",          "_CHALKS",       "CHALK_ID",
               "METADATA_ID",     "_OP_ARTIFACT_TYPE",  "_CURRENT_HASH", "DOCKER_TAGS",
               "_OP_CHALK_COUNT", "_OP_UNMARKED_COUNT", "_UNMARKED"};
  return {
      {"null", {}},
      {"report_all", all},
      {"report_large", large},
      {"report_default", report},
      {"insertion_default", insertion},
      {"unknown_docker",
       {"_OPERATION", "_TIMESTAMP", "_DATETIME", "_ENV", "_OP_ARGV", "_OP_CHALKER_VERSION", "_OP_EXIT_CODE",
        "_OP_ERRORS", "_OP_PLATFORM", "_OP_HOSTNAME"}},
      {"audit",
       {"_OPERATION", "_TIMESTAMP", "_DATETIME", "_ACTION_ID", "_ENV", "_OP_ARGV", "_OP_CHALKER_VERSION",
        "_OP_EXIT_CODE", "_OP_ERRORS", "_OP_PLATFORM", "_OP_HOSTNAME"}},
      {"usage",
       {"_OPERATION", "_TIMESTAMP", "_DATETIME", "_ACTION_ID", "_OP_CHALKER_VERSION", "_OP_PLATFORM",
        "_OP_CHALK_COUNT", "_OP_UNMARKED_COUNT"}},
      {"heartbeat",
       {"METADATA_ID", "CHALK_ID", "_CHALKS", "_COLLECTED_ARTIFACTS", "_OPERATION", "_TIMESTAMP", "_DATETIME",
        "_ACTION_ID", "_EXEC_ID"}},
      {"terminal_insert", summary},
      {"terminal_rest", concat({summary, {"_VALIDATED_METADATA"}})},
      {"crashoverride", large},
  };
}

std::vector<TemplateDef> make_mark_template_defs() {
  Keys mark_default = k_mark_keys;
  Keys reproducable{"MAGIC",  "CHALK_ID", "CHALK_VERSION", "DOCKER_FILE", "ORIGIN_URI",
                    "BRANCH", "TAG",      "COMMIT_ID",     "METADATA_ID"};
  Keys large = concat(
      {k_mark_keys,
       {"CHALK_PTR", "DOCKERFILE_PATH", "DOCKER_CONTEXT", "DOCKER_BASE_IMAGE", "HOST_SYSNAME_WHEN_CHALKED",
        "HOST_NODENAME_WHEN_CHALKED", "HOST_RELEASE_WHEN_CHALKED", "HOST_VERSION_WHEN_CHALKED",
        "HOST_MACHINE_WHEN_CHALKED", "INJECTOR_VERSION", "INJECTOR_ARGV"}});
  return {
      {"mark_all", chalk_time_keys()},
      {"mark_large", large},
      {"mark_default", mark_default},
      {"reproducable", reproducable},
      {"minimal", {"MAGIC", "CHALK_ID", "CHALK_VERSION", "METADATA_ID"}},
      {"chalk_labels", {"CHALK_ID", "METADATA_ID", "ORIGIN_URI", "BRANCH", "TAG", "COMMIT_ID"}},
  };
}

// Built once (both the store and the template cache read them), never destroyed.
const std::vector<TemplateDef>& report_template_defs() {
  static const std::vector<TemplateDef>& k_defs = *new std::vector<TemplateDef>(make_report_template_defs());
  return k_defs;
}
const std::vector<TemplateDef>& mark_template_defs() {
  static const std::vector<TemplateDef>& k_defs = *new std::vector<TemplateDef>(make_mark_template_defs());
  return k_defs;
}

// ---- the built-in store

Store make_store(Host host) {
  Store s;
  Settings defaults;
  s.put("log_level", Value::make_string(host == Host::shim ? "none" : "warn"));
  s.put("chalk_log_level", Value::make_string("error"));
  s.put("docker_log_level", Value::make_string("error"));
  s.put("log_format", Value::make_string("auto"));
  s.put("skip_command_report", Value::make_bool(false));
  s.put("skip_custom_reports", Value::make_bool(false));
  s.put("allow_credentials_in_images", Value::make_bool(false));
  s.put("env_always_show", Value::make_string_list(defaults.env_always_show));
  s.put("env_never_show", Value::make_string_list(defaults.env_never_show));
  s.put("env_redact", Value::make_string_list(defaults.env_redact));
  s.put("env_default_action", Value::make_string("ignore"));
  s.put("exec.heartbeat.run", Value::make_bool(false));
  s.put("exec.heartbeat.rate", Value::make_duration(20'000'000));
  s.put("exec.heartbeat.rlimit", Value::make_size(0));
  s.put("exec.heartbeat.nice", Value::make_int(5));
  s.put("docker.wrap_entrypoint", Value::make_bool(true));
  s.put("docker.wrap_cmd", Value::make_bool(true));
  s.put("docker.label_prefix", Value::make_string("run.crashoverride."));
  s.put("docker.label_template", Value::make_string("chalk_labels"));

  s.put("sink_config.default_out.sink", Value::make_string("stdout"));
  s.put("sink_config.console_out.sink", Value::make_string("stdout"));
  s.put("sink_config.console_err.sink", Value::make_string("stderr"));
  s.put("sink_config.json_console_out.sink", Value::make_string("stdout"));
  s.put("sink_config.json_console_out.filters", Value::make_string_list({"pretty_json"}));
  s.put("sink_config.json_console_err.sink", Value::make_string("stderr"));
  s.put("sink_config.json_console_err.filters", Value::make_string_list({"pretty_json"}));

  // Every template's keys, used; the heartbeat's locked but for _COLLECTED_ARTIFACTS. Held by
  // list (TemplateKeys), each template's own section an entry.
  for (const auto& [kind, defs] : {std::pair{"mark_template", &mark_template_defs()},
                                   std::pair{"report_template", &report_template_defs()}}) {
    for (const auto& def : *defs) {
      TemplateKeys keys{std::string(kind) + "." + def.name, def.keys,
                        std::string(kind) == "report_template" && std::string(def.name) == "heartbeat",
                        "_COLLECTED_ARTIFACTS"};
      std::sort(keys.keys.begin(), keys.keys.end());
      keys.keys.erase(std::unique(keys.keys.begin(), keys.keys.end()), keys.keys.end());
      s.put_section(keys.section);
      s.template_keys.push_back(std::move(keys));
    }
  }
  std::sort(s.template_keys.begin(), s.template_keys.end(),
            [](const TemplateKeys& a, const TemplateKeys& b) { return a.section < b.section; });
  for (const char* op : {"build", "push", "insert"}) {
    s.put("outconf." + std::string(op) + ".mark_template", Value::make_string("mark_default"));
    s.put("outconf." + std::string(op) + ".report_template", Value::make_string("insertion_default"));
  }
  for (const char* op : {"extract", "exec"})
    s.put("outconf." + std::string(op) + ".report_template", Value::make_string("report_default"));
  s.put("outconf.heartbeat.report_template", Value::make_string("heartbeat"));
  return s;
}

// ---- validation

const Type k_string_list = Type::list_of(Type::of(Kind::string));
const Type k_string_dict = Type::dict_of(Type::of(Kind::string), Type::of(Kind::string));

const std::vector<std::string> k_log_levels{"verbose", "trace", "info", "warn", "error", "none"};

struct Field {
  Type type;
  std::vector<std::string> choices;
  std::optional<std::pair<std::int64_t, std::int64_t>> range;
};

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t n = 0; n < items.size(); ++n) out += (n ? sep : "") + items[n];
  return out;
}

const std::map<std::string, Field>& root_fields() {
  static const std::map<std::string, Field> k_fields{
      {"log_level", {k_string, k_log_levels, {}}},
      {"chalk_log_level", {k_string, k_log_levels, {}}},
      {"docker_log_level", {k_string, k_log_levels, {}}},
      {"log_format", {k_string, {"auto", "plain", "json"}, {}}},
      {"color", {k_bool, {}, {}}},
      {"skip_command_report", {k_bool, {}, {}}},
      {"skip_custom_reports", {k_bool, {}, {}}},
      {"env_always_show", {k_string_list, {}, {}}},
      {"env_never_show", {k_string_list, {}, {}}},
      {"env_redact", {k_string_list, {}, {}}},
      {"env_default_action", {k_string, {"ignore", "show", "redact"}, {}}},
      {"docker_exe", {k_string, {}, {}}},
      {"allow_credentials_in_images", {k_bool, {}, {}}},
      // accepted from the reference schema and ignored
      {"use_report_cache", {k_bool, {}, {}}},
      {"report_cache_location", {k_string, {}, {}}},
      {"report_cache_lock_timeout_sec", {k_int, {}, {}}},
      {"publish_audit", {k_bool, {}, {}}},
      {"default_command", {k_string, {}, {}}},
      {"ignore_patterns", {k_string_list, {}, {}}},
      {"virtual_chalk", {k_bool, {}, {}}},
      {"zip_extensions", {k_string_list, {}, {}}},
      {"load_external_config", {k_bool, {}, {}}},
      {"chalk_debug", {k_bool, {}, {}}},
      {"run_sbom_tools", {k_bool, {}, {}}},
      {"run_sast_tools", {k_bool, {}, {}}},
      {"recursive", {k_bool, {}, {}}},
      {"symlink_behavior", {k_string, {}, {}}},
      {"always_try_to_sign", {k_bool, {}, {}}},
      {"inform_if_cant_sign", {k_bool, {}, {}}},
      {"use_transparency_log", {k_bool, {}, {}}},
      {"artifact_search_path", {k_string_list, {}, {}}},
      {"default_tmp_dir", {k_string, {}, {}}},
      {"crashoverride_usage_reporting_url", {k_string, {}, {}}},
      {"crashoverride_workspace_id", {k_string, {}, {}}},
      {"show_config", {k_bool, {}, {}}},
      {"use_pager", {k_bool, {}, {}}},
      {"con4m_pinpoint", {k_bool, {}, {}}},
      {"valid_chalk_command_names", {k_string_list, {}, {}}},
  };
  return k_fields;
}

// Reference sections whose contents we accept unchecked and ignore.
const std::set<std::string> k_ignored_sections{"keyspec",        "plugin",         "tool",
                                               "extract",        "source_marks",   "attestation",
                                               "cloud_provider", "docker_platform"};

const std::vector<std::string> k_report_types{
    "help", "insert", "extract", "delete", "config", "load", "dump", "docker",    "version", "env",
    "exec", "setup",  "docgen",  "__",     "build",  "push", "pull", "heartbeat", "postexec"};

// Fields each sink type uses beyond the common ones.
const std::map<std::string, std::vector<std::string>>& sink_fields() {
  static const std::map<std::string, std::vector<std::string>> k_sinks{
      {"stdout", {}},
      {"stderr", {}},
      {"file", {"filename", "log_search_path", "use_search_path", "on_write_msg"}},
      {"rotating_log", {"filename", "max", "truncation_amount", "log_search_path", "on_write_msg"}},
      {"post",
       {"uri", "headers", "content_type", "disallow_http", "timeout", "pinned_cert_file",
        "prefer_bundled_certs", "auth", "on_write_msg", "disable_after_errors"}},
      {"s3",
       {"uri", "uid", "secret", "region", "token", "extra", "endpoint", "on_write_msg",
        "disable_after_errors"}},
  };
  return k_sinks;
}

const std::map<std::string, std::vector<std::string>>& sink_required() {
  static const std::map<std::string, std::vector<std::string>> k_required{
      {"file", {"filename"}},
      {"rotating_log", {"filename", "max"}},
      {"post", {"uri"}},
      {"s3", {"uri", "uid", "secret"}}};
  return k_required;
}

class Validator {
 public:
  Validator(const RunResult& run, const Environment& env, Host host)
      : m_run(run), m_store(run.store), m_env(env), m_host(host) {}

  Validated run() {
    root();
    return build();
  }

 private:
  const RunResult& m_run;
  const Store& m_store;
  const Environment& m_env;
  Host m_host;

  [[noreturn]] void fail_at(const std::string& path, const std::string& message) const {
    fail("schema", position(path), message);
  }
  [[noreturn]] void fail_checking(const std::string& path, const std::string& message) const {
    fail_at(path, "When checking " + path + ": " + message);
  }
  [[noreturn]] void unknown(const std::string& path, const std::string& kind, const std::string& name,
                            const std::string& hint = "") const {
    fail_at(path, "In post execution check, at top-level: Unknown field for a " + kind + " section: " + name +
                      (hint.empty() ? "" : " (" + hint + ")"));
  }

  [[nodiscard]] bool is_section(const std::string& path) const { return m_store.has_section(path); }
  [[nodiscard]] const Value* get(const std::string& path) const { return m_store.get(path); }

  void check_type(const std::string& path, const std::string& field, const Type& want) const {
    const Value* value = get(path);
    if (value == nullptr) {
      if (is_section(path))
        fail_checking(path, "Wrong type for '" + field + "' (spec said " + type_name(want) +
                                " but value is a: section)");
      return;
    }
    if (!type_fits(value->type, want))
      fail_checking(path, "Wrong type for '" + field + "' (spec said " + type_name(want) +
                              " but value is a: " + type_name(value->type) + ")");
  }

  void check_field(const std::string& path, const std::string& name, const Field& field) const {
    check_type(path, name, field.type);
    const Value* value = get(path);
    if (value == nullptr) return;
    if (!field.choices.empty() &&
        std::find(field.choices.begin(), field.choices.end(), value->s) == field.choices.end())
      fail_checking(path, "Value is not one of the valid choices: " + join(field.choices, ", "));
    if (field.range && (value->i < field.range->first || value->i > field.range->second))
      fail_checking(path, "Value '" + std::to_string(value->i) +
                              "' is outside of allowed range: " + std::to_string(field.range->first) +
                              " .. " + std::to_string(field.range->second));
  }

  [[nodiscard]] Pos position(const std::string& path) const {
    if (const AttrEntry* attr = m_store.find_attr(path)) return attr->pos;
    const Pos* section = m_store.find_section(path);
    return section != nullptr ? *section : Pos{0, 0};
  }

  // Top-level names in source order, so the first problem in the file is the one reported.
  void root() {
    std::vector<std::string> names = m_store.children("");
    std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
      Pos pa = position(a);
      Pos pb = position(b);
      return pa.line != pb.line ? pa.line < pb.line : pa.col < pb.col;
    });
    for (const auto& name : names) {
      if (is_section(name)) {
        if (name == "exec")
          exec();
        else if (name == "docker")
          docker();
        else if (name == "sink_config")
          for_each_child(name, [&](const std::string& n) { sink_config(n); });
        else if (name == "report_template" || name == "mark_template")
          // built-in templates the config did not touch are valid by construction
          for_each_child(name, [&](const std::string& n) {
            if (m_store.touched(name + "." + n)) template_section(name, n);
          });
        else if (name == "custom_report")
          for_each_child(name, [&](const std::string& n) { custom_report(n); });
        else if (name == "outconf")
          continue;  // its built-ins only: the checker refuses writes
        else if (!k_ignored_sections.count(name))
          unknown(name, "", name);
        continue;
      }
      auto field = root_fields().find(name);
      if (field == root_fields().end()) unknown(name, "", name);
      check_field(name, name, field->second);
    }
  }

  void for_each_child(const std::string& section,
                      const std::function<void(const std::string&)>& visit) const {
    for (const auto& child : m_store.children(section)) {
      std::string path = section + "." + child;
      if (!is_section(path))
        fail_checking(path, "Wrong type for '" + child +
                                "' (spec said section but value is a: " + type_name(get(path)->type) + ")");
      visit(child);
    }
  }

  void exec() {
    static const std::map<std::string, Field> k_exec{{"command_name", {k_string, {}, {}}},
                                                     {"search_path", {k_string_list, {}, {}}},
                                                     {"chalk_search_path", {k_string_list, {}, {}}},
                                                     {"override_ok", {k_bool, {}, {}}},
                                                     {"use_path", {k_bool, {}, {}}}};
    static const std::map<std::string, Field> k_heartbeat{
        {"run", {k_bool, {}, {}}},
        {"rate", {Type::of(Kind::duration), {}, {}}},
        {"rlimit", {Type::of(Kind::size), {}, {}}},
        {"nice", {k_int, {}, std::make_pair(std::int64_t{0}, std::int64_t{19})}}};
    for (const auto& name : m_store.children("exec")) {
      std::string path = "exec." + name;
      if (name == "heartbeat" && is_section(path)) {
        for (const auto& hb : m_store.children(path)) {
          auto field = k_heartbeat.find(hb);
          if (field == k_heartbeat.end()) unknown(path + "." + hb, "heartbeat", hb);
          check_field(path + "." + hb, hb, field->second);
        }
        // The shim sleeps this long between reports; zero or less would make it spin.
        if (const Value* rate = get(path + ".rate"); rate != nullptr && rate->i <= 0)
          fail_checking(path + ".rate", "Value '" + value_to_string(*rate) +
                                            "' is outside of allowed range: 1 usec .. no limit");
        continue;
      }
      auto field = k_exec.find(name);
      if (field == k_exec.end() || is_section(path)) {
        std::string hint;
        if (name == "heartbeat_rlimit")
          hint = "renamed to exec.heartbeat.rlimit";
        else if (name == "heartbeat_nice")
          hint = "renamed to exec.heartbeat.nice";
        else if (name == "heartbeat")
          hint = "use exec.heartbeat.run";
        unknown(path, "exec", name, hint);
      }
      check_field(path, name, field->second);
    }
  }

  void docker() {
    static const std::map<std::string, Field> k_docker{{"wrap_entrypoint", {k_bool, {}, {}}},
                                                       {"wrap_cmd", {k_bool, {}, {}}},
                                                       {"label_prefix", {k_string, {}, {}}},
                                                       {"label_template", {k_string, {}, {}}},
                                                       {"custom_labels", {k_string_dict, {}, {}}},
                                                       {"additional_env_vars", {k_string_dict, {}, {}}},
                                                       {"arch_binary_locations_path", {k_string, {}, {}}}};
    for (const auto& name : m_store.children("docker")) {
      std::string path = "docker." + name;
      auto field = k_docker.find(name);
      if (field == k_docker.end() || is_section(path))
        unknown(path, "docker", name,
                name == "arch_binary_locations" ? "renamed to docker.arch_binary_locations_path" : "");
      check_field(path, name, field->second);
    }
    if (const Value* prefix = get("docker.label_prefix")) {
      for (char c : prefix->s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-')
          fail_checking("docker.label_prefix", "label_prefix may only hold letters, digits, '.' and '-'");
    }
    if (const Value* labels = get("docker.custom_labels")) {
      for (std::size_t i = 0; i + 1 < labels->items.size(); i += 2)
        for (char c : labels->items[i].s)
          if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
            fail_checking("docker.custom_labels", "label '" + labels->items[i].s +
                                                      "' may only hold letters, digits, '.', '-' and '_'");
    }
    if (const Value* label_template = get("docker.label_template")) {
      if (!label_template->s.empty() && !is_section("mark_template." + label_template->s))
        fail_checking("docker.label_template", "no such mark template: '" + label_template->s + "'");
    }
  }

  void sink_config(const std::string& name) {
    std::string base = "sink_config." + name;
    static const std::map<std::string, Type> k_common{
        {"sink", k_string}, {"enabled", k_bool}, {"priority", k_int}, {"filters", k_string_list}};
    static const std::map<std::string, Type> k_typed{{"filename", k_string},
                                                     {"log_search_path", k_string_list},
                                                     {"use_search_path", k_bool},
                                                     {"headers", k_string_dict},
                                                     {"content_type", k_string},
                                                     {"disallow_http", k_bool},
                                                     {"pinned_cert_file", k_string},
                                                     {"prefer_bundled_certs", k_bool},
                                                     {"auth", k_string},
                                                     {"uid", k_string},
                                                     {"secret", k_string},
                                                     {"region", k_string},
                                                     {"token", k_string},
                                                     {"extra", k_string},
                                                     {"endpoint", k_string},
                                                     {"on_write_msg", k_string},
                                                     {"disable_after_errors", k_int}};
    for (const auto& [field, type] : k_common) check_type(base + "." + field, field, type);
    const Value* sink_value = get(base + ".sink");
    std::string sink = sink_value != nullptr ? sink_value->s : "";
    if (const Value* priority = get(base + ".priority"); priority != nullptr && priority->i < 0)
      fail_checking(base + ".priority", "Value '" + std::to_string(priority->i) +
                                            "' is outside of allowed range: 0 .. 9223372036854775807");
    if (sink.empty()) return;
    auto uses = sink_fields().find(sink);
    if (uses == sink_fields().end()) fail_checking(base + ".sink", "No such sink configured: '" + sink + "'");
    auto required = sink_required().find(sink);
    if (required != sink_required().end())
      for (const auto& field : required->second)
        if (!get(base + "." + field))
          fail_checking(base, "sink config is missing required field: '" + field + "'");
    for (const auto& field : m_store.children(base)) {
      if (k_common.count(field)) continue;
      if (std::find(uses->second.begin(), uses->second.end(), field) == uses->second.end())
        fail_checking(base + "." + field, "sink config provides field '" + field +
                                              "', but the specified sink '" + sink +
                                              "' does not use that field.");
      std::string path = base + "." + field;
      const Value* value = get(path);
      if (value == nullptr)
        fail_checking(path, "Wrong type for '" + field + "' (spec said a value but value is a: section)");
      Kind kind = value->type.kind;
      if (field == "uri") {
        if (kind != Kind::string) fail_checking(path, "uri: Field must be a string.");
      } else if (field == "timeout") {
        if (kind != Kind::int_ && kind != Kind::size)
          fail_checking(path, "timeout: This field must be a con4m Size, or an int (in bytes)");
      } else if (field == "max" || field == "truncation_amount") {
        if (kind != Kind::int_ && kind != Kind::size)
          fail_checking(path, field + ": This field must be a con4m Size, or an int (in bytes)");
      } else {
        check_type(path, field, k_typed.at(field));
      }
      if (field == "disable_after_errors" && value->i <= 0)
        fail_checking(path, "Value '" + std::to_string(value->i) +
                                "' is outside of allowed range: 1 .. 9223372036854775807");
    }
  }

  void template_section(const std::string& kind, const std::string& name) {
    std::string base = kind + "." + name;
    for (const auto& child : m_store.children(base)) {
      std::string path = base + "." + child;
      if (child == "doc" || child == "shortdoc") {
        check_type(path, child, k_string);
        continue;
      }
      if (child != "key" || !is_section(path)) unknown(path, kind, child);
      for (const auto& key : m_store.children(path)) {
        std::string key_path = path + "." + key;
        if (!is_section(key_path))
          fail_checking(key_path, "Wrong type for '" + key + "' (spec said section but value is a: " +
                                      type_name(get(key_path)->type) + ")");
        for (const auto& property : m_store.children(key_path)) {
          std::string prop_path = key_path + "." + property;
          if (property == "use")
            check_type(prop_path, property, k_bool);
          else if (property == "order")
            check_type(prop_path, property, k_int);
          else if (property == "object_store")
            check_type(prop_path, property, k_string);
          else
            fail_checking(prop_path, "Unknown field for a key section: " + property);
        }
      }
    }
  }

  void template_keys_exist(const std::string& kind, const std::string& name) const {
    const auto& catalogue = key_catalogue();
    for (const auto& key : m_store.children(kind + "." + name + ".key"))
      if (!catalogue.count(key))
        fail_checking(kind + "." + name + ".key." + key,
                      "Report template '" + name + "' contains a key: '" + key + "', which does not exist");
  }

  void custom_report(const std::string& name) {
    std::string base = "custom_report." + name;
    static const std::map<std::string, Type> k_fields{
        {"enabled", k_bool},         {"report_template", k_string}, {"sink_configs", k_string_list},
        {"use_when", k_string_list}, {"per_chalk", k_bool},         {"doc", k_string}};
    for (const auto& child : m_store.children(base)) {
      auto field = k_fields.find(child);
      if (field == k_fields.end() || is_section(base + "." + child))
        unknown(base + "." + child, "custom_report", child);
      check_type(base + "." + child, child, field->second);
    }
    const Value* sinks = get(base + ".sink_configs");
    if (sinks == nullptr)
      fail_checking(base, "Inside field '" + name +
                              "': Required attribute 'sink_configs' is missing, and has no default value");
    for (const auto& sink : sinks->items)
      if (!is_section("sink_config." + sink.s))
        fail_checking(base + ".sink_configs", "The report '" + name + "' applies sink configuration '" +
                                                  sink.s + "', but that configuration has not been set.");
    const Value* tmpl = get(base + ".report_template");
    if (tmpl == nullptr || tmpl->s.empty())
      fail_checking(base, "Custom Report '" + name + "' must set a report");
    if (!is_section("report_template." + tmpl->s))
      fail_checking(base + ".report_template", "In custom report '" + name +
                                                   "': specificate a Report template '" + tmpl->s +
                                                   "', but no such template exists");
    template_keys_exist("report_template", tmpl->s);
    if (const Value* use_when = get(base + ".use_when")) {
      for (const auto& item : use_when->items) {
        if (item.s == "*") {
          if (use_when->items.size() != 1)
            fail_checking(base + ".use_when",
                          "For field use_when, '*' should be the only item when it appears");
          continue;
        }
        if (std::find(k_report_types.begin(), k_report_types.end(), item.s) == k_report_types.end())
          fail_checking(base + ".use_when", "'use_when' must be a valid chalk report type");
      }
    }
  }

  // ---- Settings

  [[nodiscard]] std::string string_at(const std::string& path, std::string fallback) const {
    const Value* v = get(path);
    return v != nullptr ? v->s : fallback;
  }
  [[nodiscard]] bool bool_at(const std::string& path, bool fallback) const {
    const Value* v = get(path);
    return v != nullptr ? v->b : fallback;
  }
  [[nodiscard]] std::vector<std::string> strings_at(const std::string& path) const {
    std::vector<std::string> out;
    if (const Value* v = get(path))
      for (const auto& item : v->items) out.push_back(item.s);
    return out;
  }
  [[nodiscard]] std::map<std::string, std::string> dict_at(const std::string& path) const {
    std::map<std::string, std::string> out;
    if (const Value* v = get(path))
      for (std::size_t n = 0; n + 1 < v->items.size(); n += 2) out[v->items[n].s] = v->items[n + 1].s;
    return out;
  }
  [[nodiscard]] std::optional<std::uint64_t> amount_at(const std::string& path) const {
    const Value* v = get(path);
    if (v == nullptr) return std::nullopt;
    if (v->type.kind == Kind::size) return v->u;
    return v->i < 0 ? 0 : static_cast<std::uint64_t>(v->i);
  }

  std::map<std::string, ReportTemplate> templates(const std::string& kind) const {
    const auto& builtin = builtin_templates(kind);
    std::map<std::string, ReportTemplate> out;
    for (const auto& name : m_store.children(kind)) {
      auto cached = builtin.find(name);
      if (cached != builtin.end() && !m_store.touched(kind + "." + name)) {
        out.emplace(name, cached->second);
        continue;
      }
      out[name] = template_of(m_store, kind, name);
    }
    return out;
  }

  static ReportTemplate template_of(const Store& store, const std::string& kind, const std::string& name) {
    std::set<std::string> keys;
    const std::string key_section = kind + "." + name + ".key";
    for (const auto& key : store.children(key_section)) {
      const Value* use = store.get(key_section + "." + key + ".use");
      if (use == nullptr || use->b) keys.insert(key);
    }
    return with_host_key_pairs(name, std::move(keys));
  }

  // A template that names one of a pair of host keys reports both.
  static ReportTemplate with_host_key_pairs(const std::string& name, std::set<std::string> keys) {
    for (const auto& [a, b] :
         {std::pair{"_OP_HOSTINFO", "_OP_HOST_VERSION"}, std::pair{"_OP_NODENAME", "_OP_HOST_NODENAME"}}) {
      if (keys.count(a) || keys.count(b)) {
        keys.insert(a);
        keys.insert(b);
      }
    }
    return ReportTemplate{name, std::move(keys)};
  }

  // The built-in templates as Settings carry them, straight from the definitions the built-in
  // store was filled from (every key used, the same for both hosts), built once and never
  // destroyed: walking the store's ~750 template keys for them doubled the first evaluation.
  using TemplateCache = std::map<std::string, std::map<std::string, ReportTemplate>>;
  static TemplateCache make_template_cache() {
    TemplateCache cache;
    for (const auto& [kind, defs] : {std::pair{"report_template", &report_template_defs()},
                                     std::pair{"mark_template", &mark_template_defs()}}) {
      for (const auto& def : *defs)
        cache[kind][def.name] = with_host_key_pairs(def.name, {def.keys.begin(), def.keys.end()});
    }
    return cache;
  }
  static const std::map<std::string, ReportTemplate>& builtin_templates(const std::string& kind) {
    static const TemplateCache& k_cache = *new TemplateCache(make_template_cache());
    return k_cache.at(kind);
  }

  Validated build() const {
    Validated out;
    Settings& s = out.settings;
    s.log_level = string_at("log_level", s.log_level);
    if (const Value* color = get("color")) s.color = color->b;
    s.skip_command_report = bool_at("skip_command_report", false);
    s.skip_custom_reports = bool_at("skip_custom_reports", false);
    s.docker_exe = string_at("docker_exe", "");
    s.allow_credentials_in_images = bool_at("allow_credentials_in_images", false);
    s.env_always_show = strings_at("env_always_show");
    s.env_never_show = strings_at("env_never_show");
    s.env_redact = strings_at("env_redact");
    s.env_default_action = string_at("env_default_action", s.env_default_action);
    s.heartbeat_run = bool_at("exec.heartbeat.run", false);
    s.heartbeat_rate_us = get("exec.heartbeat.rate")->i;
    s.heartbeat_nice = get("exec.heartbeat.nice")->i;
    s.wrap_entrypoint = bool_at("docker.wrap_entrypoint", true);
    s.wrap_cmd = bool_at("docker.wrap_cmd", true);
    s.label_prefix = string_at("docker.label_prefix", s.label_prefix);
    s.custom_labels = dict_at("docker.custom_labels");

    for (const auto& name : m_store.children("sink_config")) {
      std::string base = "sink_config." + name + ".";
      SinkConfig c;
      c.name = name;
      c.sink = string_at(base + "sink", "");
      c.enabled = bool_at(base + "enabled", true);
      if (const Value* priority = get(base + "priority")) c.priority = priority->i;
      c.on_write_msg = string_at(base + "on_write_msg", "");
      if (const Value* limit = get(base + "disable_after_errors")) c.disable_after_errors = limit->i;
      c.pinned_cert_file = string_at(base + "pinned_cert_file", "");
      c.filename = string_at(base + "filename", "");
      c.max_bytes = amount_at(base + "max");
      c.truncation_amount = amount_at(base + "truncation_amount");
      c.uri = string_at(base + "uri", "");
      c.headers = dict_at(base + "headers");
      c.content_type = string_at(base + "content_type", "");
      if (auto timeout = amount_at(base + "timeout")) c.timeout_ms = static_cast<std::int64_t>(*timeout);
      c.disallow_http = bool_at(base + "disallow_http", false);
      c.uid = string_at(base + "uid", "");
      c.secret = string_at(base + "secret", "");
      c.token = string_at(base + "token", "");
      c.endpoint = string_at(base + "endpoint", "");
      c.extra = string_at(base + "extra", "");
      if (c.sink == "s3") resolve_region(c);
      s.sink_configs[name] = std::move(c);
    }

    if (m_host == Host::plugin) s.subscriptions["report"] = {"default_out"};
    for (const auto& op : m_run.subscriptions) {
      auto& list = s.subscriptions[op.topic];
      auto found = std::find(list.begin(), list.end(), op.sink_config);
      if (op.subscribe && found == list.end()) list.push_back(op.sink_config);
      if (!op.subscribe && found != list.end()) list.erase(found);
    }
    for (auto it = s.subscriptions.begin(); it != s.subscriptions.end();) {
      if (it->second.empty())
        it = s.subscriptions.erase(it);
      else
        ++it;
    }

    s.report_templates = templates("report_template");
    const std::string label_template = string_at("docker.label_template", "chalk_labels");
    s.label_keys =
        label_template.empty() ? std::set<std::string>{} : templates("mark_template").at(label_template).keys;
    for (const auto& name : m_store.children("custom_report")) {
      std::string base = "custom_report." + name + ".";
      CustomReport r;
      r.name = name;
      r.enabled = bool_at(base + "enabled", true);
      r.report_template = string_at(base + "report_template", "");
      r.sink_configs = strings_at(base + "sink_configs");
      if (get(base + "use_when")) r.use_when = strings_at(base + "use_when");
      s.custom_reports[name] = std::move(r);
    }

    // §9: one warning per s3 sink whose region we chose, if the sink is actually used.
    for (const auto& [name, sink] : s.sink_configs) {
      if (sink.sink != "s3" || sink.region_source == "config") continue;
      bool used = false;
      for (const auto& [topic, sinks] : s.subscriptions)
        used = used || std::find(sinks.begin(), sinks.end(), name) != sinks.end();
      for (const auto& [report_name, report] : s.custom_reports)
        used = used || (report.enabled && std::find(report.sink_configs.begin(), report.sink_configs.end(),
                                                    name) != report.sink_configs.end());
      if (!used) continue;
      std::string from = sink.region_source == "default"
                             ? " (default; set region, AWS_REGION or AWS_DEFAULT_REGION to change it)"
                             : " from " + sink.region_source;
      out.warnings.push_back(
          {*m_store.find_section("sink_config." + name),
           "sink_config " + name + ": no s3 region set; using '" + sink.region + "'" + from});
    }
    return out;
  }

  void resolve_region(SinkConfig& c) const {
    std::string configured = string_at("sink_config." + c.name + ".region", "");
    if (!configured.empty()) {
      c.region = configured;
      c.region_source = "config";
      return;
    }
    for (const char* var : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
      auto it = m_env.vars.find(var);
      if (it != m_env.vars.end() && !it->second.empty()) {
        c.region = it->second;
        c.region_source = var;
        return;
      }
    }
    c.region = "us-east-1";
    c.region_source = "default";
  }
};

}  // namespace

std::optional<std::string> unsupported_field(const std::string& path) {
  // A pattern's `*` matches one name; the reported field is the pattern's last name, or for
  // whole sections (outconf, mark_template) the section kind.
  struct Pattern {
    std::vector<std::string> parts;
    bool whole_section;
  };
  static const std::vector<Pattern> k_patterns{
      {{"log_format"}, false},
      {{"chalk_log_level"}, false},
      {{"docker_log_level"}, false},
      {{"exec", "heartbeat", "rlimit"}, false},
      {{"docker", "additional_env_vars"}, false},
      {{"sink_config", "*", "filters"}, false},
      {{"sink_config", "*", "log_search_path"}, false},
      {{"sink_config", "*", "use_search_path"}, false},
      {{"custom_report", "*", "per_chalk"}, false},
      {{"outconf"}, true},
      {{"mark_template"}, true},
  };
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const std::size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const auto& pattern : k_patterns) {
    if (pattern.whole_section ? parts.size() <= pattern.parts.size() : parts.size() != pattern.parts.size())
      continue;
    bool match = true;
    for (std::size_t n = 0; n < pattern.parts.size() && match; ++n)
      match = pattern.parts[n] == "*" || pattern.parts[n] == parts[n];
    if (match) return pattern.parts.back();
  }
  return std::nullopt;
}

const Store& builtin_store(Host host) {
  // Each built on first use (a process evaluates configs for one host only) and never
  // destroyed: freeing thousands of entries at exit is work no one waits for.
  if (host == Host::shim) {
    static const Store& k_shim = *new Store(make_store(Host::shim));
    return k_shim;
  }
  static const Store& k_plugin = *new Store(make_store(Host::plugin));
  return k_plugin;
}

const std::set<std::string>& key_catalogue() {
  static const std::set<std::string> k_keys = [] {
    std::set<std::string> keys;
    for (const auto& list : {chalk_time_keys(), k_artifact_keys, k_host_keys})
      keys.insert(list.begin(), list.end());
    return keys;
  }();
  return k_keys;
}

Validated validate(const RunResult& run, const Environment& env, Host host) {
  return Validator(run, env, host).run();
}

}  // namespace chalk::config
