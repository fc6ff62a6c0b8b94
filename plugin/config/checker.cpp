#include "plugin/config/checker.hpp"

#include <map>
#include <set>

#include "plugin/config/builtins.hpp"
#include "plugin/config/literals.hpp"
#include "plugin/config/schema.hpp"

namespace chalk::config {

namespace {

bool is_numeric(Kind k) { return k == Kind::int_ || k == Kind::float_ || k == Kind::duration; }
bool is_ordered(Kind k) {
  return k == Kind::int_ || k == Kind::float_ || k == Kind::string || k == Kind::duration ||
         k == Kind::size || k == Kind::ipaddr || k == Kind::cidr;
}

std::string signature_text(const std::string& name, const std::vector<Type>& args) {
  std::string out = name + "(";
  for (std::size_t n = 0; n < args.size(); ++n) out += (n ? ", " : "") + type_name(args[n]);
  return out + ") -> `t";
}

class Checker {
 public:
  Checker(Program& program, const Store& base) : m_program(program), m_base(base) {
    for (auto& stmt : program.statements)
      if (stmt->kind == StmtKind::func) add_function(*stmt);
  }

  void run() {
    m_scopes.emplace_back();
    // parameter defaults exist before the body runs
    for (auto& stmt : m_program.statements)
      if (stmt->kind == StmtKind::parameter) parameter(*stmt);
    block_in_scope(m_program.statements, false);
  }

 private:
  struct Frame {
    bool in_function = false;
    int loops = 0;
    std::optional<Type> result;  // return type seen so far
  };

  Program& m_program;
  const Store& m_base;
  std::map<std::string, Type> m_attr_types;  // attributes the config assigns, over m_base's
  std::vector<std::map<std::string, Type>> m_scopes;
  std::vector<std::string> m_section;
  Frame m_frame;
  std::map<std::string, std::vector<Stmt*>> m_functions;
  std::map<std::string, Type> m_instances;  // "f#index(types)" -> result type
  std::set<const Stmt*> m_in_progress;

  void add_function(Stmt& def) {
    const std::string& name = def.path[0];
    if (is_builtin_name(name)) fail("check", def.pos, "Function name conflicts with a builtin function");
    auto& overloads = m_functions[name];
    for (const Stmt* other : overloads) {
      if (other->names.size() != def.names.size()) continue;
      bool same = true;
      for (std::size_t n = 0; n < def.names.size(); ++n)
        if (other->param_types[n] != def.param_types[n]) same = false;
      if (same) fail("check", def.pos, "Duplicate implementation of function '" + name + "'");
    }
    overloads.push_back(&def);
  }

  // Fully typed functions are checked where they stand (seeing the attributes set before
  // them), and at any earlier call; untyped ones per call.
  void function_definition(Stmt& def) {
    std::vector<Type> types;
    for (const auto& t : def.param_types) {
      if (!t) return;
      types.push_back(*t);
    }
    instantiate(def, types, def.pos);
  }

  Type instantiate(Stmt& def, const std::vector<Type>& args, Pos call_pos) {
    std::string key = std::to_string(reinterpret_cast<std::uintptr_t>(&def)) + signature_text("", args);
    auto found = m_instances.find(key);
    if (found != m_instances.end()) return found->second;
    if (m_in_progress.count(&def))
      fail("check", call_pos, "Recursive call of function '" + def.path[0] + "' is not supported");
    // Calls nest no deeper than this at run time either, so the stack stays bounded.
    if (m_in_progress.size() >= k_max_call_depth)
      fail("check", call_pos, "Function calls nest too deep (over " + std::to_string(k_max_call_depth) + ")");
    m_in_progress.insert(&def);
    auto saved_scopes = std::move(m_scopes);
    auto saved_section = std::move(m_section);
    Frame saved_frame = m_frame;
    m_scopes.clear();
    m_section.clear();
    m_frame = Frame{true, 0, std::nullopt};
    m_scopes.emplace_back();
    for (std::size_t n = 0; n < def.names.size(); ++n) m_scopes.back()[def.names[n]] = args[n];
    block_in_scope(def.body, false);
    Type result = m_frame.result.value_or(Type::of(Kind::void_));
    if (def.decl_type.kind != Kind::void_ && !type_fits(result, def.decl_type))
      fail("check", def.pos,
           "Function '" + def.path[0] + "' returns '" + type_name(result) + "', not '" +
               type_name(def.decl_type) + "'");
    m_scopes = std::move(saved_scopes);
    m_section = std::move(saved_section);
    m_frame = saved_frame;
    m_in_progress.erase(&def);
    m_instances[key] = result;
    return result;
  }

