#include "plugin/config/interpreter.hpp"

#include <array>
#include <map>

#include "plugin/config/builtins.hpp"

namespace chalk::config {

namespace {

// A config that loops this long is broken or hostile; the shim must not hang on it.
constexpr std::int64_t k_max_iterations = 1'000'000;

enum class Flow { normal, break_, continue_, return_ };

int level_rank(const std::string& level) {
  static const std::array<const char*, 6> k_levels{"verbose", "trace", "info", "warn", "error", "none"};
  for (std::size_t n = 0; n < k_levels.size(); ++n)
    if (level == k_levels[n]) return static_cast<int>(n);
  return 3;
}

Type common_item_type(const std::vector<Value>& items, std::size_t start, std::size_t step) {
  Type out = Type::of(Kind::any);
  for (std::size_t n = start; n < items.size(); n += step) {
    Type merged;
    if (unify(items[n].type, out, merged)) out = merged;
  }
  return out;
}

class Interpreter final : public BuiltinHost {
 public:
  Interpreter(const Program& program, const Store& builtins, const Environment& env)
      : m_program(program), m_env(env) {
    m_result.store.base = &builtins;
    for (const auto& stmt : program.statements)
      if (stmt->kind == StmtKind::func) m_functions[stmt->path[0]].push_back(stmt.get());
  }

  RunResult run() {
    m_frame.scopes.emplace_back();
    for (const auto& stmt : m_program.statements)
      if (stmt->kind == StmtKind::parameter) parameter(*stmt);
    exec_block(m_program.statements, false);
    return std::move(m_result);
  }

  // ---- BuiltinHost

  [[nodiscard]] const Environment& environment() const override { return m_env; }

  // echo() obeys only "none": the shim's default, which must keep the application's streams clean.
  void log(const std::string& level, const std::string& text) override {
    std::string log_level = current_log_level();
    if (level == "echo" ? log_level == "none" : !level_shows(level, log_level)) return;
    m_result.logs.push_back({level, text});
  }

  bool subscription(bool subscribe, const std::string& topic, const std::string& sink_config) override {
    const Store& store = m_result.store;
    const char* verb = subscribe ? "subscribing" : "unsubscribing";
    if (!store.has_section("sink_config." + sink_config)) {
      log("error", sink_config + ": unknown sink configuration while " + verb + " to topic '" + topic + "'");
      return false;
    }
    const Value* enabled = store.get("sink_config." + sink_config + ".enabled");
    if (subscribe && enabled != nullptr && enabled->type.kind == Kind::bool_ && !enabled->b) {
      log("error", sink_config + ": sink is not enabled and cannot be subscribed to topic '" + topic + "'");
      return false;
    }
    static const std::array<const char*, 4> k_topics{"report", "fail", "audit", "version"};
    bool known = store.has_section("custom_report." + topic);
    for (const char* t : k_topics) known = known || topic == t;
    if (!known) {
      log("error", topic + ": unknown topic");
      return false;
    }
    m_result.subscriptions.push_back({subscribe, topic, sink_config});
    return true;
  }

  std::optional<Value> lookup(const std::string& name) override {
    if (const Value* var = find_variable(name)) return *var;
    if (const Value* attr = visible_attribute(split_path(name))) return *attr;
    return std::nullopt;
  }

 private:
  struct Frame {
    std::vector<std::map<std::string, Value>> scopes;
    Value result;
  };

  const Program& m_program;
  const Environment& m_env;
  RunResult m_result;
  Frame m_frame;
  std::vector<std::string> m_section;
  std::map<std::string, std::vector<const Stmt*>> m_functions;
  std::int64_t m_iterations = 0;
  std::size_t m_call_depth = 0;

  std::string current_log_level() const {
    const Value* level = m_result.store.get("log_level");
    return level != nullptr && level->type.kind == Kind::string ? level->s : "warn";
  }

  // ---- names

  Value* find_variable(const std::string& name) {
    for (auto it = m_frame.scopes.rbegin(); it != m_frame.scopes.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end()) return &found->second;
    }
    return nullptr;
  }

  std::string relative(const std::vector<std::string>& path) const {
    std::vector<std::string> full = m_section;
    full.insert(full.end(), path.begin(), path.end());
    return join_path(full);
  }

