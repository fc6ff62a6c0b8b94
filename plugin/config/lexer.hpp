// Lexer (CONFIG.md §2): tokens with 1-based line:col; newlines that cannot end a
// statement (after an operator, inside ( ) and [ ]) are dropped here so the parser only
// sees meaningful ones.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/config/diagnostics.hpp"

namespace chalk::config {

enum class Tok { ident, keyword, int_, float_, string, literal, punct, newline, char_lit, backtick, eof };

struct Token {
  Tok kind = Tok::eof;
  std::string text;  // name, keyword, operator, decoded string, raw `<< >>` text
  Pos pos;
  std::int64_t int_value = 0;
  double float_value = 0;
};

// Throws ConfigError{"lex", ...} on the first bad character.
std::vector<Token> lex(std::string_view source);

bool is_keyword(std::string_view word);

}  // namespace chalk::config
