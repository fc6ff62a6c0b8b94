// dockerfile_labels: the subset of BuildKit's Dockerfile parser (frontend/dockerfile/parser and
// shell lexer) that decides which labels an image gets.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "oci/util/strings.hpp"
#include "plugin/build/provenance.hpp"

namespace chalk::build {
namespace {

using util::trim;

bool is_space(char c) { return util::k_whitespace.find(c) != std::string_view::npos; }

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// A parser directive line (`# name=value`): its lowercased name and its value.
std::optional<std::pair<std::string, std::string>> directive(std::string_view line) {
  line = trim(line);
  if (line.empty() || line.front() != '#') return std::nullopt;
  line = trim(line.substr(1));
  const std::size_t equals = line.find('=');
  if (equals == std::string_view::npos) return std::nullopt;
  const std::string_view name = trim(line.substr(0, equals));
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name.front()))) return std::nullopt;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return std::nullopt;
  }
  return std::make_pair(util::lowercase(name), std::string(trim(line.substr(equals + 1))));
}

bool is_comment_or_blank(std::string_view line) {
  const std::string_view content = trim(line);
  return content.empty() || content.front() == '#';
}

// The line without its continuation (escape token and trailing blanks), if it continues.
std::optional<std::string_view> continued(std::string_view line, char escape) {
  std::size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  if (end == 0 || line[end - 1] != escape) return std::nullopt;
  return line.substr(0, end - 1);
}

// Heredoc delimiters opened on an instruction line (`<<EOF`, `<<-"EOF"`), in order; the bool
// says whether leading tabs are stripped before matching the terminator.
std::vector<std::pair<std::string, bool>> heredocs(std::string_view line) {
  std::vector<std::pair<std::string, bool>> found;
  for (std::size_t at = line.find("<<"); at != std::string_view::npos; at = line.find("<<", at + 2)) {
    std::size_t pos = at + 2;
    const bool strip_tabs = pos < line.size() && line[pos] == '-';
    if (strip_tabs) ++pos;
    char quote = 0;
    if (pos < line.size() && (line[pos] == '"' || line[pos] == '\'')) quote = line[pos++];
    const std::size_t start = pos;
    while (pos < line.size() && (std::isalnum(static_cast<unsigned char>(line[pos])) || line[pos] == '_'))
      ++pos;
    if (pos == start || std::isdigit(static_cast<unsigned char>(line[start]))) continue;
    if (quote != 0 && (pos >= line.size() || line[pos] != quote)) continue;
    found.emplace_back(std::string(line.substr(start, pos - start)), strip_tabs);
  }
  return found;
}

// BuildKit's parseWords: whitespace-separated words, quotes and escapes kept as written.
std::vector<std::string> parse_words(std::string_view rest, char escape) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  bool blank_ok = false;
  char quote = 0;
  for (std::size_t pos = 0; pos < rest.size(); ++pos) {
    const char c = rest[pos];
    if (!in_word) {
      if (is_space(c)) continue;
      in_word = true;
    }
    if (quote == 0) {
      if (is_space(c)) {
        if (blank_ok || !word.empty()) words.push_back(word);
        word.clear();
        blank_ok = false;
        in_word = false;
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
        blank_ok = true;
      }
      if (c == escape) {
        if (pos + 1 == rest.size()) continue;
        word += c;
        ++pos;
      }
      word += rest[pos];
      continue;
    }
    if (c == quote) {
      quote = 0;
    } else if (c == escape && quote != '\'') {
      if (pos + 1 == rest.size()) continue;
      word += c;
      ++pos;
    }
    word += rest[pos];
  }
  if (in_word && (blank_ok || !word.empty())) words.push_back(word);
  return words;
}

// What a stage's instructions can expand: its ENV (inherited from a parent stage) before its
// ARGs. A name found in neither may be set by the base image, which we cannot see.
struct Variables {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> args;

  [[nodiscard]] std::optional<std::string> find(const std::string& name) const {
    if (const auto found = env.find(name); found != env.end()) return found->second;
    if (const auto found = args.find(name); found != args.end()) return found->second;
    return std::nullopt;
  }
};

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string process_word(std::string_view word, char escape, const Variables& variables);

