#include "oci/json.hpp"

namespace oci {

namespace {

// The deepest nesting of arrays and objects in `bytes`, stopping early past `limit`:
// a linear scan that never recurses, run before the (recursive) parser and value copies.
std::size_t nesting_depth(std::string_view bytes, std::size_t limit) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : bytes) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

const char* type_name(JsonType type) {
  switch (type) {
    case JsonType::object:
      return "an object";
    case JsonType::array:
      return "an array";
    case JsonType::string:
      return "a string";
    case JsonType::unsigned_integer:
      return "a non-negative integer";
    case JsonType::boolean:
      return "a boolean";
  }
  return "a value";
}

bool has_type(const Json& value, JsonType type) {
  switch (type) {
    case JsonType::object:
      return value.is_object();
    case JsonType::array:
      return value.is_array();
    case JsonType::string:
      return value.is_string();
    case JsonType::unsigned_integer:
      return value.is_number_unsigned();
    case JsonType::boolean:
      return value.is_boolean();
  }
  return false;
}

}  // namespace

Result<Json> parse_json(std::string_view bytes, std::string_view what) {
  if (nesting_depth(bytes, k_max_json_depth) > k_max_json_depth) {
    return make_error(Errc::invalid_format, std::string(what) + ": nested more than " +
                                                std::to_string(k_max_json_depth) + " levels deep");
  }
  try {
    return Json::parse(bytes);
  } catch (const nlohmann::json::exception& error) {
    std::string cause = error.what();
    if (auto bracket = cause.find("] "); bracket != std::string::npos) cause = cause.substr(bracket + 2);
    return make_error(Errc::invalid_format, std::string(what) + ": not valid JSON: " + cause);
  }
}

std::string dump_json(const Json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> string_field(const Json& object, std::string_view key, std::string_view what) {
  if (!object.is_object())
    return make_error(Errc::invalid_format, std::string(what) + ": expected an object");
  const auto it = object.find(key);
  if (it == object.end()) {
    return make_error(Errc::invalid_format,
                      std::string(what) + ": missing string field `" + std::string(key) + "`");
  }
  if (!it->is_string()) return json_type_error(what, key, JsonType::string);
  return it->get<std::string>();
}

Error json_type_error(std::string_view what, std::string_view field, JsonType expected) {
  return make_error(Errc::invalid_format,
                    std::string(what) + ": " + std::string(field) + ": expected " + type_name(expected));
}

Status expect_type(const Json& value, JsonType type, std::string_view what, std::string_view field) {
  if (!has_type(value, type)) return json_type_error(what, field, type);
  return {};
}

Result<const Json*> optional_member(const Json& object, std::string_view key, JsonType type,
                                    std::string_view what, std::string_view field) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (!has_type(*it, type)) return json_type_error(what, field, type);
  return &*it;
}

Status expect_elements(const Json& value, JsonType element, std::string_view what, std::string_view field) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!has_type(value[i], element)) {
      return json_type_error(what, std::string(field) + "[" + std::to_string(i) + "]", element);
    }
  }
  return {};
}

Status expect_members(const Json& value, JsonType member, std::string_view what, std::string_view field) {
  for (const auto& item : value.items()) {
    if (!has_type(item.value(), member))
      return json_type_error(what, std::string(field) + "." + item.key(), member);
  }
  return {};
}

}  // namespace oci
