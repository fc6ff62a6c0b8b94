#include "plugin/config/parser.hpp"

#include <array>

#include "plugin/config/lexer.hpp"

namespace chalk::config {

namespace {

constexpr int k_max_depth = 200;  // deeper input is hostile; stop before the stack does

// Precedence level of a binary operator (§3, 1 = loosest), 0 if `t` is none.
int binary_level(const Token& t) {
  if (t.kind != Tok::punct && t.kind != Tok::keyword) return 0;
  static const std::array<std::pair<std::string_view, int>, 15> k_levels{{{"or", 1},
                                                                          {"||", 1},
                                                                          {"and", 2},
                                                                          {"&&", 2},
                                                                          {"!=", 3},
                                                                          {"==", 4},
                                                                          {"is", 4},
                                                                          {">=", 5},
                                                                          {"<=", 6},
                                                                          {">", 7},
                                                                          {"<", 8},
                                                                          {"+", 9},
                                                                          {"-", 10},
                                                                          {"%", 11},
                                                                          {"*", 12}}};
  if (t.text == "/") return 13;
  for (const auto& [op, level] : k_levels)
    if (t.text == op) return level;
  return 0;
}

std::string canonical_op(const std::string& op) {
  if (op == "||") return "or";
  if (op == "&&") return "and";
  if (op == "is") return "==";
  if (op == "!") return "not";
  return op;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : m_tokens(std::move(tokens)) {}

  Program run() {
    Program program;
    program.statements = block(true);
    program.warnings = std::move(m_warnings);
    return program;
  }

 private:
  std::vector<Token> m_tokens;
  std::size_t m_at = 0;
  int m_ignore_newlines = 0;
  int m_depth = 0;
  std::vector<Warning> m_warnings;

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : m_p(p) {
      if (++m_p.m_depth > k_max_depth) fail("parse", m_p.cur().pos, "nesting too deep");
    }
    ~DepthGuard() { --m_p.m_depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Parser& m_p;
  };

  const Token& cur() {
    if (m_ignore_newlines > 0)
      while (m_tokens[m_at].kind == Tok::newline) ++m_at;
    return m_tokens[m_at];
  }
  const Token& ahead(std::size_t n) {
    std::size_t at = m_at;
    for (std::size_t k = 0; k < n && m_tokens[at].kind != Tok::eof; ++k) ++at;
    return m_tokens[at];
  }
  Token take() {
    Token t = cur();
    if (t.kind != Tok::eof) ++m_at;
    return t;
  }
  bool is_punct(const Token& t, std::string_view s) { return t.kind == Tok::punct && t.text == s; }
  bool is_kw(const Token& t, std::string_view s) { return t.kind == Tok::keyword && t.text == s; }
  bool at_punct(std::string_view s) { return is_punct(cur(), s); }
  bool at_kw(std::string_view s) { return is_kw(cur(), s); }
  void expect_punct(std::string_view s, const std::string& what) {
    if (!at_punct(s)) fail("parse", cur().pos, "Expected '" + std::string(s) + "' " + what);
    take();
  }
  void skip_newlines() {
    while (cur().kind == Tok::newline) ++m_at;
  }
  bool at_statement_end() {
    const Token& t = cur();
    return t.kind == Tok::newline || t.kind == Tok::eof || is_punct(t, ";") || is_punct(t, "}") ||
           is_punct(t, ")");
  }

  Block block(bool top) {
    int saved = m_ignore_newlines;
    m_ignore_newlines = 0;
    Block out;
    while (true) {
      while (cur().kind == Tok::newline || at_punct(";")) take();
      if (cur().kind == Tok::eof) {
        if (!top) fail("parse", cur().pos, "Expected '}' to close the block");
        break;
      }
      if (at_punct("}")) {
        if (top) fail("parse", cur().pos, "Unexpected '}'");
        break;
      }
      out.push_back(statement());
      if (at_statement_end()) {
        if (at_punct(")")) fail("parse", cur().pos, "Unexpected ')'");
        continue;
      }
      fail("parse", cur().pos, "Expected end of statement, got '" + cur().text + "'");
    }
    m_ignore_newlines = saved;
    return out;
  }

  Block braced_body() {
    expect_punct("{", "to open a block");
    Block body = block(false);
    take();  // }
    return body;
  }

  StmtPtr make(StmtKind kind, Pos pos) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->pos = pos;
    return s;
  }