// `$NAME` or `${...}` at word[pos] == '$'; returns the expansion and advances `pos` past it.
// Unknown names and forms we do not evaluate stay as written.
std::string expand_at(std::string_view word, std::size_t& pos, char escape, const Variables& variables) {
  const std::size_t start = pos;
  ++pos;
  if (pos < word.size() && is_name_start(word[pos])) {
    const std::size_t name_start = pos;
    while (pos < word.size() && is_name_char(word[pos])) ++pos;
    const std::string name(word.substr(name_start, pos - name_start));
    return variables.find(name).value_or(std::string(word.substr(start, pos - start)));
  }
  if (pos >= word.size() || word[pos] != '{') return "$";
  int depth = 1;
  std::size_t close = pos + 1;
  for (; close < word.size() && depth > 0; ++close) {
    if (word[close] == '{') ++depth;
    if (word[close] == '}') --depth;
  }
  if (depth != 0) {
    pos = word.size();
    return std::string(word.substr(start));
  }
  const std::string_view body = word.substr(pos + 1, close - pos - 2);
  const std::string written(word.substr(start, close - start));
  pos = close;
  std::size_t name_end = 0;
  while (name_end < body.size() && is_name_char(body[name_end])) ++name_end;
  const auto value = variables.find(std::string(body.substr(0, name_end)));
  const std::string_view operation = body.substr(name_end);
  if (name_end == 0 || !value) return written;
  if (operation.empty()) return *value;
  const bool colon = operation.front() == ':';
  const std::string_view rest = operation.substr(colon ? 1 : 0);
  if (rest.empty()) return written;
  // Declared names are always set here (ARG without a value reads ""), so only `:` tests emptiness.
  const bool unset_or_empty = colon && value->empty();
  const std::string alternative = process_word(rest.substr(1), escape, variables);
  switch (rest.front()) {
    case '-':
      return unset_or_empty ? alternative : *value;
    case '+':
      return unset_or_empty ? std::string() : alternative;
    case '?':
      return *value;
    default:
      return written;
  }
}

// The shell lexer's ProcessWord: quote removal and variable expansion ('...' is literal;
// "..." expands and honours escaped ", $ and the escape token).
std::string process_word(std::string_view word, char escape, const Variables& variables) {
  std::string result;
  for (std::size_t pos = 0; pos < word.size();) {
    const char c = word[pos];
    if (c == escape) {
      if (pos + 1 < word.size()) result += word[pos + 1];
      pos += 2;
    } else if (c == '\'') {
      const std::size_t close = word.find('\'', pos + 1);
      const std::size_t end = close == std::string_view::npos ? word.size() : close;
      result.append(word.substr(pos + 1, end - pos - 1));
      pos = end + 1;
    } else if (c == '"') {
      for (++pos; pos < word.size() && word[pos] != '"';) {
        if (word[pos] == '$') {
          result += expand_at(word, pos, escape, variables);
          continue;
        }
        if (word[pos] == escape && pos + 1 < word.size()) {
          const char next = word[pos + 1];
          if (next == '"' || next == '$' || next == escape) ++pos;
        }
        result += word[pos++];
      }
      ++pos;
    } else if (c == '$') {
      result += expand_at(word, pos, escape, variables);
    } else {
      result += c;
      ++pos;
    }
  }
  return result;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

void set_pair(Pairs& pairs, std::string key, std::string value) {
  auto same = std::find_if(pairs.begin(), pairs.end(), [&](const auto& pair) { return pair.first == key; });
  if (same != pairs.end()) {
    same->second = std::move(value);
  } else {
    pairs.emplace_back(std::move(key), std::move(value));
  }
}

// BuildKit's parseNameVal (LABEL, ENV): `k=v ...`, or the old `KEY name value` when the first
// word has no `=`. Words without `=` in the new form are a build error there; skipped here.
// Every pair expands with the variables as they were before the instruction.
Pairs parse_name_values(std::string_view rest, char escape, const Variables& variables) {
  Pairs pairs;
  const auto words = parse_words(rest, escape);
  if (words.empty()) return pairs;
  if (words.front().find('=') == std::string::npos) {
    std::size_t split = 0;
    while (split < rest.size() && !is_space(rest[split])) ++split;
    const std::string_view value = trim(rest.substr(split));
    if (!value.empty()) {
      pairs.emplace_back(process_word(rest.substr(0, split), escape, variables),
                         process_word(value, escape, variables));
    }
    return pairs;
  }
  for (const auto& word : words) {
    const std::size_t equals = word.find('=');
    if (equals == std::string::npos) continue;
    std::string key = process_word(std::string_view(word).substr(0, equals), escape, variables);
    if (key.empty()) continue;
    set_pair(pairs, std::move(key),
             process_word(std::string_view(word).substr(equals + 1), escape, variables));
  }
  return pairs;
}

// ARGs BuildKit fills from the target platform: their value is not ours to know.
bool is_platform_arg(std::string_view name) {
  for (std::string_view automatic : {"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
                                     "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"}) {
    if (name == automatic) return true;
  }
  return false;
}

struct Stage {
  std::string name;  // lowercased `AS` name
  Variables variables;
  Pairs labels;
};

// ARG NAME[=default] ...: a --build-arg wins, then the default, then (in a stage) the global
// ARG of that name; a declared ARG with none of these is empty.
void declare_args(std::string_view rest, char escape, Variables& variables, const Variables* globals,
                  const std::map<std::string, std::string>& build_args) {
  for (const auto& word : parse_words(rest, escape)) {
    const std::size_t equals = word.find('=');
    const std::string name = process_word(std::string_view(word).substr(0, equals), escape, variables);
    if (name.empty()) continue;
    if (const auto given = build_args.find(name); given != build_args.end()) {
      variables.args[name] = given->second;
    } else if (equals != std::string::npos) {
      variables.args[name] = process_word(std::string_view(word).substr(equals + 1), escape, variables);
    } else if (const auto global = globals ? globals->args.find(name) : variables.args.end();
               globals && global != globals->args.end()) {
      variables.args[name] = global->second;
    } else if (!is_platform_arg(name)) {
      variables.args[name] = "";
    }
  }
}

// FROM [--flags] IMAGE [AS NAME]: a stage built on an earlier stage starts with its ENV and
// labels; one built on an image starts empty (the image's own are not in the Dockerfile).
void start_stage(std::string_view rest, char escape, const Variables& globals, std::vector<Stage>& stages) {
  const auto words = parse_words(rest, escape);
  Stage stage;
  std::size_t at = 0;
  while (at < words.size() && words[at].rfind("--", 0) == 0) ++at;
  if (at + 2 < words.size() && util::lowercase(words[at + 1]) == "as")
    stage.name = util::lowercase(words[at + 2]);
  if (at < words.size()) {
    const std::string base = util::lowercase(process_word(words[at], escape, globals));
    auto parent = std::find_if(stages.begin(), stages.end(),
                               [&](const Stage& s) { return !s.name.empty() && s.name == base; });
    if (parent == stages.end() && !base.empty() && base.size() < 6 &&
        std::all_of(base.begin(), base.end(), [](unsigned char c) { return std::isdigit(c); }) &&
        std::stoul(base) < stages.size()) {
      parent = stages.begin() + static_cast<std::ptrdiff_t>(std::stoul(base));
    }
    if (parent != stages.end()) {
      stage.variables.env = parent->variables.env;
      stage.labels = parent->labels;
    }
  }
  stages.push_back(std::move(stage));
}

}  // namespace

