// Syntax tree of a con4m file. The checker annotates nothing in place except the values
// of `<< >>` literals, so one tree serves the checker and the interpreter.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugin/config/diagnostics.hpp"
#include "plugin/config/value.hpp"

namespace chalk::config {

enum class ExprKind { literal, special, name, index, call, unary, binary, list, dict, tuple };

struct Expr {
  ExprKind kind = ExprKind::literal;
  Pos pos;     // first token
  Pos op_pos;  // binary/unary operator
  bool parens = false;
  std::string op;                           // operator, or the function name of a call
  std::vector<std::string> path;            // name: one or more dotted parts
  Value value;                              // literal; special once checked
  std::string raw;                          // special: text between << and >>
  std::vector<std::unique_ptr<Expr>> args;  // operands, call arguments, items (dict: k, v, k, v)
};
using ExprPtr = std::unique_ptr<Expr>;

enum class StmtKind {
  attr,
  assign,
  section,
  if_,
  for_,
  func,
  return_,
  break_,
  continue_,
  expr,
  var_decl,
  enum_,
  export_,
  parameter
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Block = std::vector<StmtPtr>;

struct Stmt {
  StmtKind kind = StmtKind::expr;
  Pos pos;
  std::vector<std::string> path;   // attr path; section KIND [NAME]; parameter path
  bool locked = false;             // `~`
  bool param_var = false;          // `parameter var NAME`
  ExprPtr expr;                    // value, condition-less expression, return value, for start
  ExprPtr expr2;                   // for end
  std::vector<std::string> names;  // assign targets, func params, enum/export names, for variable
  std::vector<std::optional<Type>> param_types;
  Type decl_type;              // var x: T
  std::vector<ExprPtr> conds;  // if/elif conditions
  std::vector<Block> blocks;   // if: one per condition, plus else
  Block body;                  // section, for, func, parameter
};

struct Warning {
  Pos pos;
  std::string message;
};

struct Program {
  Block statements;
  std::vector<Warning> warnings;
};

}  // namespace chalk::config
