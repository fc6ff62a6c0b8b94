// Types and values of the con4m subset (CONFIG.md §2, §3). Values carry their type so the
// interpreter can resolve overloads at run time exactly as the checker did statically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chalk::config {

enum class Kind { void_, any, int_, float_, string, bool_, duration, size, ipaddr, cidr, list, dict, tuple };

struct Type {
  Kind kind = Kind::void_;
  std::vector<Type> args;  // list: [item]; dict: [key, value]; tuple: items

  static Type of(Kind k) { return Type{k, {}}; }
  static Type list_of(Type item) { return Type{Kind::list, {std::move(item)}}; }
  static Type dict_of(Type key, Type value) { return Type{Kind::dict, {std::move(key), std::move(value)}}; }

  friend bool operator==(const Type&, const Type&) = default;
};

// "int", "list[string]", "dict[string, int]", "tuple[int, string, bool]"
std::string type_name(const Type& type);
// True when a value of `have` may stand where `want` is expected (`any` matches anything,
// so an empty list fits every list type).
bool type_fits(const Type& have, const Type& want);
// Sets `out` to the more specific of two compatible types (`any` yields to the other);
// false when they conflict.
bool unify(const Type& a, const Type& b, Type& out);

// The scalar types, named once for the checker, the builtins and the schema.
inline const Type k_int = Type::of(Kind::int_);
inline const Type k_float = Type::of(Kind::float_);
inline const Type k_string = Type::of(Kind::string);
inline const Type k_bool = Type::of(Kind::bool_);
inline const Type k_duration = Type::of(Kind::duration);
inline const Type k_size = Type::of(Kind::size);
inline const Type k_void = Type::of(Kind::void_);

struct Value {
  Type type;
  std::int64_t i = 0;        // int, Duration (µs)
  std::uint64_t u = 0;       // Size (bytes)
  double f = 0;              // float
  bool b = false;            // bool
  std::string s;             // string, IPAddr, CIDR (normalised text)
  std::vector<Value> items;  // list, tuple; dict as key, value, key, value...

  static Value make_int(std::int64_t v) {
    Value x;
    x.type = Type::of(Kind::int_);
    x.i = v;
    return x;
  }
  static Value make_float(double v) {
    Value x;
    x.type = Type::of(Kind::float_);
    x.f = v;
    return x;
  }
  static Value make_bool(bool v) {
    Value x;
    x.type = Type::of(Kind::bool_);
    x.b = v;
    return x;
  }
  static Value make_string(std::string v) {
    Value x;
    x.type = Type::of(Kind::string);
    x.s = std::move(v);
    return x;
  }
  static Value make_duration(std::int64_t us) {
    Value x;
    x.type = Type::of(Kind::duration);
    x.i = us;
    return x;
  }
  static Value make_size(std::uint64_t bytes) {
    Value x;
    x.type = Type::of(Kind::size);
    x.u = bytes;
    return x;
  }
  static Value make_string_list(const std::vector<std::string>& items) {
    Value x;
    x.type = Type::list_of(Type::of(Kind::string));
    for (const auto& item : items) x.items.push_back(make_string(item));
    return x;
  }
};

bool values_equal(const Value& a, const Value& b);
// Negative, zero or positive, for two values of the same scalar type.
int compare_values(const Value& a, const Value& b);
// What `$()` and echo() print.
std::string value_to_string(const Value& value);

}  // namespace chalk::config