  const Value* visible_attribute(const std::vector<std::string>& path) {
    for (const std::string& candidate : {relative(path), join_path(path)})
      if (const Value* value = m_result.store.get(canonical_path(candidate, true))) return value;
    return nullptr;
  }

  void set_variable(const std::string& name, Value value) {
    if (name == "result") {
      m_frame.result = std::move(value);
      return;
    }
    if (Value* existing = find_variable(name)) {
      Type merged;
      if (unify(value.type, existing->type, merged)) value.type = merged;
      *existing = std::move(value);
      return;
    }
    m_frame.scopes.back()[name] = std::move(value);
  }

  void open_sections(const std::string& path, Pos pos, bool including_last) {
    Store& store = m_result.store;
    std::size_t dot = path.find('.');
    while (true) {
      bool last = dot == std::string::npos;
      if (last && !including_last) return;
      std::string prefix = path.substr(0, dot);
      if (store.has_attr(prefix))
        fail("runtime", pos, prefix + ": should be a section, but already have it as an attr");
      if (!store.has_section(prefix)) store.sections.emplace(prefix, pos);
      if (last) return;
      dot = path.find('.', dot + 1);
    }
  }

  void set_attribute(const std::string& path, Value value, Pos pos, bool lock) {
    Store& store = m_result.store;
    open_sections(path, pos, false);
    if (store.has_section(path))
      fail("runtime", pos, path + ": should be an attr, but already have it as a section");
    bool existed = false;
    AttrEntry& entry = store.writable(path, existed);
    if (existed) {
      if (entry.locked && !values_equal(entry.value, value))
        fail("runtime", pos, path + ": attribute is locked and can't be set");
      Type merged;
      if (unify(value.type, entry.value.type, merged)) value.type = merged;
    }
    entry.value = std::move(value);
    entry.pos = pos;
    entry.locked = entry.locked || lock;
  }

  // ---- statements

  void parameter(const Stmt& s) {
    for (const auto& item : s.body) {
      if (item->path[0] != "default") continue;
      Value value = eval(*item->expr);
      if (s.param_var)
        set_variable(s.path[0], std::move(value));
      else
        set_attribute(join_path(s.path), std::move(value), s.pos, false);
    }
  }

  Flow exec_block(const Block& block, bool new_scope) {
    if (new_scope) m_frame.scopes.emplace_back();
    Flow flow = Flow::normal;
    for (const auto& stmt : block) {
      flow = exec(*stmt);
      if (flow != Flow::normal) break;
    }
    if (new_scope) m_frame.scopes.pop_back();
    return flow;
  }

  Flow exec(const Stmt& s) {
    switch (s.kind) {
      case StmtKind::attr: {
        Value value = eval(*s.expr);
        std::string written = relative(s.path);
        set_attribute(canonical_path(written, value.type.kind == Kind::bool_), std::move(value), s.pos,
                      s.locked);
        return Flow::normal;
      }
      case StmtKind::assign: {
        Value value = eval(*s.expr);
        if (s.names.size() == 1) {
          set_variable(s.names[0], std::move(value));
        } else {
          for (std::size_t n = 0; n < s.names.size(); ++n) set_variable(s.names[n], value.items.at(n));
        }
        return Flow::normal;
      }
      case StmtKind::section: {
        std::string path = relative(s.path);
        open_sections(path, s.pos, true);
        std::size_t depth = m_section.size();
        m_section.insert(m_section.end(), s.path.begin(), s.path.end());
        Flow flow = exec_block(s.body, true);
        m_section.resize(depth);
        return flow;
      }
      case StmtKind::if_: {
        for (std::size_t n = 0; n < s.conds.size(); ++n)
          if (eval(*s.conds[n]).b) return exec_block(s.blocks[n], true);
        if (s.blocks.size() > s.conds.size()) return exec_block(s.blocks.back(), true);
        return Flow::normal;
      }
      case StmtKind::for_:
        return for_loop(s);
      case StmtKind::return_:
        if (s.expr) m_frame.result = eval(*s.expr);
        return Flow::return_;
      case StmtKind::break_:
        return Flow::break_;
      case StmtKind::continue_:
        return Flow::continue_;
      case StmtKind::expr:
        eval(*s.expr);
        return Flow::normal;
      case StmtKind::enum_: {
        std::int64_t n = 0;
        for (const auto& name : s.names) set_variable(name, Value::make_int(n++));
        return Flow::normal;
      }
      case StmtKind::func:
      case StmtKind::var_decl:
      case StmtKind::export_:
      case StmtKind::parameter:
        return Flow::normal;
    }
    return Flow::normal;
  }