  std::string name_part() {
    const Token& t = cur();
    if (t.kind == Tok::keyword) fail("parse", t.pos, "'" + t.text + "' is a keyword, not a name");
    if (t.kind != Tok::ident) fail("parse", t.pos, "Expected a name");
    return take().text;
  }

  std::vector<std::string> dotted_path() {
    std::vector<std::string> path{name_part()};
    while (at_punct(".")) {
      take();
      path.push_back(name_part());
    }
    return path;
  }

  StmtPtr statement() {
    DepthGuard guard(*this);
    const Token& t = cur();
    Pos pos = t.pos;
    if (is_punct(t, "~")) {
      take();
      auto s = make(StmtKind::attr, pos);
      s->locked = true;
      s->path = dotted_path();
      attr_value(*s);
      return s;
    }
    if (t.kind == Tok::keyword) {
      if (t.text == "if") return if_statement();
      if (t.text == "for") return for_statement();
      if (t.text == "func") return func_statement();
      if (t.text == "return") {
        take();
        auto s = make(StmtKind::return_, pos);
        if (!at_statement_end()) s->expr = expression();
        return s;
      }
      if (t.text == "break" || t.text == "continue") {
        take();
        return make(t.text == "break" ? StmtKind::break_ : StmtKind::continue_, pos);
      }
      if (t.text == "var") return var_statement();
      if (t.text == "enum" || t.text == "export") {
        auto s = make(t.text == "enum" ? StmtKind::enum_ : StmtKind::export_, pos);
        take();
        s->names.push_back(name_part());
        while (at_punct(",")) {
          take();
          s->names.push_back(name_part());
        }
        return s;
      }
    }
    if (t.kind == Tok::ident) {
      const Token& next = ahead(1);
      if (t.text == "parameter" && (next.kind == Tok::ident || is_kw(next, "var")))
        return parameter_statement();
      if (t.text == "use" && next.kind == Tok::ident) fail("parse", pos, "unsupported: 'use ... from'");
      if (is_punct(next, ":") || is_punct(next, "=") || is_punct(next, ".")) {
        auto s = make(StmtKind::attr, pos);
        s->path = dotted_path();
        attr_value(*s);
        return s;
      }
      if (is_punct(next, ":=") || is_punct(next, ",")) {
        auto s = make(StmtKind::assign, pos);
        s->names.push_back(name_part());
        while (at_punct(",")) {
          take();
          s->names.push_back(name_part());
        }
        expect_punct(":=", "after the names of an assignment");
        s->expr = expression();
        return s;
      }
      if (next.kind == Tok::ident || next.kind == Tok::string || is_punct(next, "{"))
        return section_statement();
      if (next.kind == Tok::newline && is_punct(ahead(2), "{"))
        fail("parse", ahead(2).pos, "section body '{' must be on the same line as '" + t.text + "'");
    }
    auto s = make(StmtKind::expr, pos);
    s->expr = expression();
    return s;
  }

  void attr_value(Stmt& s) {
    if (!at_punct(":") && !at_punct("="))
      fail("parse", cur().pos, "Expected a : or = after attr specification");
    take();
    s.expr = expression();
  }

  StmtPtr section_statement() {
    auto s = make(StmtKind::section, cur().pos);
    s->path.push_back(take().text);
    if (cur().kind == Tok::ident || cur().kind == Tok::string) s->path.push_back(take().text);
    if (at_punct("{")) {
      s->body = braced_body();
      return s;
    }
    if (cur().kind == Tok::newline && is_punct(ahead(1), "{")) {
      std::string header = s->path[0] + (s->path.size() > 1 ? " " + s->path[1] : "");
      fail("parse", ahead(1).pos, "section body '{' must be on the same line as '" + header + "'");
    }
    if (!at_statement_end())
      fail("parse", cur().pos, "Expected '{' or the end of the statement after a section name");
    return s;
  }

