#include "plugin/build/build_args.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <optional>
#include <string_view>

#include "oci/util/strings.hpp"

namespace chalk::build {
namespace {

enum class Kind {
  value,           // needs a value: `--opt v`, `--opt=v`, `-ov`, `-o=v`, `-o v`
  flag,            // boolean: alone means true, `--opt=false` sets it explicitly
  optional_value,  // pflag NoOptDefVal: alone means "true", never takes the next argument
};

struct OptionSpec {
  std::string_view name;
  char shorthand;
  Kind kind;
};

// `docker buildx build` (commands/build.go, including the hidden legacy options and the
// inherited --builder/--debug) united with the legacy builder's `docker build`: an option one
// of them accepts must not make us take its value for the context.
constexpr std::array k_options{
    OptionSpec{"add-host", 0, Kind::value},
    OptionSpec{"allow", 0, Kind::value},
    OptionSpec{"annotation", 0, Kind::value},
    OptionSpec{"attest", 0, Kind::value},
    OptionSpec{"build-arg", 0, Kind::value},
    OptionSpec{"build-context", 0, Kind::value},
    OptionSpec{"builder", 0, Kind::value},
    OptionSpec{"cache-from", 0, Kind::value},
    OptionSpec{"cache-to", 0, Kind::value},
    OptionSpec{"call", 0, Kind::value},
    OptionSpec{"cgroup-parent", 0, Kind::value},
    OptionSpec{"check", 0, Kind::optional_value},
    OptionSpec{"compress", 0, Kind::flag},
    OptionSpec{"cpu-period", 0, Kind::value},
    OptionSpec{"cpu-quota", 0, Kind::value},
    OptionSpec{"cpu-shares", 'c', Kind::value},
    OptionSpec{"cpuset-cpus", 0, Kind::value},
    OptionSpec{"cpuset-mems", 0, Kind::value},
    OptionSpec{"debug", 0, Kind::flag},
    OptionSpec{"detach", 0, Kind::flag},
    OptionSpec{"disable-content-trust", 0, Kind::flag},
    OptionSpec{"file", 'f', Kind::value},
    OptionSpec{"force-rm", 0, Kind::flag},
    OptionSpec{"help", 'h', Kind::flag},
    OptionSpec{"iidfile", 0, Kind::value},
    OptionSpec{"invoke", 0, Kind::value},
    OptionSpec{"isolation", 0, Kind::value},
    OptionSpec{"label", 0, Kind::value},
    OptionSpec{"load", 0, Kind::flag},
    OptionSpec{"memory", 'm', Kind::value},
    OptionSpec{"memory-swap", 0, Kind::value},
    OptionSpec{"metadata-file", 0, Kind::value},
    OptionSpec{"network", 0, Kind::value},
    OptionSpec{"no-cache", 0, Kind::flag},
    OptionSpec{"no-cache-filter", 0, Kind::value},
    OptionSpec{"output", 'o', Kind::value},
    OptionSpec{"platform", 0, Kind::value},
    OptionSpec{"print", 0, Kind::value},
    OptionSpec{"progress", 0, Kind::value},
    OptionSpec{"provenance", 0, Kind::value},
    OptionSpec{"pull", 0, Kind::flag},
    OptionSpec{"push", 0, Kind::flag},
    OptionSpec{"quiet", 'q', Kind::flag},
    OptionSpec{"rm", 0, Kind::flag},
    OptionSpec{"root", 0, Kind::value},
    OptionSpec{"sbom", 0, Kind::value},
    OptionSpec{"secret", 0, Kind::value},
    OptionSpec{"security-opt", 0, Kind::value},
    OptionSpec{"server-config", 0, Kind::value},
    OptionSpec{"shm-size", 0, Kind::value},
    OptionSpec{"squash", 0, Kind::flag},
    OptionSpec{"ssh", 0, Kind::value},
    OptionSpec{"stream", 0, Kind::flag},
    OptionSpec{"tag", 't', Kind::value},
    OptionSpec{"target", 0, Kind::value},
    OptionSpec{"ulimit", 0, Kind::value},
};

constexpr std::string_view k_what = "parsing `docker build` arguments";

const OptionSpec* find_long(std::string_view name) {
  for (const auto& spec : k_options) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const OptionSpec* find_short(char shorthand) {
  for (const auto& spec : k_options) {
    if (spec.shorthand != 0 && spec.shorthand == shorthand) return &spec;
  }
  return nullptr;
}

// Go's strconv.ParseBool, which pflag uses for boolean options.
std::optional<bool> parse_bool(std::string_view text) {
  for (std::string_view yes : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == yes) return true;
  }
  for (std::string_view no : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == no) return false;
  }
  return std::nullopt;
}

util::Error args_error(std::string cause) {
  return util::make_error(util::Errc::invalid_argument, std::string(k_what) + ": " + std::move(cause));
}

struct OptionValue {
  const OptionSpec* spec;
  std::string value;  // booleans given alone read "true"
};

// The arguments split the way pflag splits them (interspersed positionals, `--` ends options).
struct Scan {
  std::vector<OptionValue> options;
  std::vector<std::size_t> positionals;   // indexes into the arguments
  std::optional<std::size_t> terminator;  // index of `--`
};

util::Result<Scan> scan(const std::vector<std::string>& args) {
  Scan result;
  std::size_t i = 0;
  // Takes the value of `spec` given without `=`: flags need none, others take the next argument.
  auto detached_value = [&](const OptionSpec& spec, std::string_view written) -> util::Result<std::string> {
    if (spec.kind != Kind::value) return std::string("true");
    if (i + 1 >= args.size()) return args_error("option `" + std::string(written) + "` needs a value");
    return args[++i];
  };

  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {
      result.positionals.push_back(i);
      continue;
    }
    if (arg == "--") {
      result.terminator = i;
      for (std::size_t rest = i + 1; rest < args.size(); ++rest) result.positionals.push_back(rest);
      break;
    }
    if (arg[1] == '-') {
      const std::string_view body = std::string_view(arg).substr(2);
      if (body.front() == '-' || body.front() == '=') return args_error("bad option syntax `" + arg + "`");
      const std::size_t equals = body.find('=');
      const std::string_view name = body.substr(0, equals);
      const OptionSpec* spec = find_long(name);
      if (spec == nullptr) return args_error("unknown option `--" + std::string(name) + "`");
      if (equals != std::string_view::npos) {
        result.options.push_back({spec, std::string(body.substr(equals + 1))});
        continue;
      }
      auto value = detached_value(*spec, arg);
      if (!value) return value.error();
      result.options.push_back({spec, std::move(*value)});
      continue;
    }
    // A run of shorthands: booleans may be combined (`-qt tag`); the first option that takes a
    // value takes the rest of the run (`-tname`, `-t=name`) or the next argument.
    const std::string_view run = std::string_view(arg).substr(1);
    for (std::size_t at = 0; at < run.size(); ++at) {
      const OptionSpec* spec = find_short(run[at]);
      if (spec == nullptr)
        return args_error("unknown shorthand option `" + std::string(1, run[at]) + "` in `" + arg + "`");
      const std::string_view rest = run.substr(at + 1);
      if (rest.size() > 1 && rest.front() == '=') {
        result.options.push_back({spec, std::string(rest.substr(1))});
        break;
      }
      if (spec->kind != Kind::value) {
        result.options.push_back({spec, "true"});
        continue;
      }
      if (!rest.empty()) {
        result.options.push_back({spec, std::string(rest)});
        break;
      }
      auto value = detached_value(*spec, "-" + std::string(1, run[at]));
      if (!value) return value.error();
      result.options.push_back({spec, std::move(*value)});
    }
  }
  return result;
}

