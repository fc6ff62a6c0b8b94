#include "plugin/chalk/config_credentials.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "oci/util/strings.hpp"
#include "plugin/chalk/redact.hpp"
#include "plugin/config/lexer.hpp"

namespace chalk {

namespace {

struct Literal {
  std::string text;  // decoded
  int line = 0;
};

// The config's string literals, decoded; a source the lexer refuses (it was validated, so
// only in tests) counts as one literal, its whole text.
std::vector<Literal> string_literals(std::string_view source) {
  std::vector<Literal> literals;
  try {
    for (const auto& token : config::lex(source)) {
      if (token.kind == config::Tok::string) literals.push_back({token.text, token.pos.line});
    }
  } catch (...) {
    literals = {{std::string(source), 0}};
  }
  return literals;
}

bool is_authorization_value(std::string_view text) {
  for (std::string_view scheme : {"bearer ", "basic ", "token "}) {
    if (text.size() > scheme.size() && util::starts_with_ignoring_case(text, scheme)) return true;
  }
  return false;
}

// The credential in an Authorization-like header value: the word after the scheme.
std::string_view credential_of_header(std::string_view value) {
  const auto space = value.rfind(' ');
  return space == std::string_view::npos ? value : value.substr(space + 1);
}

}  // namespace

std::vector<std::string> literal_credentials(std::string_view source, const config::Settings& settings) {
  const auto literals = string_literals(source);
  std::vector<std::string> found;
  std::set<std::string_view> reported;  // literals found by their form: not reported again below
  const auto where = [](const Literal& literal) { return "line " + std::to_string(literal.line); };
  for (const auto& literal : literals) {
    if (!url_credentials(literal.text).empty()) {
      found.push_back(where(literal) + ": a URL with credentials (`" + redact_url(literal.text) + "`)");
      reported.insert(literal.text);
    } else if (is_authorization_value(literal.text)) {
      found.push_back(where(literal) + ": an authorization value");
      reported.insert(literal.text);
    }
  }
  // A value from env() that happens to be a few common letters is found in any text: short
  // values count only when a literal is exactly them.
  const auto in_literal = [&](std::string_view value) {
    return !value.empty() && std::any_of(literals.begin(), literals.end(), [&](const Literal& literal) {
      return value.size() < 4 ? literal.text == value : literal.text.find(value) != std::string::npos;
    });
  };
  for (const auto& [name, sink] : settings.sink_configs) {
    const std::string what = "sink_config `" + name + "`: ";
    for (const auto& [field, url] : {std::pair{"uri", &sink.uri}, std::pair{"endpoint", &sink.endpoint}}) {
      const auto credentials = url_credentials(*url);
      if (std::any_of(credentials.begin(), credentials.end(), in_literal) && reported.count(*url) == 0) {
        found.push_back(what + "credentials in `" + field + "`");
      }
    }
    for (const auto& [header, value] : sink.headers) {
      if (is_credential_name(header) && in_literal(credential_of_header(value)) &&
          reported.count(value) == 0) {
        found.push_back(what + "header `" + header + "`");
      }
    }
    for (const auto& [field, value] : {std::pair{"secret", &sink.secret}, std::pair{"token", &sink.token}}) {
      if (in_literal(*value)) found.push_back(what + "`" + field + "`");
    }
  }
  return found;
}

}  // namespace chalk