  StmtPtr parameter_statement() {
    auto s = make(StmtKind::parameter, take().pos);
    if (at_kw("var")) {
      take();
      s->param_var = true;
      s->path.push_back(name_part());
    } else {
      s->path = dotted_path();
    }
    if (cur().kind == Tok::newline && is_punct(ahead(1), "{"))
      fail("parse", ahead(1).pos, "section body '{' must be on the same line as 'parameter'");
    s->body = braced_body();
    return s;
  }

  StmtPtr var_statement() {
    auto s = make(StmtKind::var_decl, take().pos);
    s->names.push_back(name_part());
    while (at_punct(",")) {
      take();
      s->names.push_back(name_part());
    }
    expect_punct(":", "and a type after 'var NAME'");
    s->decl_type = type();
    return s;
  }

  Type type() {
    const Token& t = cur();
    if (t.kind == Tok::backtick) fail("parse", t.pos, "unsupported: generic types");
    if (is_kw(t, "func")) fail("parse", t.pos, "unsupported: function types");
    if (t.kind != Tok::ident) fail("parse", t.pos, "Expected a type");
    std::string name = take().text;
    static const std::array<std::pair<std::string_view, Kind>, 8> k_scalars{{{"int", Kind::int_},
                                                                             {"float", Kind::float_},
                                                                             {"string", Kind::string},
                                                                             {"bool", Kind::bool_},
                                                                             {"Duration", Kind::duration},
                                                                             {"Size", Kind::size},
                                                                             {"IPAddr", Kind::ipaddr},
                                                                             {"CIDR", Kind::cidr}}};
    for (const auto& [scalar, kind] : k_scalars)
      if (name == scalar) return Type::of(kind);
    Type out;
    if (name == "list")
      out.kind = Kind::list;
    else if (name == "dict")
      out.kind = Kind::dict;
    else if (name == "tuple")
      out.kind = Kind::tuple;
    else
      fail("parse", t.pos, "Unknown type '" + name + "'");
    expect_punct("[", "after '" + name + "'");
    out.args.push_back(type());
    while (at_punct(",")) {
      take();
      out.args.push_back(type());
    }
    expect_punct("]", "to close the type");
    std::size_t want = out.kind == Kind::list ? 1 : 2;
    if (out.kind == Kind::tuple ? out.args.size() < 2 : out.args.size() != want)
      fail("parse", t.pos, "Wrong number of type parameters for '" + name + "'");
    return out;
  }

  ExprPtr header_expression() {
    ++m_ignore_newlines;
    ExprPtr e = expression();
    --m_ignore_newlines;
    return e;
  }

  // `{` of an if/for/func header may follow newlines (they are ignored in headers).
  Block header_body() {
    skip_newlines();
    return braced_body();
  }

  bool next_is_after_newlines(std::string_view keyword) {
    std::size_t at = m_at;
    while (m_tokens[at].kind == Tok::newline) ++at;
    if (is_kw(m_tokens[at], keyword)) {
      m_at = at;
      return true;
    }
    return false;
  }

  StmtPtr if_statement() {
    auto s = make(StmtKind::if_, take().pos);
    s->conds.push_back(header_expression());
    s->blocks.push_back(header_body());
    while (next_is_after_newlines("elif")) {
      take();
      s->conds.push_back(header_expression());
      s->blocks.push_back(header_body());
    }
    if (next_is_after_newlines("else")) {
      take();
      s->blocks.push_back(header_body());
    }
    return s;
  }

  StmtPtr for_statement() {
    auto s = make(StmtKind::for_, take().pos);
    ++m_ignore_newlines;
    s->names.push_back(name_part());
    if (!at_kw("from")) fail("parse", cur().pos, "Expected 'from' in a for loop");
    take();
    s->expr = expression();
    if (!at_kw("to")) fail("parse", cur().pos, "Expected 'to' in a for loop");
    take();
    s->expr2 = expression();
    --m_ignore_newlines;
    s->body = header_body();
    return s;
  }

