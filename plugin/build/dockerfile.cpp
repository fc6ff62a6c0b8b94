// dockerfile_labels: the subset of BuildKit's Dockerfile parser (frontend/dockerfile/parser and
// shell lexer) that decides which labels an image gets.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plugin/build/provenance.hpp"

namespace chalk::build {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view text) {
  std::size_t first = 0;
  while (first < text.size() && is_space(text[first])) ++first;
  std::size_t last = text.size();
  while (last > first && is_space(text[last - 1])) --last;
  return text.substr(first, last - first);
}

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

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

// `# name=value` at the top of the file; returns the escape token it sets, if any.
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
  return std::make_pair(lower(name), std::string(trim(line.substr(equals + 1))));
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
    while (pos < line.size() && (std::isalnum(static_cast<unsigned char>(line[pos])) || line[pos] == '_')) ++pos;
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

// The shell lexer's quote removal (ProcessWord) without variable expansion: `$X` stays.
std::string unquote(std::string_view word, char escape) {
  std::string result;
  for (std::size_t pos = 0; pos < word.size(); ++pos) {
    const char c = word[pos];
    if (c == escape) {
      if (pos + 1 < word.size()) result += word[++pos];
    } else if (c == '\'') {
      const std::size_t close = word.find('\'', pos + 1);
      const std::size_t end = close == std::string_view::npos ? word.size() : close;
      result.append(word.substr(pos + 1, end - pos - 1));
      pos = end;
    } else if (c == '"') {
      for (++pos; pos < word.size() && word[pos] != '"'; ++pos) {
        if (word[pos] == escape && pos + 1 < word.size()) {
          const char next = word[pos + 1];
          if (next == '"' || next == '$' || next == escape) {
            ++pos;
          }
        }
        result += word[pos];
      }
    } else {
      result += c;
    }
  }
  return result;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

void add_label(Labels& labels, std::string key, std::string value) {
  auto same = std::find_if(labels.begin(), labels.end(), [&](const auto& label) { return label.first == key; });
  if (same != labels.end()) {
    same->second = std::move(value);
  } else {
    labels.emplace_back(std::move(key), std::move(value));
  }
}

// BuildKit's parseNameVal for LABEL: `k=v ...`, or the old `LABEL key value` when the first
// word has no `=`. Words without `=` in the new form are a build error there; skipped here.
void parse_label(std::string_view rest, char escape, Labels& labels) {
  const auto words = parse_words(rest, escape);
  if (words.empty()) return;
  if (words.front().find('=') == std::string::npos) {
    std::size_t split = 0;
    while (split < rest.size() && !is_space(rest[split])) ++split;
    const std::string_view value = trim(rest.substr(split));
    if (value.empty()) return;
    add_label(labels, unquote(rest.substr(0, split), escape), unquote(value, escape));
    return;
  }
  for (const auto& word : words) {
    const std::size_t equals = word.find('=');
    if (equals == std::string::npos) continue;
    std::string key = unquote(std::string_view(word).substr(0, equals), escape);
    if (key.empty()) continue;
    add_label(labels, std::move(key), unquote(std::string_view(word).substr(equals + 1), escape));
  }
}

struct Stage {
  std::string name;  // lowercased `AS` name
  std::string base;  // lowercased image or stage reference
  Labels labels;
};

void parse_from(std::string_view rest, char escape, std::vector<Stage>& stages) {
  const auto words = parse_words(rest, escape);
  Stage stage;
  std::size_t at = 0;
  while (at < words.size() && words[at].rfind("--", 0) == 0) ++at;
  if (at < words.size()) stage.base = lower(words[at]);
  if (at + 2 < words.size() && lower(words[at + 1]) == "as") stage.name = lower(words[at + 2]);
  stages.push_back(std::move(stage));
}

// Index of the stage `base` names (by `AS` name or number) among stages before `before`.
std::optional<std::size_t> stage_reference(const std::vector<Stage>& stages, std::size_t before) {
  const std::string& base = stages[before].base;
  for (std::size_t i = 0; i < before; ++i) {
    if (!stages[i].name.empty() && stages[i].name == base) return i;
  }
  if (!base.empty() && std::all_of(base.begin(), base.end(), [](unsigned char c) { return std::isdigit(c); }) &&
      base.size() < 6) {
    const std::size_t index = std::stoul(base);
    if (index < before) return index;
  }
  return std::nullopt;
}

}  // namespace

oci::Json dockerfile_labels(std::string_view text, std::string_view target) {
  const auto lines = split_lines(text);
  char escape = '\\';
  std::size_t i = 0;
  for (; i < lines.size(); ++i) {
    const auto found = directive(lines[i]);
    if (!found) break;
    if (found->first == "escape" && (found->second == "`" || found->second == "\\")) escape = found->second.front();
  }

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
    const std::string instruction = lower(instruction_line.substr(0, split));
    const std::string_view rest = trim(instruction_line.substr(split));
    if (instruction == "from") {
      parse_from(rest, escape, stages);
    } else if (instruction == "label" && !stages.empty()) {
      parse_label(rest, escape, stages.back().labels);
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
  std::size_t built = stages.size() - 1;
  const std::string wanted = lower(target);
  for (std::size_t s = 0; s < stages.size() && !wanted.empty(); ++s) {
    if (stages[s].name == wanted) built = s;
  }
  std::vector<std::size_t> chain{built};
  for (auto parent = stage_reference(stages, built); parent; parent = stage_reference(stages, *parent)) {
    chain.push_back(*parent);
  }
  for (auto stage = chain.rbegin(); stage != chain.rend(); ++stage) {
    for (const auto& [key, value] : stages[*stage].labels) labels[key] = value;
  }
  return labels;
}

}  // namespace chalk::build
