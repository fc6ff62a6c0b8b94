#include "plugin/config/value.hpp"

#include <cstdint>
#include <cstdio>

namespace chalk::config {

std::string type_name(const Type& type) {
  switch (type.kind) {
    case Kind::void_:
      return "void";
    case Kind::any:
      return "`t";
    case Kind::int_:
      return "int";
    case Kind::float_:
      return "float";
    case Kind::string:
      return "string";
    case Kind::bool_:
      return "bool";
    case Kind::duration:
      return "Duration";
    case Kind::size:
      return "Size";
    case Kind::ipaddr:
      return "IPAddr";
    case Kind::cidr:
      return "CIDR";
    case Kind::list:
      return "list[" + type_name(type.args.at(0)) + "]";
    case Kind::dict:
      return "dict[" + type_name(type.args.at(0)) + ", " + type_name(type.args.at(1)) + "]";
    case Kind::tuple: {
      std::string out = "tuple[";
      for (std::size_t n = 0; n < type.args.size(); ++n) out += (n ? ", " : "") + type_name(type.args[n]);
      return out + "]";
    }
  }
  return "?";
}

bool unify(const Type& a, const Type& b, Type& out) {
  if (a.kind == Kind::any) {
    out = b;
    return true;
  }
  if (b.kind == Kind::any) {
    out = a;
    return true;
  }
  if (a.kind != b.kind || a.args.size() != b.args.size()) return false;
  out = Type{a.kind, {}};
  for (std::size_t n = 0; n < a.args.size(); ++n) {
    Type sub;
    if (!unify(a.args[n], b.args[n], sub)) return false;
    out.args.push_back(std::move(sub));
  }
  return true;
}

bool type_fits(const Type& have, const Type& want) {
  Type ignored;
  return unify(have, want, ignored);
}

bool values_equal(const Value& a, const Value& b) {
  if (a.type.kind != b.type.kind) return false;
  switch (a.type.kind) {
    case Kind::int_:
    case Kind::duration:
      return a.i == b.i;
    case Kind::size:
      return a.u == b.u;
    case Kind::float_:
      return a.f == b.f;
    case Kind::bool_:
      return a.b == b.b;
    case Kind::string:
    case Kind::ipaddr:
    case Kind::cidr:
      return a.s == b.s;
    case Kind::list:
    case Kind::dict:
    case Kind::tuple:
      if (a.items.size() != b.items.size()) return false;
      for (std::size_t n = 0; n < a.items.size(); ++n)
        if (!values_equal(a.items[n], b.items[n])) return false;
      return true;
    case Kind::void_:
    case Kind::any:
      return true;
  }
  return false;
}

int compare_values(const Value& a, const Value& b) {
  auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (a.type.kind) {
    case Kind::int_:
    case Kind::duration:
      return sign(a.i, b.i);
    case Kind::size:
      return sign(a.u, b.u);
    case Kind::float_:
      return sign(a.f, b.f);
    case Kind::bool_:
      return sign(a.b, b.b);
    default:
      return sign(a.s, b.s);
  }
}

namespace {

std::string duration_text(std::int64_t us) {
  if (us == 0) return "0 sec";
  if (us < 0) return us == INT64_MIN ? "-" + duration_text(INT64_MAX) : "-" + duration_text(-us);
  struct Unit {
    std::int64_t size;
    const char* name;
  };
  static const Unit k_units[] = {{86'400'000'000LL, "d"}, {3'600'000'000LL, "hr"}, {60'000'000LL, "min"},
                                 {1'000'000LL, "sec"},    {1'000LL, "msec"},       {1LL, "usec"}};
  std::string out;
  for (const auto& unit : k_units) {
    if (us >= unit.size) {
      if (!out.empty()) out += " ";
      out += std::to_string(us / unit.size) + " " + unit.name;
      us %= unit.size;
    }
  }
  return out;
}

}  // namespace

std::string value_to_string(const Value& value) {
  switch (value.type.kind) {
    case Kind::int_:
      return std::to_string(value.i);
    case Kind::float_: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", value.f);
      std::string text = buf;
      if (text.find_first_of(".eEni") == std::string::npos) text += ".0";
      return text;
    }
    case Kind::bool_:
      return value.b ? "true" : "false";
    case Kind::string:
    case Kind::ipaddr:
    case Kind::cidr:
      return value.s;
    case Kind::duration:
      return duration_text(value.i);
    case Kind::size:
      return std::to_string(value.u) + " bytes";
    case Kind::list:
    case Kind::tuple: {
      std::string out = value.type.kind == Kind::list ? "[" : "(";
      for (std::size_t n = 0; n < value.items.size(); ++n)
        out += (n ? ", " : "") + value_to_string(value.items[n]);
      return out + (value.type.kind == Kind::list ? "]" : ")");
    }
    case Kind::dict: {
      std::string out = "{";
      for (std::size_t n = 0; n + 1 < value.items.size(); n += 2)
        out +=
            (n ? ", " : "") + value_to_string(value.items[n]) + " : " + value_to_string(value.items[n + 1]);
      return out + "}";
    }
    case Kind::void_:
    case Kind::any:
      return "";
  }
  return "";
}

}  // namespace chalk::config