oci::Json dockerfile_labels(std::string_view text, std::string_view target,
                            const std::map<std::string, std::string>& build_args) {
  const auto lines = split_lines(text);
  char escape = '\\';
  std::size_t i = 0;
  for (; i < lines.size(); ++i) {
    const auto found = directive(lines[i]);
    if (!found) break;
    if (found->first == "escape" && (found->second == "`" || found->second == "\\"))
      escape = found->second.front();
  }

  Variables globals;
  std::vector<Stage> stages;
  while (i < lines.size()) {
    if (is_comment_or_blank(lines[i])) {
      ++i;
      continue;
    }
    std::string logical;
    while (i < lines.size()) {
      const auto head = continued(lines[i], escape);
      if (!head) {
        logical += lines[i++];
        break;
      }
      logical += *head;
      // Comment and blank lines inside a continuation are dropped, as BuildKit does.
      for (++i; i < lines.size() && is_comment_or_blank(lines[i]); ++i) {
      }
    }

    const std::string_view instruction_line = trim(logical);
    std::size_t split = 0;
    while (split < instruction_line.size() && !is_space(instruction_line[split])) ++split;
    const std::string instruction = util::lowercase(instruction_line.substr(0, split));
    const std::string_view rest = trim(instruction_line.substr(split));
    if (instruction == "from") {
      start_stage(rest, escape, globals, stages);
    } else if (instruction == "arg") {
      if (stages.empty()) {
        declare_args(rest, escape, globals, nullptr, build_args);
      } else {
        declare_args(rest, escape, stages.back().variables, &globals, build_args);
      }
    } else if (stages.empty()) {
      continue;
    } else if (instruction == "env") {
      for (auto& [key, value] : parse_name_values(rest, escape, stages.back().variables)) {
        stages.back().variables.env[key] = std::move(value);
      }
    } else if (instruction == "label") {
      for (auto& [key, value] : parse_name_values(rest, escape, stages.back().variables)) {
        set_pair(stages.back().labels, std::move(key), std::move(value));
      }
    } else if (instruction == "run" || instruction == "copy" || instruction == "add") {
      for (const auto& [delimiter, strip_tabs] : heredocs(rest)) {
        for (; i < lines.size(); ++i) {
          std::string_view body = lines[i];
          if (strip_tabs) body.remove_prefix(std::min(body.find_first_not_of('\t'), body.size()));
          if (body == delimiter) {
            ++i;
            break;
          }
        }
      }
    }
  }

  oci::Json labels = oci::Json::object();
  if (stages.empty()) return labels;
  const Stage* built = &stages.back();
  const std::string wanted = util::lowercase(target);
  for (const auto& stage : stages) {
    if (!wanted.empty() && stage.name == wanted) {
      built = &stage;
      break;
    }
  }
  for (const auto& [key, value] : built->labels) labels[key] = value;
  return labels;
}

}  // namespace chalk::build