  // ---- names

  // The attribute's type so far (from the config, else the built-ins), copied up on first use.
  Type* attr_type(const std::string& path) {
    auto found = m_attr_types.find(path);
    if (found != m_attr_types.end()) return &found->second;
    const Value* builtin = m_base.get(path);
    if (builtin == nullptr) return nullptr;
    return &(m_attr_types[path] = builtin->type);
  }

  Type* find_variable(const std::string& name) {
    for (auto it = m_scopes.rbegin(); it != m_scopes.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end()) return &found->second;
    }
    return nullptr;
  }

  std::string relative(const std::vector<std::string>& path) {
    std::vector<std::string> full = m_section;
    full.insert(full.end(), path.begin(), path.end());
    return join_path(full);
  }

  // An attribute visible as `path` here: relative to the section, else top level.
  std::optional<std::string> visible_attribute(const std::vector<std::string>& path) {
    for (const std::string& candidate : {relative(path), join_path(path)}) {
      std::string canonical = canonical_path(candidate, true);
      if (attr_type(canonical)) return canonical;
    }
    return std::nullopt;
  }

  void conflicts_for_variable(const std::string& name, Pos pos) {
    if (is_builtin_name(name) || m_functions.count(name))
      fail("check", pos, "Can't re-define name " + name + ": Conflicts with existing function");
    if (visible_attribute({name}))
      fail("check", pos, "Can't re-define name " + name + ": Conflicts with existing in-scope attribute");
  }

  void assign_variable(const std::string& name, const Type& type, Pos stmt_pos, Pos value_pos) {
    if (name == "result" && !m_frame.in_function)
      fail("check", stmt_pos, "Can't re-define name result: reserved for function results");
    conflicts_for_variable(name, stmt_pos);
    if (type.kind == Kind::void_) fail("check", value_pos, "Can't assign a value of no type to " + name);
    if (name == "result") {
      merge_result(type, value_pos);
      return;
    }
    if (Type* existing = find_variable(name)) {
      Type merged;
      if (!unify(type, *existing, merged))
        fail("check", value_pos,
             "Assignment of " + name + " doesn't match its previous type ('" + type_name(type) + "' vs '" +
                 type_name(*existing) + "')");
      *existing = merged;
      return;
    }
    m_scopes.back()[name] = type;
  }

  void merge_result(const Type& type, Pos pos) {
    if (!m_frame.result) {
      m_frame.result = type;
      return;
    }
    Type merged;
    if (!unify(type, *m_frame.result, merged))
      fail("check", pos,
           "Return type doesn't match a previous return ('" + type_name(type) + "' vs '" +
               type_name(*m_frame.result) + "')");
    m_frame.result = merged;
  }

  void assign_attribute(const std::string& written, const Type& type, Pos value_pos) {
    if (type.kind == Kind::void_) fail("check", value_pos, "Can't assign a value of no type to " + written);
    if (written == "exec.heartbeat" && type.kind != Kind::bool_)
      fail("check", value_pos,
           "Attribute assignment of exec.heartbeat doesn't match previous type ('" + type_name(type) +
               "' vs 'bool') (use exec.heartbeat.run)");
    std::string path = canonical_path(written, type.kind == Kind::bool_);
    if (auto field = unsupported_field(path)) fail("check", value_pos, "'" + *field + "' is not supported");
    Type* existing = attr_type(path);
    if (existing == nullptr) {
      m_attr_types[path] = type;
      return;
    }
    Type merged;
    if (!unify(type, *existing, merged))
      fail("check", value_pos,
           "Attribute assignment of " + path + " doesn't match previous type ('" + type_name(type) +
               "' vs '" + type_name(*existing) + "')");
    *existing = merged;
  }