  StmtPtr func_statement() {
    auto s = make(StmtKind::func, take().pos);
    ++m_ignore_newlines;
    s->path.push_back(name_part());
    expect_punct("(", "after the function name");
    if (!at_punct(")")) {
      while (true) {
        s->names.push_back(name_part());
        if (at_punct(":")) {
          take();
          s->param_types.emplace_back(type());
        } else {
          s->param_types.emplace_back(std::nullopt);
        }
        if (!at_punct(",")) break;
        take();
      }
    }
    expect_punct(")", "to close the parameters");
    if (at_punct("->")) {
      take();
      s->decl_type = type();
    }
    --m_ignore_newlines;
    s->body = header_body();
    return s;
  }

  // ---- expressions

  ExprPtr expression() { return binary(1, ""); }

  // Precedence climbing where an operator's right operand may hold operators of its own
  // level, so same-level operators group to the right (§3). `parent_op` is the operator
  // whose right operand this is: a chain warns once, at its first operator. Depth is
  // counted per nesting (right operand, unary operand, parentheses), not per level.
  ExprPtr binary(int min_level, const std::string& parent_op) {
    ExprPtr left = unary();
    while (true) {
      int level = binary_level(cur());
      if (level == 0 || level < min_level) return left;
      Token op = take();
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::binary;
      e->pos = left->pos;
      e->op_pos = op.pos;
      e->op = canonical_op(op.text);
      ExprPtr right;
      {
        DepthGuard guard(*this);
        right = binary(level, e->op);
      }
      bool chain = right->kind == ExprKind::binary && !right->parens && right->op == e->op;
      if (parent_op != e->op && chain && (e->op == "-" || e->op == "/" || e->op == "%")) {
        m_warnings.push_back({op.pos, "'" + e->op + "' groups to the right here (a " + e->op + " b " + e->op +
                                          " c means a " + e->op + " (b " + e->op + " c)); add parentheses"});
      }
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(right));
      left = std::move(e);
    }
  }

  ExprPtr unary() {
    DepthGuard guard(*this);
    const Token& t = cur();
    if (is_kw(t, "not") || is_punct(t, "!")) {
      Token op = take();
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::unary;
      e->pos = op.pos;
      e->op_pos = op.pos;
      e->op = "not";
      ExprPtr operand = expression();
      if (operand->kind == ExprKind::binary && !operand->parens &&
          (operand->op == "and" || operand->op == "or"))
        m_warnings.push_back({op.pos, "'" + op.text + "' applies to the whole '" + operand->op +
                                          "' expression to its right; add parentheses"});
      e->args.push_back(std::move(operand));
      return e;
    }
    if (is_punct(t, "-") || is_punct(t, "+")) {
      Token op = take();
      if (at_punct("-") || at_punct("+")) fail("parse", cur().pos, "Invalid unary operator sequence");
      auto e = std::make_unique<Expr>();
      e->kind = ExprKind::unary;
      e->pos = op.pos;
      e->op_pos = op.pos;
      e->op = op.text;
      e->args.push_back(postfix());
      return e;
    }
    return postfix();
  }

