#include "plugin/config/lexer.hpp"

#include <array>
#include <cerrno>
#include <cstdlib>

namespace chalk::config {

namespace {

constexpr std::array<std::string_view, 21> k_keywords{
    "var",  "true", "True", "false", "False", "is",       "and",    "or",   "not",  "if",    "elif",
    "else", "for",  "from", "to",    "break", "continue", "return", "enum", "func", "export"};

// Operators after which a newline cannot end a statement.
constexpr std::array<std::string_view, 25> k_continuations{
    "+",  "-", "*",  "/", "%", "<", "<=", ">", ">=", "!=", "!",  ";", ":",
    ":=", "=", "==", ",", ".", "{", "[",  "(", "->", "&&", "||", "~"};

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : m_src(src) {}

  std::vector<Token> run() {
    // Editors on Windows save a byte-order mark; it is not part of the config.
    if (m_src.substr(0, 3) == "\xEF\xBB\xBF") m_at = 3;
    while (true) {
      skip_blanks_and_comments();
      if (m_at >= m_src.size()) break;
      char c = m_src[m_at];
      Pos pos = here();
      if (c == '\n' || (c == '\r' && peek(1) == '\n')) {
        advance(c == '\r' ? 2 : 1);
        newline(pos);
      } else if (c == '\r') {
        fail("lex", pos, "Invalid character found");
      } else if (is_name_start(c)) {
        name(pos);
      } else if (is_digit(c)) {
        number(pos);
      } else if (c == '"') {
        string(pos);
      } else if (c == '<' && peek(1) == '<') {
        special_literal(pos);
      } else if (c == '\'') {
        char_literal(pos);
      } else if (c == '`') {
        advance(1);
        push(Tok::backtick, "`", pos);
      } else {
        punct(pos);
      }
    }
    Token eof;
    eof.kind = Tok::eof;
    eof.pos = here();
    m_out.push_back(eof);
    return std::move(m_out);
  }

 private:
  std::string_view m_src;
  std::size_t m_at = 0;
  int m_line = 1;
  int m_col = 1;
  int m_depth = 0;  // ( and [ nesting: newlines inside are not statement ends
  std::vector<Token> m_out;

  [[nodiscard]] Pos here() const { return Pos{m_line, m_col}; }
  [[nodiscard]] char peek(std::size_t ahead) const {
    return m_at + ahead < m_src.size() ? m_src[m_at + ahead] : '\0';
  }

  // Columns count code points, so a UTF-8 continuation byte does not move the column.
  void advance(std::size_t n) {
    for (std::size_t k = 0; k < n && m_at < m_src.size(); ++k, ++m_at) {
      char c = m_src[m_at];
      if (c == '\n') {
        ++m_line;
        m_col = 1;
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++m_col;
      }
    }
  }

  void push(Tok kind, std::string text, Pos pos) {
    Token token;
    token.kind = kind;
    token.text = std::move(text);
    token.pos = pos;
    m_out.push_back(std::move(token));
  }

  void newline(Pos pos) {
    if (m_depth > 0 || m_out.empty()) return;
    const Token& last = m_out.back();
    if (last.kind == Tok::newline) return;
    if (last.kind == Tok::punct) {
      for (auto op : k_continuations)
        if (last.text == op) return;
    }
    push(Tok::newline, "\n", pos);
  }

  void skip_blanks_and_comments() {
    while (m_at < m_src.size()) {
      char c = m_src[m_at];
      if (c == ' ' || c == '\t') {
        advance(1);
      } else if (c == '#' || (c == '/' && peek(1) == '/')) {
        while (m_at < m_src.size() && m_src[m_at] != '\n' && !(m_src[m_at] == '\r' && peek(1) == '\n')) {
          if (m_src[m_at] == '\r') fail("lex", here(), "Invalid character found");
          advance(1);
        }
      } else if (c == '/' && peek(1) == '*') {
        Pos start = here();
        std::size_t end = m_src.find("*/", m_at + 2);
        if (end == std::string_view::npos) fail("lex", start, "Unterminated comment");
        advance(end + 2 - m_at);
      } else {
        return;
      }
    }
  }

  void name(Pos pos) {
    std::size_t start = m_at;
    while (m_at < m_src.size() && is_name_char(m_src[m_at])) advance(1);
    std::string word(m_src.substr(start, m_at - start));
    push(is_keyword(word) ? Tok::keyword : Tok::ident, word, pos);
  }

