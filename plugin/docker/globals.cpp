#include "plugin/docker/globals.hpp"

#include <optional>
#include <string_view>

namespace chalk::docker {

namespace {

enum class Kind { text, flag };

struct OptionSpec {
  std::string_view long_name;
  char short_name;  // '\0' when none
  Kind kind;
};

// Every global option of the docker CLI (`docker --help`) that reaches a plugin.
constexpr OptionSpec k_options[] = {
    {"config", '\0', Kind::text},    {"context", 'c', Kind::text},   {"debug", 'D', Kind::flag},
    {"host", 'H', Kind::text},       {"log-level", 'l', Kind::text}, {"tls", '\0', Kind::flag},
    {"tlscacert", '\0', Kind::text}, {"tlscert", '\0', Kind::text},  {"tlskey", '\0', Kind::text},
    {"tlsverify", '\0', Kind::flag},
};

struct Matched {
  const OptionSpec* spec = nullptr;
  std::optional<std::string> value;  // attached: --name=value, -Hvalue, -H=value
};

// The option `token` names, if it is one of docker's global options.
Matched match(std::string_view token) {
  Matched matched;
  if (token.rfind("--", 0) == 0) {
    std::string_view name = token.substr(2);
    const std::size_t equals = name.find('=');
    if (equals != std::string_view::npos) {
      matched.value = std::string(name.substr(equals + 1));
      name = name.substr(0, equals);
    }
    for (const auto& spec : k_options) {
      if (spec.long_name == name) matched.spec = &spec;
    }
  } else if (token.size() >= 2 && token[0] == '-') {
    for (const auto& spec : k_options) {
      if (spec.short_name != '\0' && spec.short_name == token[1]) matched.spec = &spec;
    }
    // Bundled short flags (-Dl) are not something the docker CLI forwards as one token.
    if (matched.spec != nullptr && matched.spec->kind == Kind::flag && token.size() > 2)
      matched.spec = nullptr;
    if (token.size() > 2) matched.value = std::string(token.substr(token[2] == '=' ? 3 : 2));
  }
  return matched;
}

util::Error bad(const std::string& message) {
  return util::make_error(util::Errc::invalid_argument, "docker's global options: " + message);
}

util::Result<bool> flag_value(const OptionSpec& spec, const std::optional<std::string>& value) {
  if (!value || *value == "true" || *value == "1") return true;
  if (*value == "false" || *value == "0") return false;
  return bad("--" + std::string(spec.long_name) + "=`" + *value + "`: expected true or false");
}

util::Status store(Globals& globals, const OptionSpec& spec, const std::string& value, bool flag) {
  const std::string_view name = spec.long_name;
  if (name == "config") globals.config_dir = value;
  if (name == "context") globals.context = value;
  if (name == "host") {
    if (!globals.host.empty()) return bad("specify only one -H");
    globals.host = value;
  }
  if (name == "debug") globals.debug = flag;
  if (name == "log-level") globals.log_level = value;
  if (name == "tls") globals.tls = flag;
  if (name == "tlsverify") globals.tls_verify = flag;
  if (name == "tlscacert") globals.tls_ca_cert = value;
  if (name == "tlscert") globals.tls_cert = value;
  if (name == "tlskey") globals.tls_key = value;
  return {};
}

}  // namespace

std::vector<std::string> Globals::cli_arguments() const {
  std::vector<std::string> out;
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) out.push_back(std::string("--") + name + "=" + value);
  };
  add("config", config_dir);
  add("context", context);
  add("host", host);
  if (debug) out.emplace_back("--debug");
  add("log-level", log_level);
  if (tls) out.push_back(*tls ? "--tls" : "--tls=false");
  if (tls_verify) out.push_back(*tls_verify ? "--tlsverify" : "--tlsverify=false");
  add("tlscacert", tls_ca_cert);
  add("tlscert", tls_cert);
  add("tlskey", tls_key);
  return out;
}

util::Result<PluginInvocation> split_plugin_invocation(const std::vector<std::string>& args) {
  PluginInvocation invocation;
  std::size_t i = 0;
  while (i < args.size()) {
    const Matched matched = match(args[i]);
    if (matched.spec == nullptr) break;
    if (matched.spec->kind == Kind::flag) {
      auto value = flag_value(*matched.spec, matched.value);
      if (!value) return value.error();
      if (auto ok = store(invocation.globals, *matched.spec, {}, *value); !ok) return ok.error();
      ++i;
      continue;
    }
    std::string value;
    if (matched.value) {
      value = *matched.value;
      ++i;
    } else if (i + 1 < args.size()) {
      value = args[i + 1];
      i += 2;
    } else {
      break;  // a dangling option: not docker's invocation; the plugin's own parser explains
    }
    if (auto ok = store(invocation.globals, *matched.spec, value, true); !ok) return ok.error();
  }
  if (i >= args.size() || args[i] != "chalk") {
    // Run directly, not by docker: every argument is the plugin's own.
    return PluginInvocation{Globals{}, args};
  }
  if (!invocation.globals.host.empty() && !invocation.globals.context.empty()) {
    return bad("conflicting options: either specify --host or --context, not both");
  }
  invocation.arguments.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
  return invocation;
}

std::filesystem::path config_directory(const Globals& globals, const Environment& environment) {
  if (!globals.config_dir.empty()) return globals.config_dir;
  if (auto docker_config = util::env_value(environment, "DOCKER_CONFIG"); !docker_config.empty()) {
    return docker_config;
  }
  return std::filesystem::path(util::env_value(environment, "HOME")) / ".docker";
}

}  // namespace chalk::docker