  Flow for_loop(const Stmt& s) {
    std::int64_t from = eval(*s.expr).i;
    std::int64_t to = eval(*s.expr2).i;
    std::int64_t step = from <= to ? 1 : -1;
    std::int64_t i = from <= to ? from : from - 1;
    auto more = [&] { return step > 0 ? i < to : i >= to; };
    for (; more(); i += step) {
      if (++m_iterations > k_max_iterations)
        fail("runtime", s.pos, "loop runs too long (over 1000000 iterations)");
      m_frame.scopes.emplace_back();
      m_frame.scopes.back()[s.names[0]] = Value::make_int(i);
      Flow flow = exec_block(s.body, false);
      m_frame.scopes.pop_back();
      if (flow == Flow::break_) break;
      if (flow == Flow::return_) return flow;
      if (step < 0 && i == INT64_MIN) break;
    }
    return Flow::normal;
  }

  // ---- expressions

  Value eval(const Expr& e) {
    switch (e.kind) {
      case ExprKind::literal:
      case ExprKind::special:
        return e.value;
      case ExprKind::name: {
        if (e.path.size() == 1)
          if (const Value* var = find_variable(e.path[0])) return *var;
        if (const Value* attr = visible_attribute(e.path)) return *attr;
        fail("runtime", e.pos, "Variable " + join_path(e.path) + " used before definition");
      }
      case ExprKind::index:
        return index(e);
      case ExprKind::call:
        return call(e);
      case ExprKind::unary: {
        Value v = eval(*e.args[0]);
        if (e.op == "not") return Value::make_bool(!v.b);
        if (e.op == "-") {
          if (v.type.kind == Kind::float_)
            v.f = -v.f;
          else if (v.i == INT64_MIN)
            fail("runtime", e.pos, "Integer overflow");
          else
            v.i = -v.i;
        }
        return v;
      }
      case ExprKind::binary:
        return binary(e);
      case ExprKind::list: {
        Value out;
        for (const auto& arg : e.args) out.items.push_back(eval(*arg));
        out.type = Type::list_of(common_item_type(out.items, 0, 1));
        return out;
      }
      case ExprKind::dict: {
        Value out;
        for (const auto& arg : e.args) {
          Value v = eval(*arg);
          bool is_key = out.items.size() % 2 == 0;
          if (is_key) {
            for (std::size_t n = 0; n < out.items.size(); n += 2) {
              if (values_equal(out.items[n], v)) {
                out.items.erase(out.items.begin() + static_cast<std::ptrdiff_t>(n),
                                out.items.begin() + static_cast<std::ptrdiff_t>(n + 2));
                break;
              }
            }
          }
          out.items.push_back(std::move(v));
        }
        out.type = Type::dict_of(common_item_type(out.items, 0, 2), common_item_type(out.items, 1, 2));
        return out;
      }
      case ExprKind::tuple: {
        Value out;
        out.type.kind = Kind::tuple;
        for (const auto& arg : e.args) {
          out.items.push_back(eval(*arg));
          out.type.args.push_back(out.items.back().type);
        }
        return out;
      }
    }
    fail("runtime", e.pos, "Unknown expression");
  }

  Value index(const Expr& e) {
    Value base = eval(*e.args[0]);
    Value key = eval(*e.args[1]);
    if (base.type.kind == Kind::dict) {
      for (std::size_t n = 0; n + 1 < base.items.size(); n += 2)
        if (values_equal(base.items[n], key)) return base.items[n + 1];
      fail("runtime", e.args[1]->pos, "dict key " + value_to_string(key) + " not found");
    }
    if (key.i < 0 || key.i >= static_cast<std::int64_t>(base.items.size()))
      fail("runtime", e.args[1]->pos, "index " + std::to_string(key.i) + " is out of range");
    return base.items[static_cast<std::size_t>(key.i)];
  }