  // ---- statements

  void block_in_scope(Block& block, bool new_scope) {
    if (new_scope) m_scopes.emplace_back();
    for (auto& stmt : block) statement(*stmt);
    if (new_scope) m_scopes.pop_back();
  }

  void parameter(Stmt& s) {
    Expr* default_value = nullptr;
    for (auto& item : s.body) {
      if (item->kind != StmtKind::attr || item->path.size() != 1)
        fail("check", item->pos, "A parameter may only set default, doc, shortdoc and validator");
      const std::string& field = item->path[0];
      Type type = expr(*item->expr);
      if (field == "default") {
        default_value = item->expr.get();
      } else if (field == "doc" || field == "shortdoc" || field == "validator") {
        if (type.kind != Kind::string)
          fail("check", item->expr->pos, "Parameter field '" + field + "' must be a string");
      } else {
        fail("check", item->pos, "Unknown field for a parameter: " + field);
      }
    }
    if (default_value == nullptr)
      fail("check", s.pos, "Component not configured: no default for " + join_path(s.path));
    Type type = expr(*default_value);
    if (s.param_var) {
      assign_variable(s.path[0], type, s.pos, default_value->pos);
    } else {
      assign_attribute(join_path(s.path), type, default_value->pos);
    }
  }

  void statement(Stmt& s) {
    switch (s.kind) {
      case StmtKind::attr: {
        Type type = expr(*s.expr);
        assign_attribute(relative(s.path), type, s.expr->pos);
        return;
      }
      case StmtKind::assign: {
        Type type = expr(*s.expr);
        if (s.names.size() == 1) {
          assign_variable(s.names[0], type, s.pos, s.expr->pos);
          return;
        }
        if (type.kind != Kind::tuple || type.args.size() != s.names.size())
          fail("check", s.expr->pos,
               "Assigning to " + std::to_string(s.names.size()) +
                   " names needs a tuple of that many items, not '" + type_name(type) + "'");
        for (std::size_t n = 0; n < s.names.size(); ++n)
          assign_variable(s.names[n], type.args[n], s.pos, s.expr->pos);
        return;
      }
      case StmtKind::section: {
        const std::string& kind = s.path[0];
        if (is_builtin_name(kind) || m_functions.count(kind))
          fail("check", s.pos, "Can't re-define name " + kind + ": Conflicts with existing function");
        std::size_t depth = m_section.size();
        m_section.insert(m_section.end(), s.path.begin(), s.path.end());
        block_in_scope(s.body, true);
        m_section.resize(depth);
        return;
      }
      case StmtKind::if_: {
        for (auto& cond : s.conds) {
          Type type = expr(*cond);
          if (type.kind != Kind::bool_) fail("check", cond->pos, "If conditional must evaluate to a boolean");
        }
        for (auto& block : s.blocks) block_in_scope(block, true);
        return;
      }
      case StmtKind::for_: {
        Type from = expr(*s.expr);
        Type to = expr(*s.expr2);
        if (from.kind != Kind::int_) fail("check", s.expr->pos, "For loop bounds must be ints");
        if (to.kind != Kind::int_) fail("check", s.expr2->pos, "For loop bounds must be ints");
        conflicts_for_variable(s.names[0], s.pos);
        m_scopes.emplace_back();
        m_scopes.back()[s.names[0]] = Type::of(Kind::int_);
        ++m_frame.loops;
        block_in_scope(s.body, false);
        --m_frame.loops;
        m_scopes.pop_back();
        return;
      }
      case StmtKind::func:
        if (m_frame.in_function || m_scopes.size() > 1 || !m_section.empty())
          fail("check", s.pos, "Functions may only be defined at the top level");
        function_definition(s);
        return;
      case StmtKind::return_: {
        if (!m_frame.in_function) fail("check", s.pos, "Return not allowed outside function definition");
        if (s.expr) merge_result(expr(*s.expr), s.expr->pos);
        return;
      }
      case StmtKind::break_:
        if (m_frame.loops == 0) fail("check", s.pos, "Break not allowed outside for loop");
        return;
      case StmtKind::continue_:
        if (m_frame.loops == 0) fail("check", s.pos, "Continue not allowed outside for loop");
        return;
      case StmtKind::expr:
        expr(*s.expr);
        return;
      case StmtKind::var_decl:
        for (const auto& name : s.names) {
          conflicts_for_variable(name, s.pos);
          if (Type* existing = find_variable(name)) {
            if (!type_fits(*existing, s.decl_type))
              fail("check", s.pos,
                   "Assignment of " + name + " doesn't match its previous type ('" + type_name(s.decl_type) +
                       "' vs '" + type_name(*existing) + "')");
          } else {
            m_scopes.back()[name] = s.decl_type;
          }
        }
        return;
      case StmtKind::enum_:
        for (const auto& name : s.names) assign_variable(name, Type::of(Kind::int_), s.pos, s.pos);
        return;
      case StmtKind::export_:
        for (const auto& name : s.names)
          if (!find_variable(name)) fail("check", s.pos, "Variable " + name + " used before definition");
        return;
      case StmtKind::parameter:
        if (m_frame.in_function || m_scopes.size() > 1 || !m_section.empty())
          fail("check", s.pos, "Parameters may only be declared at the top level");
        return;
    }
  }