void add_unique(std::vector<std::string>& list, std::string value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

// The `key=value` fields of an --output spec (CSV; a field may be double-quoted).
std::vector<std::pair<std::string, std::string>> output_fields(std::string_view spec) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::string field;
  bool quoted = false;
  auto finish = [&] {
    const auto equals = field.find('=');
    fields.emplace_back(util::lowercase(field.substr(0, equals)),
                        equals == std::string::npos ? std::string() : field.substr(equals + 1));
    field.clear();
  };
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const char c = spec[i];
    if (c == '"') {
      if (quoted && i + 1 < spec.size() && spec[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == ',' && !quoted) {
      finish();
    } else {
      field += c;
    }
  }
  finish();
  return fields;
}

// How buildx reads one --output: `-` is a tar on stdout, a bare path a local directory.
void apply_output(BuildInvocation& invocation, const std::string& spec) {
  invocation.outputs.push_back(spec);
  if (spec.find('=') == std::string::npos) return;
  for (const auto& [key, value] : output_fields(spec)) {
    if (key == "type" && value == "registry") invocation.push = true;
    if (key == "type" && value == "docker") invocation.load = true;
    if (key == "push" && parse_bool(value).value_or(false)) invocation.push = true;
  }
}

}  // namespace

util::Result<BuildInvocation> parse_build_args(const std::vector<std::string>& args) {
  auto scanned = scan(args);
  if (!scanned) return scanned.error();

  BuildInvocation invocation;
  bool push_option = false;
  bool load_option = false;
  std::vector<std::string> outputs;
  for (const auto& [spec, value] : scanned->options) {
    if (spec->kind == Kind::flag && !parse_bool(value)) {
      return args_error("option `--" + std::string(spec->name) + "`: invalid boolean `" + value + "`");
    }
    const std::string_view name = spec->name;
    if (name == "tag") {
      add_unique(invocation.tags, value);
    } else if (name == "file") {
      invocation.dockerfile = value;
    } else if (name == "iidfile") {
      invocation.iidfile = value;
    } else if (name == "target") {
      invocation.target = value;
    } else if (name == "quiet") {
      invocation.quiet = *parse_bool(value);
    } else if (name == "push") {
      push_option = *parse_bool(value);
    } else if (name == "load") {
      load_option = *parse_bool(value);
    } else if (name == "platform") {
      std::string_view rest = value;
      while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view item = util::trim(rest.substr(0, comma), " \t");
        if (!item.empty()) add_unique(invocation.platforms, std::string(item));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    } else if (name == "label") {
      const std::size_t equals = value.find('=');
      std::string key = value.substr(0, equals);
      std::string text = equals == std::string::npos ? std::string() : value.substr(equals + 1);
      auto same = std::find_if(invocation.labels.begin(), invocation.labels.end(),
                               [&](const auto& label) { return label.first == key; });
      if (same != invocation.labels.end()) {
        same->second = std::move(text);
      } else {
        invocation.labels.emplace_back(std::move(key), std::move(text));
      }
    } else if (name == "build-arg") {
      invocation.build_args.push_back(value);
    } else if (name == "output") {
      outputs.push_back(value);
    }
  }
  for (const auto& spec : outputs) apply_output(invocation, spec);
  invocation.push = invocation.push || push_option;
  invocation.load = invocation.load || load_option;

  const auto& positionals = scanned->positionals;
  if (positionals.empty()) return args_error("no build context (PATH, URL or -) given");
  if (positionals.size() > 1) {
    return args_error("more than one build context: `" + args[positionals[0]] + "`, `" +
                      args[positionals[1]] + "`");
  }
  invocation.context = args[positionals.front()];
  return invocation;
}

