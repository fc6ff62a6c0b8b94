#include "plugin/build/provenance.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include "oci/util/environment.hpp"
#include "oci/util/process.hpp"
#include "plugin/chalk/host_facts.hpp"
#include "plugin/chalk/redact.hpp"

namespace chalk::build {
namespace {

namespace fs = std::filesystem;

// What git may print for one question; more is dropped.
constexpr std::size_t k_max_git_output = 1 << 20;

// nlohmann refuses to serialise invalid UTF-8, and a mark must serialise: such text is left out.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    constexpr std::array<std::uint32_t, 5> k_minimum{0, 0, 0x80, 0x800, 0x10000};
    if (code < k_minimum[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

void set_text(oci::Json& object, const char* key, const std::string& value) {
  if (!value.empty() && valid_utf8(value)) object[key] = value;
}

// Contexts docker fetches itself (urlutil.IsURL / IsGitURL): their Dockerfile is not here.
bool is_remote_context(std::string_view context) {
  for (std::string_view prefix : {"http://", "https://", "git://", "git@", "github.com/", "ssh://"}) {
    if (context.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

std::optional<std::string> read_regular_file(const fs::path& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return text;
}

fs::path absolute_path(const fs::path& cwd, const std::string& path) {
  std::error_code error;
  fs::path result = fs::absolute(cwd / path, error);
  if (error) result = cwd / path;
  result = result.lexically_normal();
  if (!result.has_filename() && result.has_parent_path() && result != result.root_path())
    result = result.parent_path();
  return result;
}

// Docker's default Dockerfile, with the lowercase name it falls back to.
fs::path default_dockerfile(const fs::path& context_dir) {
  const fs::path upper = context_dir / "Dockerfile";
  const fs::path lower = context_dir / "dockerfile";
  std::error_code error;
  if (!fs::exists(upper, error) && fs::exists(lower, error)) return lower;
  return upper;
}

// git runs with only what it needs from our environment: PATH to find its helpers, HOME and
// XDG_CONFIG_HOME for the user's safe.directory; no GIT_DIR-like overrides, prompts or pager.
std::vector<std::string> git_environment(const std::map<std::string, std::string>& ours) {
  std::vector<std::string> environment{"LC_ALL=C",  "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat",
                                       "PAGER=cat", "GIT_OPTIONAL_LOCKS=0",  "GIT_ADVICE=0"};
  for (const char* name : {"PATH", "HOME", "XDG_CONFIG_HOME"}) {
    if (const auto found = ours.find(name); found != ours.end())
      environment.push_back(found->first + "=" + found->second);
  }
  return environment;
}

std::string first_line(std::string_view text) {
  const std::size_t end = text.find('\n');
  return std::string(text.substr(0, end));
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

struct GitTime {
  std::int64_t ms;
  long offset_seconds;
};

// `--date=raw`: "SECONDS +HHMM".
std::optional<GitTime> parse_raw_date(std::string_view raw) {
  const std::size_t space = raw.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::int64_t seconds = 0;
  const std::string_view digits = raw.substr(0, space);
  const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
  if (parsed.ec != std::errc() || parsed.ptr != digits.data() + digits.size()) return std::nullopt;
  const std::string_view zone = raw.substr(space + 1);
  if (zone.size() != 5 || (zone[0] != '+' && zone[0] != '-')) return std::nullopt;
  if (!std::all_of(zone.begin() + 1, zone.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  const long hours = (zone[1] - '0') * 10 + (zone[2] - '0');
  const long minutes = (zone[3] - '0') * 10 + (zone[4] - '0');
  const long offset = (hours * 3600 + minutes * 60) * (zone[0] == '-' ? -1 : 1);
  return GitTime{seconds * 1000, offset};
}

bool is_full_hex_id(std::string_view id) {
  return (id.size() == 40 || id.size() == 64) && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string person(std::string_view name, std::string_view email) {
  if (name.empty() && email.empty()) return {};
  return std::string(name) + " <" + std::string(email) + ">";
}

void set_time(oci::Json& object, const char* date_key, const char* timestamp_key, std::string_view raw) {
  const auto time = parse_raw_date(raw);
  if (!time) return;
  object[date_key] = chalk::format_datetime(time->ms, time->offset_seconds);
  object[timestamp_key] = time->ms;
}

// --build-arg values by name, the last one winning; NAME alone takes $NAME if set.
std::map<std::string, std::string> build_arg_values(const std::vector<std::string>& build_args,
                                                    const std::map<std::string, std::string>& environment) {
  std::map<std::string, std::string> values;
  for (const auto& arg : build_args) {
    const std::size_t equals = arg.find('=');
    if (equals != std::string::npos) {
      values[arg.substr(0, equals)] = arg.substr(equals + 1);
    } else if (const auto found = environment.find(arg); found != environment.end()) {
      values[arg] = found->second;
    }
  }
  return values;
}

}  // namespace

oci::Json dockerfile_fields(const BuildInvocation& invocation, const fs::path& cwd,
                            const std::map<std::string, std::string>& environment) {
  oci::Json fields = oci::Json::object();
  oci::Json labels = oci::Json::object();
  if (invocation.context == "-" || invocation.dockerfile == "-") {
    fields["DOCKERFILE_PATH"] = ":stdin:";
  } else if (!is_remote_context(invocation.context)) {
    const fs::path path = invocation.dockerfile.empty()
                              ? default_dockerfile(absolute_path(cwd, invocation.context))
                              : absolute_path(cwd, invocation.dockerfile);
    set_text(fields, "DOCKERFILE_PATH", path.string());
    const auto text = read_regular_file(path);
    if (text && valid_utf8(*text)) {
      set_text(fields, "DOCKER_FILE", *text);
      labels =
          dockerfile_labels(*text, invocation.target, build_arg_values(invocation.build_args, environment));
    }
  }
  set_text(fields, "DOCKER_CONTEXT", redact_url(invocation.context));  // a git URL may carry a token
  for (const auto& [key, value] : invocation.labels) {
    if (valid_utf8(key) && valid_utf8(value)) labels[key] = value;
  }
  fields["DOCKER_LABELS"] = std::move(labels);
  return fields;
}

oci::Json git_fields(const fs::path& context_dir, const std::map<std::string, std::string>& ours,
                     std::chrono::milliseconds timeout) {
  oci::Json fields = oci::Json::object();
  const auto git = util::find_in_path("git", util::env_value(ours, "PATH"));
  if (!git) return fields;
  const auto environment = git_environment(ours);
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> full{
        "-C", context_dir.string(),     "--no-pager", "-c", "color.ui=false", "-c", "core.fsmonitor=false",
        "-c", "log.showSignature=false"};
    full.insert(full.end(), args.begin(), args.end());
    util::ProcessSpec spec;
    spec.program = git->string();
    spec.args = std::move(full);
    spec.environment = environment;
    spec.stderr_mode = util::Stream::null;
    spec.timeout = timeout;
    spec.max_output = k_max_git_output;
    auto result = util::run_process(spec);
    if (!result || result->timed_out || result->exit_code != 0) return std::optional<std::string>();
    return std::optional<std::string>(std::move(result->out));
  };

  const auto head = run({"log", "-1", "--no-decorate", "--date=raw",
                         "--format=%H%x00%an%x00%ae%x00%ad%x00%cn%x00%ce%x00%cd", "HEAD", "--"});
  if (!head) return fields;
  const std::string line = first_line(*head);
  const auto parts = split(line, '\0');
  if (parts.size() != 7 || !is_full_hex_id(parts[0])) return fields;

  if (const auto origin = run({"config", "--get", "remote.origin.url"})) {
    set_text(fields, "ORIGIN_URI", redact_url(first_line(*origin)));
  }
  if (const auto branch = run({"symbolic-ref", "-q", "--short", "HEAD"}))
    set_text(fields, "BRANCH", first_line(*branch));
  if (const auto tags = run({"tag", "--points-at", "HEAD", "--sort=-creatordate"})) {
    set_text(fields, "TAG", first_line(*tags));
  }
  fields["COMMIT_ID"] = std::string(parts[0]);
  set_text(fields, "AUTHOR", person(parts[1], parts[2]));
  set_text(fields, "COMMITTER", person(parts[4], parts[5]));
  set_time(fields, "DATE_AUTHORED", "TIMESTAMP_AUTHORED", parts[3]);
  set_time(fields, "DATE_COMMITTED", "TIMESTAMP_COMMITTED", parts[6]);
  return fields;
}

}  // namespace chalk::build
