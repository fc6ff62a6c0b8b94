// CONFIG.md §6, §8, §9 and test tables T12-T19: built-in objects, validation messages,
// aliases, rename hints, recorded effects applied only on success.
#include <gtest/gtest.h>

#include "tests/unit/config/helpers.hpp"

namespace chalk::config::test {
namespace {

TEST(Schema, EmptyConfigGivesTheDefaults) {
  Settings s = ok("");
  EXPECT_EQ(s.log_level, "warn");
  EXPECT_FALSE(s.heartbeat_run);
  EXPECT_EQ(s.heartbeat_rate_us, 20'000'000);
  EXPECT_EQ(s.heartbeat_nice, 5);
  EXPECT_TRUE(s.wrap_entrypoint);
  EXPECT_TRUE(s.wrap_cmd);
  EXPECT_EQ(s.label_prefix, "run.crashoverride.");
  EXPECT_EQ(s.label_keys,
            (std::set<std::string>{"CHALK_ID", "METADATA_ID", "ORIGIN_URI", "BRANCH", "TAG", "COMMIT_ID"}));
  EXPECT_EQ(s.env_always_show,
            (std::vector<std::string>{"PATH", "PWD", "XDG_SESSION_TYPE", "USER", "SSH_TTY"}));
  EXPECT_EQ(s.env_redact, (std::vector<std::string>{"AWS_SECRET_ACCESS_KEY"}));
  EXPECT_EQ(s.env_default_action, "ignore");
  ASSERT_EQ(s.subscriptions.size(), 1U);
  EXPECT_EQ(s.subscriptions.at("report"), (std::vector<std::string>{"default_out"}));
  EXPECT_TRUE(s.messages.empty());
  for (const char* sink :
       {"default_out", "console_out", "console_err", "json_console_out", "json_console_err"})
    EXPECT_TRUE(s.sink_configs.count(sink)) << sink;
  EXPECT_EQ(s.sink_configs.at("default_out").sink, "stdout");
  EXPECT_EQ(s.sink_configs.at("console_err").sink, "stderr");
  EXPECT_TRUE(s.custom_reports.empty());
}

// Children skip whole subtrees and parents come once; the answers stay those of a full walk,
// across layers and for keys that sort between a child and its subtree ("b-x" < "b." < "b/").
TEST(Schema, StoreChildrenAndSectionsOfNestedKeys) {
  Store base;
  base.put("a.b.c.d", Value::make_bool(true));
  base.put("a.b.c.e", Value::make_bool(true));
  base.put("a.b-x", Value::make_bool(true));
  base.put("a.b/y", Value::make_bool(true));
  base.put_section("a.f.g");
  base.put("z", Value::make_bool(true));
  Store layer;
  layer.base = &base;
  layer.put("a.h.i", Value::make_bool(true));
  EXPECT_EQ(base.children(""), (std::vector<std::string>{"a", "z"}));
  EXPECT_EQ(base.children("a"), (std::vector<std::string>{"b", "b-x", "b/y", "f"}));
  EXPECT_EQ(base.children("a.b"), (std::vector<std::string>{"c"}));
  EXPECT_EQ(base.children("a.b.c"), (std::vector<std::string>{"d", "e"}));
  EXPECT_EQ(layer.children("a"), (std::vector<std::string>{"b", "b-x", "b/y", "f", "h"}));
  for (const char* section : {"a", "a.b", "a.b.c", "a.f", "a.f.g"})
    EXPECT_TRUE(base.has_section(section)) << section;
  EXPECT_FALSE(base.has_section("a.b.c.d"));
  EXPECT_TRUE(layer.has_section("a.h"));
}

TEST(Schema, TemplateKeysHeldByListAnswerAsEntriesDo) {
  // The same templates, once as entries (put) and once as lists (TemplateKeys).
  Store by_entry;
  Store by_list;
  for (Store* store : {&by_entry, &by_list}) {
    store->put("r.x", Value::make_bool(true));
    for (const char* section : {"t.empty", "t.hb", "t.plain", "u.other"}) store->put_section(section);
  }
  for (const char* key : {"A", "B", "B_C"})
    by_entry.put(std::string("t.plain.key.") + key + ".use", Value::make_bool(true));
  for (const char* key : {"A", "OPEN"})
    by_entry.put(std::string("t.hb.key.") + key + ".use", Value::make_bool(true), std::string(key) != "OPEN");
  by_entry.put("u.other.key.Z.use", Value::make_bool(true));
  by_list.template_keys = {{"t.empty", {}, false, ""},
                           {"t.hb", {"A", "OPEN"}, true, "OPEN"},
                           {"t.plain", {"A", "B", "B_C"}, false, ""},
                           {"u.other", {"Z"}, false, ""}};
  const std::vector<std::string> paths{"",
                                       "t",
                                       "t.empty",
                                       "t.empty.key",
                                       "t.hb",
                                       "t.hb.key",
                                       "t.hb.key.A",
                                       "t.hb.key.A.use",
                                       "t.hb.key.OPEN.use",
                                       "t.plain.key",
                                       "t.plain.key.B",
                                       "t.plain.key.B.use",
                                       "t.plain.key.B_C.use",
                                       "t.plain.key.B.use.x",
                                       "t.plain.keys",
                                       "t.plain.key.C",
                                       "t.plain.key.C.use",
                                       "t.plain.key.A.used",
                                       "t.plainer.key.A.use",
                                       "u",
                                       "u.other.key.Z",
                                       "u.other.key.Z.use",
                                       "r",
                                       "r.x",
                                       "x.y.key.A.use"};
  for (const auto& path : paths) {
    const AttrEntry* entry = by_entry.find_attr(path);
    const AttrEntry* listed = by_list.find_attr(path);
    ASSERT_EQ(entry != nullptr, listed != nullptr) << path;
    if (entry != nullptr) {
      EXPECT_EQ(entry->value.b, listed->value.b) << path;
      EXPECT_EQ(entry->locked, listed->locked) << path;
    }
    EXPECT_EQ(by_entry.has_section(path), by_list.has_section(path)) << path;
    EXPECT_EQ(by_entry.children(path), by_list.children(path)) << path;
  }
  // A config's layer over each: writing one key copies it up; the others still answer below.
  Store over_entry;
  Store over_list;
  over_entry.base = &by_entry;
  over_list.base = &by_list;
  for (Store* layer : {&over_entry, &over_list}) {
    bool existed = false;
    AttrEntry& written = layer->writable("t.plain.key.B.use", existed);
    EXPECT_TRUE(existed);
    written.value = Value::make_bool(false);
    layer->put("t.plain.key.NEW.use", Value::make_bool(true));
  }
  for (const auto& path : {"t.plain.key.B.use", "t.plain.key.A.use", "t.plain.key.NEW.use"}) {
    ASSERT_NE(over_list.get(path), nullptr) << path;
    EXPECT_EQ(over_entry.get(path)->b, over_list.get(path)->b) << path;
  }
  EXPECT_EQ(over_entry.children("t.plain.key"), over_list.children("t.plain.key"));
  EXPECT_EQ(over_list.children("t.plain.key"), (std::vector<std::string>{"A", "B", "B_C", "NEW"}));
}

TEST(Schema, ShimDefaults) {
  Settings s = ok("", {}, Host::shim);
  EXPECT_EQ(s.log_level, "none");
  EXPECT_TRUE(s.subscriptions.empty());
  Settings warned = ok("warn(\"quiet in the shim\")\necho(\"also quiet\")\nx := 1 - 2 - 3", {}, Host::shim);
  EXPECT_TRUE(warned.messages.empty());
  Settings raised = ok("log_level: \"warn\"\nwarn(\"loud\")", {}, Host::shim);
  ASSERT_EQ(raised.messages.size(), 1U);
  EXPECT_EQ(raised.messages[0].line, "chalk: warning: loud");
}

TEST(Schema, BuiltInTemplates) {
  Settings s = ok("");
  for (const char* name :
       {"null", "report_all", "report_large", "report_default", "insertion_default", "unknown_docker",
        "audit", "usage", "heartbeat", "terminal_insert", "terminal_rest", "crashoverride"})
    EXPECT_TRUE(s.report_templates.count(name)) << name;
  EXPECT_EQ(s.report_templates.at("heartbeat").keys,
            (std::set<std::string>{"METADATA_ID", "CHALK_ID", "_CHALKS", "_COLLECTED_ARTIFACTS", "_OPERATION",
                                   "_TIMESTAMP", "_DATETIME", "_ACTION_ID", "_EXEC_ID"}));
  EXPECT_TRUE(s.report_templates.at("null").keys.empty());
  EXPECT_EQ(s.report_templates.at("report_all").keys, key_catalogue());
  const auto& insertion = s.report_templates.at("insertion_default").keys;
  for (const char* key : {"_OPERATION",
                          "_DATETIME",
                          "_TIMESTAMP",
                          "_CHALKS",
                          "_ENV",
                          "_OP_ARGV",
                          "_OP_CHALKER_VERSION",
                          "_OP_CHALK_COUNT",
                          "_OP_UNMARKED_COUNT",
                          "_OP_EXIT_CODE",
                          "DOCKERFILE_PATH",
                          "DOCKER_FILE",
                          "DOCKER_LABELS",
                          "DOCKER_TAGS",
                          "CHALK_ID",
                          "CHALK_VERSION",
                          "METADATA_ID",
                          "_VIRTUAL",
                          "_IMAGE_ID",
                          "_CURRENT_HASH",
                          "_REPO_DIGESTS"})
    EXPECT_TRUE(insertion.count(key)) << key;
}

TEST(Schema, T12SinkConfigsMerge) {
  Settings s =
      ok("sink_config s { sink: \"stdout\" }\nsink_config.s.enabled = false\nsink_config s { priority: 5 }\n"
         "sink_config \"my-sink\" { sink: \"stderr\" }");
  const SinkConfig& c = s.sink_configs.at("s");
  EXPECT_EQ(c.sink, "stdout");
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.priority, 5);
  EXPECT_EQ(s.sink_configs.at("my-sink").sink, "stderr");
}

TEST(Schema, T13HeartbeatTemplateIsLocked) {
  EXPECT_EQ(full_error("report_template heartbeat { key.CHALK_ID.use = false }"),
            "t.c4m:1:29: runtime: report_template.heartbeat.key.CHALK_ID.use: attribute is locked and can't "
            "be set");
  Settings s =
      ok("report_template heartbeat {\n key._COLLECTED_ARTIFACTS.use = false\n key._OP_HOSTNAME.use = true\n "
         "key.CHALK_ID.use = true\n}");
  const auto& keys = s.report_templates.at("heartbeat").keys;
  EXPECT_FALSE(keys.count("_COLLECTED_ARTIFACTS"));
  EXPECT_TRUE(keys.count("_OP_HOSTNAME"));
  EXPECT_TRUE(keys.count("CHALK_ID"));
}

TEST(Schema, T14UnknownNames) {
  EXPECT_EQ(full_error("bogus_section foo { x: 1 }"),
            "t.c4m:1:1: schema: In post execution check, at top-level: Unknown field for a  section: "
            "bogus_section");
  EXPECT_EQ(full_error("docker.nonexistent: true"),
            "t.c4m:1:1: schema: In post execution check, at top-level: Unknown field for a docker section: "
            "nonexistent");
  EXPECT_EQ(full_error("x: 1\n\nmystery: 2"),
            "t.c4m:1:1: schema: In post execution check, at top-level: Unknown field for a  section: x");
  EXPECT_EQ(full_error("echo \"hello\""),
            "t.c4m:1:1: check: Can't re-define name echo: Conflicts with existing function");
  EXPECT_EQ(full_error("exec.heartbeat.speed: 1"),
            "t.c4m:1:1: schema: In post execution check, at top-level: Unknown field for a heartbeat "
            "section: speed");
}

TEST(Schema, ReferenceNamesAreAcceptedAndIgnored) {
  ok("use_report_cache: false\npublish_audit: true\nkeyspec FOO { kind: 1 }");
  EXPECT_EQ(full_error("use_report_cache: 1"),
            "t.c4m:1:1: schema: When checking use_report_cache: Wrong type for 'use_report_cache' (spec said "
            "bool but value is a: int)");
}

TEST(Schema, T15Types) {
  EXPECT_EQ(full_error("exec.heartbeat.rate: 30"),
            "t.c4m:1:22: check: Attribute assignment of exec.heartbeat.rate doesn't match previous type "
            "('int' vs 'Duration')");
  EXPECT_EQ(full_error("exec.heartbeat.rate: <<1mb>>"),
            "t.c4m:1:22: check: Attribute assignment of exec.heartbeat.rate doesn't match previous type "
            "('Size' vs 'Duration')");
  EXPECT_EQ(full_error("exec.heartbeat.rate: \"30 minutes\""),
            "t.c4m:1:22: check: Attribute assignment of exec.heartbeat.rate doesn't match previous type "
            "('string' vs 'Duration')");
  EXPECT_EQ(full_error("sink_config s {\n  sink: \"stdout\"\n  enabled: \"yes\"\n}"),
            "t.c4m:3:3: schema: When checking sink_config.s.enabled: Wrong type for 'enabled' (spec said "
            "bool but value is a: string)");
  EXPECT_EQ(full_error("custom_report r {\n  report_template: \"null\"\n  sink_configs: \"console_out\"\n}"),
            "t.c4m:3:3: schema: When checking custom_report.r.sink_configs: Wrong type for 'sink_configs' "
            "(spec said list[string] but value is a: string)");
  EXPECT_EQ(full_error("docker.custom_labels: {\"a\": 1}"),
            "t.c4m:1:1: schema: When checking docker.custom_labels: Wrong type for 'custom_labels' (spec "
            "said dict[string, string] but value is a: dict[string, int])");
  EXPECT_EQ(
      full_error("log_level: 5"),
      "t.c4m:1:12: check: Attribute assignment of log_level doesn't match previous type ('int' vs 'string')");
}

TEST(Schema, T16ChoicesAndRanges) {
  EXPECT_EQ(full_error("log_level: \"debug\""),
            "t.c4m:1:1: schema: When checking log_level: Value is not one of the valid choices: verbose, "
            "trace, info, warn, error, none");
  EXPECT_EQ(full_error("exec.heartbeat.nice: 25"),
            "t.c4m:1:1: schema: When checking exec.heartbeat.nice: Value '25' is outside of allowed range: 0 "
            ".. 19");
  EXPECT_EQ(full_error("exec.heartbeat.nice: -1"),
            "t.c4m:1:1: schema: When checking exec.heartbeat.nice: Value '-1' is outside of allowed range: 0 "
            ".. 19");
  EXPECT_NE(full_error("sink_config s { sink: \"stdout\"\n priority: -1 }")
                .find("t.c4m:2:2: schema: When checking sink_config.s.priority: Value '-1' is outside"),
            std::string::npos);
  EXPECT_EQ(full_error("env_default_action: \"drop\""),
            "t.c4m:1:1: schema: When checking env_default_action: Value is not one of the valid choices: "
            "ignore, show, redact");
}

TEST(Schema, T17Sinks) {
  EXPECT_EQ(full_error("sink_config s { sink: \"nosuch\" }"),
            "t.c4m:1:17: schema: When checking sink_config.s.sink: No such sink configured: 'nosuch'");
  EXPECT_EQ(
      full_error("sink_config s { sink: \"file\" }"),
      "t.c4m:1:1: schema: When checking sink_config.s: sink config is missing required field: 'filename'");
  EXPECT_EQ(full_error("sink_config s {\n sink: \"post\"\n uri: \"http://x\"\n filename: \"f\"\n}"),
            "t.c4m:4:2: schema: When checking sink_config.s.filename: sink config provides field 'filename', "
            "but the specified sink 'post' does not use that field.");
  EXPECT_EQ(full_error("sink_config s {\n sink: \"post\"\n uri: \"http://x\"\n timeout: <<5 sec>>\n}"),
            "t.c4m:4:2: schema: When checking sink_config.s.timeout: timeout: This field must be a con4m "
            "Size, or an int (in bytes)");
  EXPECT_EQ(full_error("sink_config s {\n sink: \"post\"\n uri: 5\n}"),
            "t.c4m:3:2: schema: When checking sink_config.s.uri: uri: Field must be a string.");
  EXPECT_EQ(full_error("sink_config s { sink: \"presign\" }"),
            "t.c4m:1:17: schema: When checking sink_config.s.sink: No such sink configured: 'presign'");
  EXPECT_EQ(full_error("sink_config s { sink: \"dns\" }"),
            "t.c4m:1:17: schema: When checking sink_config.s.sink: No such sink configured: 'dns'");
  EXPECT_EQ(full_error("sink_config s { sink: \"rotating_log\"\n filename: \"f\" }"),
            "t.c4m:1:1: schema: When checking sink_config.s: sink config is missing required field: 'max'");
  EXPECT_EQ(
      full_error("sink_config s { sink: \"s3\"\n uri: \"s3://b/p\"\n uid: \"u\" }"),
      "t.c4m:1:1: schema: When checking sink_config.s: sink config is missing required field: 'secret'");
  EXPECT_EQ(full_error("sink_config s { sink: \"stdout\"\n on_write_msg: \"hi\" }"),
            "t.c4m:2:2: schema: When checking sink_config.s.on_write_msg: sink config provides field "
            "'on_write_msg', but the specified sink 'stdout' does not use that field.");
  EXPECT_EQ(full_error("sink_config s { sink: \"post\"\n uri: \"u\"\n disable_after_errors: 0 }"),
            "t.c4m:3:2: schema: When checking sink_config.s.disable_after_errors: Value '0' is outside of "
            "allowed range: 1 .. 9223372036854775807");
  EXPECT_EQ(full_error("sink_config s { sink: \"post\"\n uri: \"u\"\n headers: {\"a\": 1} }"),
            "t.c4m:3:2: schema: When checking sink_config.s.headers: Wrong type for 'headers' (spec said "
            "dict[string, string] but value is a: dict[string, int])");
  // unconfigured: no sink checks
  EXPECT_EQ(full_error("sink_config s { filename: 5 }"), "");
}

TEST(Schema, SinkFieldsReachSettings) {
  Settings s = ok(
      "sink_config p {\n sink: \"post\"\n uri: \"https://h/x\"\n headers: {\"Authorization\": \"Bearer t\"}\n"
      " content_type: \"application/json\"\n timeout: 2500\n disallow_http: true\n pinned_cert_file: "
      "\"/etc/ca.pem\"\n on_write_msg: \"sent\"\n"
      " disable_after_errors: 4\n}\n"
      "sink_config f { sink: \"rotating_log\"\n filename: \"/tmp/l\"\n max: <<1mb>>\n truncation_amount: "
      "1000 }\n"
      "sink_config t { sink: \"post\"\n uri: \"u\"\n timeout: <<2kb>> }");
  const SinkConfig& p = s.sink_configs.at("p");
  EXPECT_EQ(p.uri, "https://h/x");
  EXPECT_EQ(p.headers.at("Authorization"), "Bearer t");
  EXPECT_EQ(p.timeout_ms, std::optional<std::int64_t>(2500));
  EXPECT_TRUE(p.disallow_http);
  EXPECT_EQ(p.pinned_cert_file, "/etc/ca.pem");
  EXPECT_EQ(p.on_write_msg, "sent");
  EXPECT_EQ(p.disable_after_errors, std::optional<std::int64_t>(4));
  const SinkConfig& f = s.sink_configs.at("f");
  EXPECT_EQ(f.max_bytes, std::optional<std::uint64_t>(1'000'000));
  EXPECT_EQ(f.truncation_amount, std::optional<std::uint64_t>(1000));
  EXPECT_EQ(s.sink_configs.at("t").timeout_ms, std::optional<std::int64_t>(2000));
}

TEST(Schema, CustomReportsAndTemplates) {
  const std::string prefix = "sink_config s { sink: \"stdout\" }\n";
  Settings s = ok(prefix +
                  "report_template mine { key._OP_HOST_VERSION.use = true\n key.CHALK_ID.use = false }\n"
                  "custom_report r { report_template: \"mine\"\n sink_configs: [\"s\"] }");
  const CustomReport& r = s.custom_reports.at("r");
  EXPECT_TRUE(r.enabled);
  EXPECT_EQ(r.use_when, std::vector<std::string>{"*"});
  EXPECT_EQ(r.sink_configs, std::vector<std::string>{"s"});
  EXPECT_EQ(s.report_templates.at("mine").keys, (std::set<std::string>{"_OP_HOST_VERSION", "_OP_HOSTINFO"}));

  EXPECT_EQ(full_error(prefix + "custom_report r { report_template: \"null\" }"),
            "t.c4m:2:1: schema: When checking custom_report.r: Inside field 'r': Required attribute "
            "'sink_configs' is missing, and has no default value");
  EXPECT_EQ(full_error(prefix + "custom_report r { report_template: \"null\"\n sink_configs: [\"gone\"] }"),
            "t.c4m:3:2: schema: When checking custom_report.r.sink_configs: The report 'r' applies sink "
            "configuration 'gone', but that configuration has not been set.");
  EXPECT_EQ(full_error(prefix + "custom_report r { sink_configs: [\"s\"] }"),
            "t.c4m:2:1: schema: When checking custom_report.r: Custom Report 'r' must set a report");
  EXPECT_EQ(full_error(prefix + "custom_report r { report_template: \"nope\"\n sink_configs: [\"s\"] }"),
            "t.c4m:2:19: schema: When checking custom_report.r.report_template: In custom report 'r': "
            "specificate a Report template 'nope', but no such template exists");
  EXPECT_EQ(full_error(prefix + "report_template t { key.NOT_A_KEY.use = true }\ncustom_report r { "
                                "report_template: \"t\"\n sink_configs: [\"s\"] }"),
            "t.c4m:2:21: schema: When checking report_template.t.key.NOT_A_KEY: Report template 't' contains "
            "a key: 'NOT_A_KEY', which does not exist");
  // unreferenced templates are not checked for keys
  EXPECT_EQ(full_error("report_template t { key.NOT_A_KEY.use = true }"), "");
  EXPECT_EQ(full_error("report_template t { key.CHALK_ID.color = true }"),
            "t.c4m:1:21: schema: When checking report_template.t.key.CHALK_ID.color: Unknown field for a key "
            "section: color");
  EXPECT_EQ(full_error(prefix + "custom_report r { report_template: \"null\"\n sink_configs: [\"s\"]\n "
                                "use_when: [\"sometimes\"] }"),
            "t.c4m:4:2: schema: When checking custom_report.r.use_when: 'use_when' must be a valid chalk "
            "report type");
  EXPECT_EQ(full_error(prefix + "custom_report r { report_template: \"null\"\n sink_configs: [\"s\"]\n "
                                "use_when: [\"*\", \"build\"] }"),
            "t.c4m:4:2: schema: When checking custom_report.r.use_when: For field use_when, '*' should be "
            "the only item when it appears");
  EXPECT_EQ(full_error(prefix +
                       "custom_report r { report_template: \"null\"\n sink_configs: [\"s\"]\n colour: 1 }"),
            "t.c4m:4:2: schema: In post execution check, at top-level: Unknown field for a custom_report "
            "section: colour");
}

// Fields we do not implement are refused before anything runs, where they are written.
TEST(Schema, UnsupportedFieldsAreRefusedAtCheckTime) {
  EXPECT_EQ(full_error("log_format: \"json\""), "t.c4m:1:13: check: 'log_format' is not supported");
  EXPECT_EQ(full_error("x := 1\nchalk_log_level: \"info\""),
            "t.c4m:2:18: check: 'chalk_log_level' is not supported");
  EXPECT_EQ(full_error("docker_log_level: \"info\""),
            "t.c4m:1:19: check: 'docker_log_level' is not supported");
  EXPECT_EQ(full_error("exec {\n heartbeat.rlimit: <<1mb>>\n}"),
            "t.c4m:2:20: check: 'rlimit' is not supported");
  EXPECT_EQ(full_error("docker.additional_env_vars: {\"A\": \"1\"}"),
            "t.c4m:1:29: check: 'additional_env_vars' is not supported");
  EXPECT_EQ(full_error("sink_config s {\n sink: \"stdout\"\n filters: [\"pretty_json\"]\n}"),
            "t.c4m:3:11: check: 'filters' is not supported");
  EXPECT_EQ(full_error("sink_config f { sink: \"file\"\n filename: \"x\"\n use_search_path: false }"),
            "t.c4m:3:19: check: 'use_search_path' is not supported");
  EXPECT_EQ(full_error("sink_config.f.log_search_path: [\".\"]"),
            "t.c4m:1:32: check: 'log_search_path' is not supported");
  EXPECT_EQ(full_error("custom_report r { per_chalk: true }"),
            "t.c4m:1:30: check: 'per_chalk' is not supported");
  EXPECT_EQ(full_error("outconf build { report_template: \"report_large\" }"),
            "t.c4m:1:34: check: 'outconf' is not supported");
  EXPECT_EQ(full_error("mark_template mark_default { key.SBOM.use = true }"),
            "t.c4m:1:45: check: 'mark_template' is not supported");
  // Nothing ran: a warn() before the refused field prints nothing.
  EXPECT_EQ(full_error("warn(\"before\")\nlog_format: \"json\""),
            "t.c4m:2:13: check: 'log_format' is not supported");
  // Reading them is fine: only writes are refused.
  EXPECT_EQ(full_error("x := log_format"), "");
}

TEST(Schema, Docker) {
  Settings s =
      ok("docker {\n wrap_entrypoint: false\n wrap_cmd: false\n custom_labels: {\"team\": \"core\"}\n "
         "label_prefix: \"org.example.\"\n label_template: \"minimal\"\n}");
  EXPECT_FALSE(s.wrap_entrypoint);
  EXPECT_FALSE(s.wrap_cmd);
  EXPECT_EQ(s.custom_labels.at("team"), "core");
  EXPECT_EQ(s.label_prefix, "org.example.");
  EXPECT_EQ(s.label_keys, (std::set<std::string>{"MAGIC", "CHALK_ID", "CHALK_VERSION", "METADATA_ID"}));
  EXPECT_TRUE(ok("docker.label_template: \"\"").label_keys.empty());
  EXPECT_EQ(full_error("docker.custom_labels: {\"bad key\": \"v\"}"),
            "t.c4m:1:1: schema: When checking docker.custom_labels: label 'bad key' may only hold letters, "
            "digits, '.', '-' and '_'");
  EXPECT_EQ(full_error("docker.label_prefix: \"bad prefix!\""),
            "t.c4m:1:1: schema: When checking docker.label_prefix: label_prefix may only hold letters, "
            "digits, '.' and '-'");
  EXPECT_EQ(full_error("docker.label_template: \"report_all\""),
            "t.c4m:1:1: schema: When checking docker.label_template: no such mark template: 'report_all'");
  EXPECT_EQ(full_error("docker.arch_binary_locations: \"x\""),
            "t.c4m:1:1: schema: In post execution check, at top-level: Unknown field for a docker section: "
            "arch_binary_locations (renamed to docker.arch_binary_locations_path)");
  EXPECT_EQ(full_error("docker.arch_binary_locations_path: \"x\""), "");
}

TEST(Schema, T18S3GuideRegion) {
  const std::string base =
      "sink_config my_s3_config {\n  sink: \"s3\"\n  uri: env(\"AWS_S3_BUCKET_URI\")\n  secret: "
      "env(\"AWS_SECRET_ACCESS_KEY\")\n"
      "  uid: env(\"AWS_ACCESS_KEY_ID\")\n}\nsubscribe(\"report\", \"my_s3_config\")\n";
  std::map<std::string, std::string> creds{
      {"AWS_S3_BUCKET_URI", "s3://b/p"}, {"AWS_ACCESS_KEY_ID", "AKIA"}, {"AWS_SECRET_ACCESS_KEY", "shh"}};
  Settings s = ok(base, creds);
  EXPECT_EQ(s.sink_configs.at("my_s3_config").region, "us-east-1");
  EXPECT_EQ(s.sink_configs.at("my_s3_config").region_source, "default");
  ASSERT_EQ(s.messages.size(), 1U);
  EXPECT_EQ(s.messages[0].level, "warning");
  EXPECT_EQ(s.messages[0].line,
            "t.c4m:1:1: warning: sink_config my_s3_config: no s3 region set; using 'us-east-1' (default; set "
            "region, AWS_REGION or AWS_DEFAULT_REGION to change it)");
  creds["AWS_DEFAULT_REGION"] = "ap-south-1";
  s = ok(base, creds);
  EXPECT_EQ(s.sink_configs.at("my_s3_config").region, "ap-south-1");
  EXPECT_EQ(s.messages.at(0).text,
            "sink_config my_s3_config: no s3 region set; using 'ap-south-1' from AWS_DEFAULT_REGION");
  creds["AWS_REGION"] = "eu-west-1";
  s = ok(base, creds);
  EXPECT_EQ(s.sink_configs.at("my_s3_config").region, "eu-west-1");
  EXPECT_EQ(s.sink_configs.at("my_s3_config").region_source, "AWS_REGION");
  s = ok(base + "sink_config.my_s3_config.region: \"us-west-2\"", creds);
  EXPECT_EQ(s.sink_configs.at("my_s3_config").region, "us-west-2");
  EXPECT_EQ(s.sink_configs.at("my_s3_config").region_source, "config");
  EXPECT_TRUE(s.messages.empty());
  // unused: no warning
  s = ok("sink_config x { sink: \"s3\"\n uri: \"\"\n uid: \"\"\n secret: \"\" }");
  EXPECT_TRUE(s.messages.empty());
  // used by an enabled custom report: warning
  s =
      ok("sink_config x { sink: \"s3\"\n uri: \"\"\n uid: \"\"\n secret: \"\" }\ncustom_report r { "
         "report_template: \"null\"\n sink_configs: [\"x\"] }");
  EXPECT_EQ(s.messages.size(), 1U);
  s =
      ok("sink_config x { sink: \"s3\"\n uri: \"\"\n uid: \"\"\n secret: \"\" }\ncustom_report r { enabled: "
         "false\n report_template: \"null\"\n sink_configs: [\"x\"] }");
  EXPECT_TRUE(s.messages.empty());
}

TEST(Schema, T19HeartbeatAliases) {
  Settings s = ok("exec.heartbeat: true");
  EXPECT_TRUE(s.heartbeat_run);
  s = ok("exec.heartbeat_rate: <<30 minutes>>");
  EXPECT_EQ(s.heartbeat_rate_us, 1'800'000'000);
  s = ok("exec.heartbeat.run: true\nexec.heartbeat: false");
  EXPECT_FALSE(s.heartbeat_run);
  s = ok("exec.heartbeat_rate: <<10 seconds>>\nexec.heartbeat.rate: <<1 seconds>>");
  EXPECT_EQ(s.heartbeat_rate_us, 1'000'000);
  s = ok("exec {\n heartbeat: true\n heartbeat_rate: <<2 min>>\n heartbeat.nice: 10\n}");
  EXPECT_TRUE(s.heartbeat_run);
  EXPECT_EQ(s.heartbeat_rate_us, 120'000'000);
  EXPECT_EQ(s.heartbeat_nice, 10);
  s = ok(
      "exec.heartbeat: true\nx := exec.heartbeat\nexec.heartbeat.run: x and exec.heartbeat_rate > <<1 sec>>");
  EXPECT_TRUE(s.heartbeat_run);
  EXPECT_EQ(full_error("~exec.heartbeat: true\nexec.heartbeat.run: false"),
            "t.c4m:2:1: runtime: exec.heartbeat.run: attribute is locked and can't be set");
  EXPECT_EQ(full_error("exec.heartbeat_rlimit: <<1mb>>"),
            "t.c4m:1:1: schema: In post execution check, at top-level: Unknown field for a exec section: "
            "heartbeat_rlimit (renamed to exec.heartbeat.rlimit)");
  EXPECT_EQ(full_error("exec.heartbeat: 5"),
            "t.c4m:1:17: check: Attribute assignment of exec.heartbeat doesn't match previous type ('int' vs "
            "'bool') (use exec.heartbeat.run)");
  EXPECT_EQ(full_error("exec.heartbeat_rate: <<0 sec>>"),
            "t.c4m:1:1: schema: When checking exec.heartbeat.rate: Value '0 sec' is outside of allowed "
            "range: 1 usec .. no limit");
  EXPECT_EQ(full_error("exec.heartbeat.rate: <<0 sec>> - <<1 min>>"),
            "t.c4m:1:1: schema: When checking exec.heartbeat.rate: Value '-1 min' is outside of allowed "
            "range: 1 usec .. no limit");
  EXPECT_EQ(full_error("exec.heartbeat_rate: 30"),
            "t.c4m:1:22: check: Attribute assignment of exec.heartbeat.rate doesn't match previous type "
            "('int' vs 'Duration')");
}

TEST(Effects, AppliedOnlyWhenEverythingPasses) {
  // §6: a schema failure after warn()/subscribe() leaves no trace; the error is all there is.
  auto r = full("warn(\"before\")\nsubscribe(\"report\", \"console_out\")\nlog_level: \"debug\"");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, util::Errc::config);
  EXPECT_EQ(r.error().message,
            "t.c4m:3:1: schema: When checking log_level: Value is not one of the valid choices: verbose, "
            "trace, info, warn, error, none");
}

TEST(Effects, OrderWarningsThenLogsAndEcho) {
  Settings s =
      ok("info(\"hidden at warn\")\nx := 9 - 4 - 1\necho(\"e1\")\nwarn(\"w1\")\nlog_level: "
         "\"info\"\ninfo(\"i1\")\n"
         "subscribe(\"report\", \"console_err\")\nunsubscribe(\"report\", "
         "\"default_out\")\nsubscribe(\"audit\", \"console_err\")");
  ASSERT_EQ(s.messages.size(), 4U);
  EXPECT_EQ(s.messages[0].level, "warning");
  EXPECT_EQ(
      s.messages[0].line,
      "t.c4m:2:8: warning: '-' groups to the right here (a - b - c means a - (b - c)); add parentheses");
  EXPECT_EQ(s.messages[1].line, "e1");
  EXPECT_EQ(s.messages[2].line, "chalk: warning: w1");
  EXPECT_EQ(s.messages[3].level, "info");
  EXPECT_EQ(s.messages[3].line, "chalk: info: i1");
  EXPECT_EQ(s.subscriptions.at("report"), std::vector<std::string>{"console_err"});
  EXPECT_EQ(s.subscriptions.at("audit"), std::vector<std::string>{"console_err"});
  Settings quiet = ok("x := 9 - 4 - 1\nlog_level: \"error\"");
  EXPECT_TRUE(quiet.messages.empty());
  Settings none = ok("unsubscribe(\"report\", \"default_out\")");
  EXPECT_TRUE(none.subscriptions.empty());
}

TEST(Effects, EnvListsAndMisc) {
  Settings s =
      ok("env_always_show: [\"HOME\"]\nenv_never_show: [\"SECRET\"]\nenv_redact: []\nenv_default_action: "
         "\"redact\"\n"
         "skip_command_report: true\ndocker_exe: \"/usr/bin/docker\"");
  EXPECT_EQ(s.env_always_show, std::vector<std::string>{"HOME"});
  EXPECT_EQ(s.env_never_show, std::vector<std::string>{"SECRET"});
  EXPECT_TRUE(s.env_redact.empty());
  EXPECT_EQ(s.env_default_action, "redact");
  EXPECT_TRUE(s.skip_command_report);
  EXPECT_EQ(s.docker_exe, "/usr/bin/docker");
}

TEST(Evaluate, ErrorsNameTheSource) {
  auto r = evaluate(Source{"(chalk-layer)", "x: @"}, env_with(), Host::shim);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "(chalk-layer):1:4: lex: Invalid character found");
}