  // ---- expressions

  Type expr(Expr& e) {
    switch (e.kind) {
      case ExprKind::literal:
        return e.value.type;
      case ExprKind::special: {
        auto value = parse_special_literal(e.raw);
        if (!value) fail("check", e.pos, "Invalid literal: <<" + e.raw + ">>");
        e.value = *value;
        return e.value.type;
      }
      case ExprKind::name: {
        if (e.path.size() == 1)
          if (Type* var = find_variable(e.path[0])) return *var;
        if (auto attr = visible_attribute(e.path)) return *attr_type(*attr);
        fail("check", e.pos, "Variable " + join_path(e.path) + " used before definition");
      }
      case ExprKind::index: {
        Type base = expr(*e.args[0]);
        Type index = expr(*e.args[1]);
        if (base.kind == Kind::list) {
          if (index.kind != Kind::int_) fail("check", e.args[1]->pos, "List indexes must be ints");
          return base.args[0];
        }
        if (base.kind == Kind::dict) {
          if (!type_fits(index, base.args[0]))
            fail("check", e.args[1]->pos,
                 "Dict key type doesn't match ('" + type_name(index) + "' vs '" + type_name(base.args[0]) +
                     "')");
          return base.args[1];
        }
        if (base.kind == Kind::tuple) {
          const Expr& i = *e.args[1];
          if (i.kind != ExprKind::literal || i.value.type.kind != Kind::int_ || i.value.i < 0 ||
              i.value.i >= static_cast<std::int64_t>(base.args.size()))
            fail("check", i.pos, "Tuple indexes must be int literals within the tuple");
          return base.args[static_cast<std::size_t>(i.value.i)];
        }
        fail("check", e.pos, "Only lists, dicts and tuples can be indexed, not '" + type_name(base) + "'");
      }
      case ExprKind::call:
        return call(e);
      case ExprKind::unary: {
        Type operand = expr(*e.args[0]);
        if (e.op == "not") {
          if (operand.kind != Kind::bool_)
            fail("check", e.args[0]->pos, "'not' needs a bool, not '" + type_name(operand) + "'");
          return operand;
        }
        if (!is_numeric(operand.kind))
          fail("check", e.args[0]->pos,
               "Unary '" + e.op + "' needs a number, not '" + type_name(operand) + "'");
        return operand;
      }
      case ExprKind::binary:
        return binary(e);
      case ExprKind::list: {
        Type item = Type::of(Kind::any);
        for (auto& arg : e.args) {
          Type t = expr(*arg);
          Type merged;
          if (!unify(t, item, merged)) fail("check", e.pos, "List items must all be the same type");
          item = merged;
        }
        return Type::list_of(item);
      }
      case ExprKind::dict: {
        Type key = Type::of(Kind::any);
        Type value = Type::of(Kind::any);
        for (std::size_t n = 0; n + 1 < e.args.size(); n += 2) {
          Type k = expr(*e.args[n]);
          Type v = expr(*e.args[n + 1]);
          if (k.kind != Kind::string && k.kind != Kind::int_)
            fail("check", e.args[n]->pos, "Dict keys must be strings or ints");
          Type merged;
          if (!unify(k, key, merged)) fail("check", e.pos, "Dict keys must all be the same type");
          key = merged;
          if (!unify(v, value, merged)) fail("check", e.pos, "Dict values must all be the same type");
          value = merged;
        }
        return Type::dict_of(key, value);
      }
      case ExprKind::tuple: {
        Type out{Kind::tuple, {}};
        for (auto& arg : e.args) {
          out.args.push_back(expr(*arg));
          if (out.args.back().kind == Kind::void_) fail("check", arg->pos, "A tuple item must have a value");
        }
        return out;
      }
    }
    fail("check", e.pos, "Unknown expression");
  }