std::vector<std::string> with_iidfile(const std::vector<std::string>& args, const std::string& path) {
  const auto invocation = parse_build_args(args);
  if (!invocation || !invocation->iidfile.empty()) return args;
  // parse_build_args succeeded, so the scan does too and has exactly one positional.
  const auto scanned = scan(args);
  std::size_t at = scanned->positionals.front();
  if (scanned->terminator && *scanned->terminator < at) at = *scanned->terminator;
  std::vector<std::string> result(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(at));
  result.push_back("--iidfile");
  result.push_back(path);
  result.insert(result.end(), args.begin() + static_cast<std::ptrdiff_t>(at), args.end());
  return result;
}

std::vector<std::string> without_push(const std::vector<std::string>& args) {
  auto pushes = [](std::string_view spec) {
    BuildInvocation probe;
    apply_output(probe, std::string(spec));
    return probe.push;
  };
  // The spec of an attached output (`--output=SPEC`, `-oSPEC`, `-o=SPEC`), if `arg` is one.
  auto attached_output = [](const std::string& arg) -> std::optional<std::string_view> {
    for (std::string_view prefix : {"--output=", "-o=", "-o"}) {
      if (arg.size() > prefix.size() && arg.rfind(prefix, 0) == 0)
        return std::string_view(arg).substr(prefix.size());
    }
    return std::nullopt;
  };
  std::vector<std::string> result;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      result.insert(result.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    if (arg == "--push" || arg.rfind("--push=", 0) == 0) continue;
    if ((arg == "--output" || arg == "-o") && i + 1 < args.size()) {
      if (!pushes(args[i + 1])) {
        result.push_back(arg);
        result.push_back(args[i + 1]);
      }
      ++i;
      continue;
    }
    if (auto spec = attached_output(arg); spec && pushes(*spec)) continue;
    result.push_back(arg);
  }
  return result;
}

}  // namespace chalk::build