  void number(Pos pos) {
    std::size_t start = m_at;
    while (is_digit(peek(0))) advance(1);
    bool is_float = false;
    if (peek(0) == '.' && is_digit(peek(1))) {
      is_float = true;
      advance(1);
      while (is_digit(peek(0))) advance(1);
    }
    if ((peek(0) == 'e' || peek(0) == 'E') &&
        (is_digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
      is_float = true;
      advance(2);
      while (is_digit(peek(0))) advance(1);
    }
    // A bare time or address would otherwise lex as numbers and colons; say what to write.
    if ((peek(0) == ':' || peek(0) == '.') && is_digit(peek(1))) {
      std::size_t end = m_at;
      while (end < m_src.size() &&
             (is_digit(m_src[end]) || m_src[end] == ':' || m_src[end] == '.' || m_src[end] == '/'))
        ++end;
      std::string text(m_src.substr(start, end - start));
      fail("lex", pos, "Invalid character found: '" + text + "' is not a number (use <<" + text + ">>)");
    }
    if (is_name_start(peek(0))) fail("lex", here(), "Invalid character found");
    std::string text(m_src.substr(start, m_at - start));
    Token token;
    token.pos = pos;
    token.text = text;
    if (is_float) {
      token.kind = Tok::float_;
      token.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      token.kind = Tok::int_;
      errno = 0;
      long long value = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) fail("lex", pos, "Number too large for int type.");
      token.int_value = value;
    }
    m_out.push_back(std::move(token));
  }

  void string(Pos pos) {
    if (peek(1) == '"' && peek(2) == '"') {
      std::size_t end = m_src.find("\"\"\"", m_at + 3);
      if (end == std::string_view::npos) fail("lex", pos, "Unterminated string");
      std::string text(m_src.substr(m_at + 3, end - m_at - 3));
      for (std::size_t n = 0; n < text.size(); ++n)
        if (text[n] == '\r' && (n + 1 >= text.size() || text[n + 1] != '\n'))
          fail("lex", pos, "Invalid character found");
      advance(end + 3 - m_at);
      push(Tok::string, std::move(text), pos);
      return;
    }
    advance(1);
    std::string out;
    while (true) {
      if (m_at >= m_src.size() || m_src[m_at] == '\n' || m_src[m_at] == '\r')
        fail("lex", pos, "Unterminated string");
      char c = m_src[m_at];
      if (c == '"') {
        advance(1);
        break;
      }
      if (c != '\\') {
        out += c;
        advance(1);
        continue;
      }
      char e = peek(1);
      if (m_at + 1 >= m_src.size() || e == '\n' || e == '\r')
        fail("lex", pos, "Unterminated escape sequence in string literal");
      advance(2);
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'x':
          unicode_escape(out, 2, pos);
          break;
        case 'u':
          unicode_escape(out, 4, pos);
          break;
        case 'U':
          unicode_escape(out, 8, pos);
          break;
        default:
          out += e;
          break;
      }
    }
    push(Tok::string, std::move(out), pos);
  }

  void unicode_escape(std::string& out, int digits, Pos pos) {
    std::uint32_t cp = 0;
    for (int n = 0; n < digits; ++n) {
      if (m_at >= m_src.size() || m_src[m_at] == '\n')
        fail("lex", pos, "Unterminated escape sequence in string literal");
      int v = hex_value(m_src[m_at]);
      if (v < 0) fail("lex", pos, "Invalid unicode escape in string literal");
      cp = cp * 16 + static_cast<std::uint32_t>(v);
      advance(1);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      fail("lex", pos, "Invalid unicode escape in string literal");
    append_utf8(out, cp);
  }

  void special_literal(Pos pos) {
    std::size_t end = m_src.find(">>", m_at + 2);
    if (end == std::string_view::npos) fail("lex", pos, "Unterminated literal");
    std::string text(m_src.substr(m_at + 2, end - m_at - 2));
    advance(end + 2 - m_at);
    push(Tok::literal, std::move(text), pos);
  }

  void char_literal(Pos pos) {
    std::size_t end = m_src.find('\'', m_at + 1);
    std::size_t eol = m_src.find('\n', m_at + 1);
    if (end == std::string_view::npos || end > eol) fail("lex", pos, "Unterminated character literal");
    std::string text(m_src.substr(m_at, end + 1 - m_at));
    advance(end + 1 - m_at);
    push(Tok::char_lit, std::move(text), pos);
  }

  void punct(Pos pos) {
    static constexpr std::array<std::string_view, 8> k_two{":=", "<=", ">=", "!=", "==", "->", "&&", "||"};
    std::string_view rest = m_src.substr(m_at);
    for (auto op : k_two) {
      if (rest.substr(0, 2) == op) {
        advance(2);
        push(Tok::punct, std::string(op), pos);
        return;
      }
    }
    static constexpr std::string_view k_one = "+-*/%<>!;:=,.{}[]()~";
    char c = m_src[m_at];
    if (k_one.find(c) == std::string_view::npos) fail("lex", pos, "Invalid character found");
    if (c == '(' || c == '[') ++m_depth;
    if ((c == ')' || c == ']') && m_depth > 0) --m_depth;
    advance(1);
    push(Tok::punct, std::string(1, c), pos);
  }
};

}  // namespace

bool is_keyword(std::string_view word) {
  for (auto keyword : k_keywords)
    if (word == keyword) return true;
  return false;
}

std::vector<Token> lex(std::string_view source) { return Lexer(source).run(); }

}  // namespace chalk::config