  Type call(Expr& e) {
    std::vector<Type> args;
    for (auto& arg : e.args) args.push_back(expr(*arg));
    auto user = m_functions.find(e.op);
    if (user != m_functions.end()) {
      for (Stmt* def : user->second) {
        if (def->names.size() != args.size()) continue;
        bool fits = true;
        for (std::size_t n = 0; n < args.size(); ++n)
          if (def->param_types[n] && !type_fits(args[n], *def->param_types[n])) fits = false;
        if (!fits) continue;
        std::vector<Type> bound = args;
        for (std::size_t n = 0; n < args.size(); ++n)
          if (def->param_types[n]) bound[n] = *def->param_types[n];
        return instantiate(*def, bound, e.pos);
      }
    }
    for (const auto& builtin : builtins()) {
      if (builtin.name != e.op) continue;
      if (auto result = builtin.match(args)) return *result;
    }
    fail("check", e.pos,
         "Could not find an implementation for the function '" + signature_text(e.op, args) + "'");
  }

  Type binary(Expr& e) {
    Type left = expr(*e.args[0]);
    Type right = expr(*e.args[1]);
    const std::string& op = e.op;
    if (op == "and" || op == "or") {
      if (left.kind != Kind::bool_)
        fail("check", e.args[0]->pos, "Each side of || and && expressions must eval to a bool");
      if (right.kind != Kind::bool_)
        fail("check", e.args[1]->pos, "Each side of || and && expressions must eval to a bool");
      return left;
    }
    Type merged;
    if (!unify(left, right, merged))
      fail("check", e.args[1]->pos,
           "Types of left and right side of binary ops must match ('" + type_name(left) + "' vs '" +
               type_name(right) + "')");
    auto unsupported = [&]() {
      fail("check", e.op_pos, "Operator '" + op + "' doesn't work on '" + type_name(merged) + "'");
    };
    if (op == "==" || op == "!=") {
      if (merged.kind == Kind::void_) unsupported();
      return Type::of(Kind::bool_);
    }
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      if (!is_ordered(merged.kind)) unsupported();
      return Type::of(Kind::bool_);
    }
    if (op == "+") {
      if (!is_numeric(merged.kind) && merged.kind != Kind::string) unsupported();
      return merged;
    }
    if (op == "-") {
      if (!is_numeric(merged.kind)) unsupported();
      return merged;
    }
    if (op == "%") {
      if (merged.kind != Kind::int_) unsupported();
      return merged;
    }
    if (op == "*") {
      if (merged.kind != Kind::int_ && merged.kind != Kind::float_) unsupported();
      return merged;
    }
    if (op == "/") {
      if (merged.kind != Kind::int_ && merged.kind != Kind::float_) unsupported();
      return Type::of(Kind::float_);
    }
    unsupported();
    return merged;
  }
};

}  // namespace

void check(Program& program, const Store& base) { Checker(program, base).run(); }

}  // namespace chalk::config