  ExprPtr make_expr(ExprKind kind, Pos pos) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    return e;
  }

  std::vector<ExprPtr> call_arguments() {
    take();  // (
    std::vector<ExprPtr> out;
    if (at_punct(")")) {
      take();
      return out;
    }
    while (true) {
      out.push_back(expression());
      if (at_punct(")")) break;
      expect_punct(",", "between call arguments");
    }
    take();
    return out;
  }

  ExprPtr postfix() {
    const Token& t = cur();
    ExprPtr e;
    if (t.kind == Tok::ident) {
      Pos pos = t.pos;
      std::vector<std::string> path{take().text};
      while (at_punct(".") && ahead(1).kind == Tok::ident) {
        take();
        path.push_back(take().text);
      }
      if (at_punct("(")) {
        auto call = make_expr(ExprKind::call, pos);
        call->op = path.back();
        path.pop_back();
        if (!path.empty()) {
          auto receiver = make_expr(ExprKind::name, pos);
          receiver->path = std::move(path);
          call->args.push_back(std::move(receiver));
        }
        for (auto& arg : call_arguments()) call->args.push_back(std::move(arg));
        e = std::move(call);
      } else {
        e = make_expr(ExprKind::name, pos);
        e->path = std::move(path);
        while (at_punct("[")) {
          auto index = make_expr(ExprKind::index, pos);
          take();
          index->args.push_back(std::move(e));
          index->args.push_back(expression());
          expect_punct("]", "to close the index");
          e = std::move(index);
        }
      }
    } else {
      e = primary();
    }
    while (at_punct(".")) {
      take();
      Token name = cur();
      if (name.kind != Tok::ident || !is_punct(ahead(1), "("))
        fail("parse", name.pos, "Expected a method call after '.'");
      take();
      auto call = make_expr(ExprKind::call, e->pos);
      call->op = name.text;
      call->args.push_back(std::move(e));
      for (auto& arg : call_arguments()) call->args.push_back(std::move(arg));
      e = std::move(call);
    }
    if (at_punct("[")) fail("parse", cur().pos, "Only names can be indexed");
    return e;
  }

  ExprPtr primary() {
    const Token& t = cur();
    Pos pos = t.pos;
    switch (t.kind) {
      case Tok::int_: {
        auto e = make_expr(ExprKind::literal, pos);
        e->value = Value::make_int(take().int_value);
        return e;
      }
      case Tok::float_: {
        auto e = make_expr(ExprKind::literal, pos);
        e->value = Value::make_float(take().float_value);
        return e;
      }
      case Tok::string: {
        auto e = make_expr(ExprKind::literal, pos);
        e->value = Value::make_string(take().text);
        return e;
      }
      case Tok::literal: {
        auto e = make_expr(ExprKind::special, pos);
        e->raw = take().text;
        return e;
      }
      case Tok::char_lit:
        fail("parse", pos, "unsupported: character literals");
      case Tok::backtick:
        fail("parse", pos, "unsupported: generic types");
      case Tok::keyword: {
        if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
          auto e = make_expr(ExprKind::literal, pos);
          e->value = Value::make_bool(t.text == "true" || t.text == "True");
          take();
          return e;
        }
        if (t.text == "func") fail("parse", pos, "unsupported: function values");
        fail("parse", pos, "Expected an expression, got '" + t.text + "'");
      }
      case Tok::punct: {
        if (t.text == "(") return parenthesised();
        if (t.text == "[") return list_literal();
        if (t.text == "{") return dict_literal();
        fail("parse", pos, "Expected an expression, got '" + t.text + "'");
      }
      case Tok::newline:
      case Tok::eof:
        fail("parse", pos, "Expected an expression");
      case Tok::ident:
        break;
    }
    fail("parse", pos, "Expected an expression");
  }

  ExprPtr parenthesised() {
    Pos pos = take().pos;
    ExprPtr first = expression();
    if (at_punct(")")) {
      take();
      first->parens = true;
      return first;
    }
    auto tuple = make_expr(ExprKind::tuple, pos);
    tuple->args.push_back(std::move(first));
    while (at_punct(",")) {
      take();
      tuple->args.push_back(expression());
    }
    expect_punct(")", "to close the tuple");
    return tuple;
  }

  ExprPtr list_literal() {
    auto e = make_expr(ExprKind::list, take().pos);
    if (at_punct("]")) {
      take();
      return e;
    }
    while (true) {
      if (at_punct("]")) fail("parse", cur().pos, "Invalid list item");
      e->args.push_back(expression());
      if (at_punct("]")) break;
      if (!at_punct(",")) fail("parse", cur().pos, "Invalid list item");
      take();
    }
    take();
    return e;
  }

  ExprPtr dict_literal() {
    auto e = make_expr(ExprKind::dict, take().pos);
    ++m_ignore_newlines;
    if (!at_punct("}")) {
      while (true) {
        if (at_punct("}")) fail("parse", cur().pos, "Invalid dict item");
        e->args.push_back(expression());
        expect_punct(":", "between a dict key and its value");
        e->args.push_back(expression());
        if (at_punct("}")) break;
        if (!at_punct(",")) fail("parse", cur().pos, "Invalid dict item");
        take();
      }
    }
    --m_ignore_newlines;
    take();
    return e;
  }
};

}  // namespace

Program parse(std::string_view source) { return Parser(lex(source)).run(); }

}  // namespace chalk::config
