#include "plugin/config/builtins.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <set>

#include "plugin/config/literals.hpp"

namespace chalk::config {

namespace {

using Types = std::vector<Type>;
using Args = std::vector<Value>;

// An overload with fixed parameter types.
std::function<std::optional<Type>(const Types&)> fixed(Types params, Type result) {
  return [params = std::move(params), result = std::move(result)](const Types& args) -> std::optional<Type> {
    if (args.size() != params.size()) return std::nullopt;
    for (std::size_t n = 0; n < args.size(); ++n)
      if (!type_fits(args[n], params[n])) return std::nullopt;
    return result;
  };
}

std::string strip_blanks(const std::string& s) {
  std::size_t start = s.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "";
  std::size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(start, end - start + 1);
}

std::string base64(const std::string& in) {
  static const char* k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t n = 0;
  for (; n + 2 < in.size(); n += 3) {
    auto v = (static_cast<unsigned char>(in[n]) << 16) | (static_cast<unsigned char>(in[n + 1]) << 8) |
             static_cast<unsigned char>(in[n + 2]);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
    out += k_alphabet[v & 63];
  }
  if (n + 1 == in.size()) {
    auto v = static_cast<unsigned char>(in[n]) << 16;
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += "==";
  } else if (n + 2 == in.size()) {
    auto v = (static_cast<unsigned char>(in[n]) << 16) | (static_cast<unsigned char>(in[n + 1]) << 8);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += k_alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Value string_dict(const std::vector<std::pair<std::string, std::string>>& entries) {
  Value out;
  out.type = Type::dict_of(k_string, k_string);
  for (const auto& [key, value] : entries) {
    out.items.push_back(Value::make_string(key));
    out.items.push_back(Value::make_string(value));
  }
  return out;
}

Value mime_to_dict(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> entries;
  // find() rather than iostreams: the static shim links this, and streams bring in
  // libstdc++'s locale machinery (about 480 KB of the shim).
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = strip_blanks(line.substr(0, colon));
    if (key.empty()) continue;
    std::string value = strip_blanks(line.substr(colon + 1));
    bool replaced = false;
    for (auto& entry : entries)
      if (entry.first == key) {
        entry.second = value;
        replaced = true;
      }
    if (!replaced) entries.emplace_back(key, value);
  }
  return string_dict(entries);
}

// The reference's slice: negative indexes count from the end and `j` is inclusive.
std::string slice(const std::string& s, std::int64_t i, std::optional<std::int64_t> j) {
  auto len = static_cast<std::int64_t>(s.size());
  std::int64_t last = j.value_or(len - 1);
  if (i < 0) i += len;
  if (last < 0) last += len;
  if (i < 0 || i >= len || last >= len || i > last) return "";
  return s.substr(static_cast<std::size_t>(i), static_cast<std::size_t>(last - i + 1));
}

std::string format(BuiltinHost& host, const std::string& pattern) {
  std::string out;
  std::size_t at = 0;
  while (at < pattern.size()) {
    std::size_t open = pattern.find('{', at);
    if (open == std::string::npos) break;
    std::size_t close = pattern.find('}', open + 1);
    if (close == std::string::npos) break;
    out += pattern.substr(at, open - at);
    std::string name = pattern.substr(open + 1, close - open - 1);
    auto value = host.lookup(name);
    out += value ? value_to_string(*value) : pattern.substr(open, close - open + 1);
    at = close + 1;
  }
  return out + pattern.substr(std::min(at, pattern.size()));
}

bool truthy(const Value& v) {
  switch (v.type.kind) {
    case Kind::int_:
    case Kind::duration:
      return v.i != 0;
    case Kind::size:
      return v.u != 0;
    case Kind::float_:
      return v.f != 0;
    case Kind::bool_:
      return v.b;
    case Kind::string:
    case Kind::ipaddr:
    case Kind::cidr:
      return !v.s.empty();
    default:
      return !v.items.empty();
  }
}

bool stat_is(const std::string& path, bool dir) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return false;
  return dir ? S_ISDIR(info.st_mode) : S_ISREG(info.st_mode);
}

std::vector<Builtin> make_builtins() {
  std::vector<Builtin> b;
  auto add = [&](std::string name, std::function<std::optional<Type>(const Types&)> match,
                 std::function<Value(BuiltinHost&, Args&)> run) {
    b.push_back(Builtin{std::move(name), std::move(match), std::move(run)});
  };
  auto str_fn = [&](std::string name, std::string (*fn)(const std::string&)) {
    add(std::move(name), fixed({k_string}, k_string),
        [fn](BuiltinHost&, Args& a) { return Value::make_string(fn(a[0].s)); });
  };

  add("env", fixed({}, Type::dict_of(k_string, k_string)), [](BuiltinHost& h, Args&) {
    std::vector<std::pair<std::string, std::string>> entries(h.environment().vars.begin(),
                                                             h.environment().vars.end());
    return string_dict(entries);
  });
  add("env", fixed({k_string}, k_string), [](BuiltinHost& h, Args& a) {
    auto it = h.environment().vars.find(a[0].s);
    return Value::make_string(it == h.environment().vars.end() ? "" : it->second);
  });
  add("env_exists", fixed({k_string}, k_bool),
      [](BuiltinHost& h, Args& a) { return Value::make_bool(h.environment().vars.count(a[0].s) > 0); });
  add("subscribe", fixed({k_string, k_string}, k_bool),
      [](BuiltinHost& h, Args& a) { return Value::make_bool(h.subscription(true, a[0].s, a[1].s)); });
  add("unsubscribe", fixed({k_string, k_string}, k_bool),
      [](BuiltinHost& h, Args& a) { return Value::make_bool(h.subscription(false, a[0].s, a[1].s)); });
  for (const char* level : {"error", "warn", "info", "trace"}) {
    std::string lvl = level;
    add(lvl, fixed({k_string}, k_void), [lvl](BuiltinHost& h, Args& a) {
      h.log(lvl, a[0].s);
      return Value{};
    });
  }
  add(
      "echo",
      [](const Types& args) -> std::optional<Type> {
        for (const auto& t : args)
          if (t.kind == Kind::void_) return std::nullopt;
        return k_void;
      },
      [](BuiltinHost& h, Args& a) {
        std::string line;
        for (std::size_t n = 0; n < a.size(); ++n) line += (n ? " " : "") + value_to_string(a[n]);
        h.log("echo", line);
        return Value{};
      });
  add(
      "$",
      [](const Types& args) -> std::optional<Type> {
        if (args.size() != 1 || args[0].kind == Kind::void_) return std::nullopt;
        return k_string;
      },
      [](BuiltinHost&, Args& a) { return Value::make_string(value_to_string(a[0])); });
  add("int", fixed({k_float}, k_int), [](BuiltinHost&, Args& a) {
    if (!(a[0].f > -9.2e18 && a[0].f < 9.2e18)) throw BuiltinFailure{"float out of range for int"};
    return Value::make_int(static_cast<std::int64_t>(a[0].f));
  });
  add("float", fixed({k_int}, k_float),
      [](BuiltinHost&, Args& a) { return Value::make_float(static_cast<double>(a[0].i)); });
  add(
      "bool",
      [](const Types& args) -> std::optional<Type> {
        if (args.size() != 1 || args[0].kind == Kind::void_ || args[0].kind == Kind::tuple)
          return std::nullopt;
        return k_bool;
      },
      [](BuiltinHost&, Args& a) { return Value::make_bool(truthy(a[0])); });
  add("Duration", fixed({k_string}, k_duration), [](BuiltinHost&, Args& a) {
    auto us = parse_duration(a[0].s);
    if (!us) throw BuiltinFailure{"Invalid duration: '" + a[0].s + "'"};
    return Value::make_duration(*us);
  });
  add("Size", fixed({k_string}, k_size), [](BuiltinHost&, Args& a) {
    auto bytes = parse_size(a[0].s);
    if (!bytes) throw BuiltinFailure{"Invalid size: '" + a[0].s + "'"};
    return Value::make_size(*bytes);
  });
  add("to_usec", fixed({k_duration}, k_int), [](BuiltinHost&, Args& a) { return Value::make_int(a[0].i); });
  add("to_msec", fixed({k_duration}, k_int),
      [](BuiltinHost&, Args& a) { return Value::make_int(a[0].i / 1000); });
  add("to_sec", fixed({k_duration}, k_int),
      [](BuiltinHost&, Args& a) { return Value::make_int(a[0].i / 1'000'000); });
  add(
      "len",
      [](const Types& args) -> std::optional<Type> {
        if (args.size() != 1) return std::nullopt;
        Kind k = args[0].kind;
        if (k == Kind::string || k == Kind::list || k == Kind::dict) return k_int;
        return std::nullopt;
      },
      [](BuiltinHost&, Args& a) {
        if (a[0].type.kind == Kind::string) return Value::make_int(static_cast<std::int64_t>(a[0].s.size()));
        auto n = a[0].items.size();
        return Value::make_int(static_cast<std::int64_t>(a[0].type.kind == Kind::dict ? n / 2 : n));
      });
  add("contains", fixed({k_string, k_string}, k_bool),
      [](BuiltinHost&, Args& a) { return Value::make_bool(a[0].s.find(a[1].s) != std::string::npos); });
  add(
      "contains",
      [](const Types& args) -> std::optional<Type> {
        if (args.size() != 2) return std::nullopt;
        if (args[0].kind == Kind::list && type_fits(args[1], args[0].args[0])) return k_bool;
        if (args[0].kind == Kind::dict && type_fits(args[1], args[0].args[0])) return k_bool;
        return std::nullopt;
      },
      [](BuiltinHost&, Args& a) {
        std::size_t step = a[0].type.kind == Kind::dict ? 2 : 1;
        for (std::size_t n = 0; n < a[0].items.size(); n += step)
          if (values_equal(a[0].items[n], a[1])) return Value::make_bool(true);
        return Value::make_bool(false);
      });
  add("starts_with", fixed({k_string, k_string}, k_bool),
      [](BuiltinHost&, Args& a) { return Value::make_bool(a[0].s.rfind(a[1].s, 0) == 0); });
  add("ends_with", fixed({k_string, k_string}, k_bool), [](BuiltinHost&, Args& a) {
    const auto& s = a[0].s;
    const auto& t = a[1].s;
    return Value::make_bool(s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0);
  });
  add("find", fixed({k_string, k_string}, k_int), [](BuiltinHost&, Args& a) {
    auto at = a[0].s.find(a[1].s);
    return Value::make_int(at == std::string::npos ? -1 : static_cast<std::int64_t>(at));
  });
  add("split", fixed({k_string, k_string}, Type::list_of(k_string)), [](BuiltinHost&, Args& a) {
    std::vector<std::string> parts;
    const auto& s = a[0].s;
    const auto& sep = a[1].s;
    if (sep.empty()) {
      for (char c : s) parts.emplace_back(1, c);
      return Value::make_string_list(parts);
    }
    std::size_t start = 0;
    while (true) {
      auto at = s.find(sep, start);
      parts.push_back(s.substr(start, at - start));
      if (at == std::string::npos) break;
      start = at + sep.size();
    }
    return Value::make_string_list(parts);
  });
  add("join", fixed({Type::list_of(k_string), k_string}, k_string), [](BuiltinHost&, Args& a) {
    std::string out;
    for (std::size_t n = 0; n < a[0].items.size(); ++n) out += (n ? a[1].s : "") + a[0].items[n].s;
    return Value::make_string(out);
  });
  str_fn("strip", [](const std::string& s) { return strip_blanks(s); });
  str_fn("upper", [](const std::string& s) {
    std::string out = s;
    for (auto& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
  });
  str_fn("lower", [](const std::string& s) {
    std::string out = s;
    for (auto& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  });
  add("replace", fixed({k_string, k_string, k_string}, k_string), [](BuiltinHost&, Args& a) {
    std::string s = a[0].s;
    const auto& from = a[1].s;
    if (from.empty()) return Value::make_string(s);
    std::string out;
    std::size_t start = 0;
    while (true) {
      auto at = s.find(from, start);
      out += s.substr(start, at - start);
      if (at == std::string::npos) break;
      out += a[2].s;
      start = at + from.size();
    }
    return Value::make_string(out);
  });
  add("format", fixed({k_string}, k_string),
      [](BuiltinHost& h, Args& a) { return Value::make_string(format(h, a[0].s)); });
  add("slice", fixed({k_string, k_int}, k_string),
      [](BuiltinHost&, Args& a) { return Value::make_string(slice(a[0].s, a[1].i, std::nullopt)); });
  add("slice", fixed({k_string, k_int, k_int}, k_string),
      [](BuiltinHost&, Args& a) { return Value::make_string(slice(a[0].s, a[1].i, a[2].i)); });
  add("read_file", fixed({k_string}, k_string), [](BuiltinHost&, Args& a) {
    if (!stat_is(a[0].s, false)) return Value::make_string("");
    std::FILE* file = std::fopen(a[0].s.c_str(), "rb");
    if (file == nullptr) return Value::make_string("");
    std::string text;
    char buffer[8192];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, got);
    const bool failed = std::ferror(file) != 0;
    std::fclose(file);
    return Value::make_string(failed ? "" : text);
  });
  add("is_file", fixed({k_string}, k_bool),
      [](BuiltinHost&, Args& a) { return Value::make_bool(stat_is(a[0].s, false)); });
  add("is_dir", fixed({k_string}, k_bool),
      [](BuiltinHost&, Args& a) { return Value::make_bool(stat_is(a[0].s, true)); });
  str_fn("base64", [](const std::string& s) { return base64(s); });
  add("mime_to_dict", fixed({k_string}, Type::dict_of(k_string, k_string)),
      [](BuiltinHost&, Args& a) { return mime_to_dict(a[0].s); });
  add("version", fixed({}, k_string),
      [](BuiltinHost& h, Args&) { return Value::make_string(h.environment().version); });
  add("command_name", fixed({}, k_string),
      [](BuiltinHost& h, Args&) { return Value::make_string(h.environment().command_name); });
  add("command_argv", fixed({}, Type::list_of(k_string)),
      [](BuiltinHost& h, Args&) { return Value::make_string_list(h.environment().argv); });
  add("using_tty", fixed({}, k_bool),
      [](BuiltinHost& h, Args&) { return Value::make_bool(h.environment().tty); });
  return b;
}

}  // namespace

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> k_builtins = make_builtins();
  return k_builtins;
}

bool is_builtin_name(const std::string& name) {
  static const std::set<std::string> k_names = [] {
    std::set<std::string> names;
    for (const auto& b : builtins()) names.insert(b.name);
    return names;
  }();
  return k_names.count(name) > 0;
}

}  // namespace chalk::config