  Value call(const Expr& e) {
    std::vector<Value> args;
    args.reserve(e.args.size());
    for (const auto& arg : e.args) args.push_back(eval(*arg));
    auto user = m_functions.find(e.op);
    if (user != m_functions.end()) {
      for (const Stmt* def : user->second) {
        if (def->names.size() != args.size()) continue;
        bool fits = true;
        for (std::size_t n = 0; n < args.size(); ++n)
          if (def->param_types[n] && !type_fits(args[n].type, *def->param_types[n])) fits = false;
        if (fits) return call_user(*def, std::move(args), e.pos);
      }
    }
    std::vector<Type> types;
    for (const auto& arg : args) types.push_back(arg.type);
    for (const auto& builtin : builtins()) {
      if (builtin.name != e.op || !builtin.match(types)) continue;
      try {
        return builtin.run(*this, args);
      } catch (const BuiltinFailure& failure) {
        fail("runtime", e.pos, failure.message);
      }
    }
    fail("runtime", e.pos, "Could not find an implementation for the function '" + e.op + "'");
  }

  Value call_user(const Stmt& def, std::vector<Value> args, Pos pos) {
    if (m_call_depth >= k_max_call_depth)
      fail("runtime", pos, "Function calls nest too deep (over " + std::to_string(k_max_call_depth) + ")");
    ++m_call_depth;
    Frame saved = std::move(m_frame);
    auto saved_section = std::move(m_section);
    m_frame = Frame{};
    m_section.clear();
    m_frame.scopes.emplace_back();
    for (std::size_t n = 0; n < args.size(); ++n) m_frame.scopes.back()[def.names[n]] = std::move(args[n]);
    exec_block(def.body, false);
    Value result = std::move(m_frame.result);
    m_frame = std::move(saved);
    m_section = std::move(saved_section);
    --m_call_depth;
    return result;
  }

  Value binary(const Expr& e) {
    const std::string& op = e.op;
    Value left = eval(*e.args[0]);
    if (op == "and") return left.b ? eval(*e.args[1]) : left;
    if (op == "or") return left.b ? left : eval(*e.args[1]);
    Value right = eval(*e.args[1]);
    if (op == "==") return Value::make_bool(values_equal(left, right));
    if (op == "!=") return Value::make_bool(!values_equal(left, right));
    if (op == "<") return Value::make_bool(compare_values(left, right) < 0);
    if (op == "<=") return Value::make_bool(compare_values(left, right) <= 0);
    if (op == ">") return Value::make_bool(compare_values(left, right) > 0);
    if (op == ">=") return Value::make_bool(compare_values(left, right) >= 0);
    Kind kind = left.type.kind;
    if (op == "/") {
      double l = kind == Kind::float_ ? left.f : static_cast<double>(left.i);
      double r = kind == Kind::float_ ? right.f : static_cast<double>(right.i);
      if (r == 0) fail("runtime", e.args[1]->pos, "Division by zero");
      return Value::make_float(l / r);
    }
    if (kind == Kind::string) {
      left.s += right.s;
      return left;
    }
    if (kind == Kind::float_) {
      if (op == "+")
        left.f += right.f;
      else if (op == "-")
        left.f -= right.f;
      else
        left.f *= right.f;
      return left;
    }
    bool overflow = false;
    if (op == "+")
      overflow = __builtin_add_overflow(left.i, right.i, &left.i);
    else if (op == "-")
      overflow = __builtin_sub_overflow(left.i, right.i, &left.i);
    else if (op == "*")
      overflow = __builtin_mul_overflow(left.i, right.i, &left.i);
    else if (op == "%") {
      if (right.i == 0) fail("runtime", e.args[1]->pos, "Division by zero");
      left.i = right.i == -1 ? 0 : left.i % right.i;
    }
    if (overflow) fail("runtime", e.op_pos, "Integer overflow");
    return left;
  }
};

}  // namespace

bool level_shows(const std::string& level, const std::string& log_level) {
  if (log_level == "none") return false;
  return level_rank(level) >= level_rank(log_level);
}

RunResult run(const Program& program, const Store& builtins, const Environment& env) {
  return Interpreter(program, builtins, env).run();
}

}  // namespace chalk::config