TEST(Evaluate, CurrentEnvironmentReadsTheProcess) {
  ::setenv("CHALK_CONFIG_TEST_VAR", "value", 1);
  Environment env = current_environment("exec", {"/chalk", "exec"});
  EXPECT_EQ(env.vars.at("CHALK_CONFIG_TEST_VAR"), "value");
  EXPECT_EQ(env.command_name, "exec");
  EXPECT_EQ(env.argv.size(), 2U);
  EXPECT_FALSE(env.version.empty());
  ::unsetenv("CHALK_CONFIG_TEST_VAR");
}

}  // namespace
}  // namespace chalk::config::test

namespace chalk::config::test {
namespace {

// What a careful user tries when writing a config by hand.
TEST(CarefulUser, LayoutVariants) {
  Settings s =
      ok("\xEF\xBB\xBF# saved by a Windows editor\r\n"
         "sink_config a {}\n"
         "sink_config b { sink: \"stdout\"; enabled: True; priority: 2 }\n"
         "sink_config c {\n\tsink:\t\"stderr\"   # trailing comment\n}\n"
         "exec { heartbeat { run: true; nice: 19 } }\n"
         "docker.wrap_entrypoint: false  // no newline at the end");
  EXPECT_EQ(s.sink_configs.at("a").sink, "");
  EXPECT_EQ(s.sink_configs.at("b").priority, 2);
  EXPECT_EQ(s.sink_configs.at("c").sink, "stderr");
  EXPECT_TRUE(s.heartbeat_run);
  EXPECT_EQ(s.heartbeat_nice, 19);
  EXPECT_FALSE(s.wrap_entrypoint);
  EXPECT_TRUE(ok("# only a comment").messages.empty());
  EXPECT_TRUE(ok("\n\n;;\n").messages.empty());
}

TEST(CarefulUser, ConditionalSetupFromTheEnvironment) {
  const std::string text =
      "if env(\"STAGE\") == \"prod\" {\n  log_level: \"error\"\n}\nelif env(\"STAGE\") == \"dev\" {\n"
      "  log_level: \"trace\"\n  echo(\"dev mode\", command_name())\n}\nelse {\n  warn(\"STAGE unset\")\n}";
  EXPECT_EQ(ok(text, {{"STAGE", "prod"}}).log_level, "error");
  Settings dev = ok(text, {{"STAGE", "dev"}});
  EXPECT_EQ(dev.log_level, "trace");
  ASSERT_EQ(dev.messages.size(), 1U);
  EXPECT_EQ(dev.messages[0].line, "dev mode build");
  EXPECT_EQ(ok(text).messages.at(0).text, "STAGE unset");
}

TEST(CarefulUser, FileSinkWithReportAndSubscription) {
  Settings s =
      ok("sink_config my_file {\n  sink: \"file\"\n  filename: \"/var/log/chalk.jsonl\"\n}\n"
         "subscribe(\"report\", \"my_file\")\nunsubscribe(\"report\", \"default_out\")\n"
         "custom_report builds {\n  report_template: \"insertion_default\"\n  sink_configs: [\"my_file\", "
         "\"console_err\"]\n"
         "  use_when: [\"build\", \"push\"]\n}");
  EXPECT_EQ(s.subscriptions.at("report"), std::vector<std::string>{"my_file"});
  EXPECT_EQ(s.sink_configs.at("my_file").filename, "/var/log/chalk.jsonl");
  EXPECT_EQ(s.custom_reports.at("builds").use_when, (std::vector<std::string>{"build", "push"}));
}

TEST(CarefulUser, CommonMistakes) {
  EXPECT_EQ(full_error("sink_config s {\n  sink = \"stdout\"\n  enabled: yes\n}"),
            "t.c4m:3:12: check: Variable yes used before definition");
  EXPECT_EQ(full_error("exec.heartbeat_rate: \"30 minutes\""),
            "t.c4m:1:22: check: Attribute assignment of exec.heartbeat.rate doesn't match previous type "
            "('string' vs 'Duration')");
  EXPECT_EQ(full_error("exec.heartbeat_rate: <<30 minute>>"),
            "t.c4m:1:22: check: Invalid literal: <<30 minute>>");
  EXPECT_EQ(full_error("log_level: warn"), "t.c4m:1:12: check: Variable warn used before definition");
  EXPECT_EQ(full_error("subscribe(\"report\" \"x\")"),
            "t.c4m:1:20: parse: Expected ',' between call arguments");
  EXPECT_EQ(full_error("sink_config s {\n  sink: \"stdout\"\n"),
            "t.c4m:3:1: parse: Expected '}' to close the block");
  EXPECT_EQ(full_error("custom_report r {\n  report_template: \"heartbeat\"\n  sink_configs: "
                       "[\"json_console_out\"]\n  use_when: [\"heartbeats\"]\n}"),
            "t.c4m:4:3: schema: When checking custom_report.r.use_when: 'use_when' must be a valid chalk "
            "report type");
}

}  // namespace
}  // namespace chalk::config::test
