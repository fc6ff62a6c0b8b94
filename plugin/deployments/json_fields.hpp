#pragma once
// Reads of one field of a JSON object from another tool's output (reports, Cloud Custodian,
// kubectl): a field that is missing or of another type reads as empty or zero, because those
// tools leave out optional fields freely and one odd record must not stop the join.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace chalk::deployments {

inline const nlohmann::json& member(const nlohmann::json& object, const char* key) {
  static const nlohmann::json null;
  if (!object.is_object()) return null;
  const auto found = object.find(key);
  return found == object.end() ? null : *found;
}

inline const std::string& text_of(const nlohmann::json& object, const char* key) {
  static const std::string empty;
  const nlohmann::json& value = member(object, key);
  return value.is_string() ? value.get_ref<const std::string&>() : empty;
}

inline std::int64_t integer_of(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = member(object, key);
  return value.is_number_integer() ? value.get<std::int64_t>() : 0;
}

}  // namespace chalk::deployments
