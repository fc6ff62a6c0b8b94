#include "oci/json.hpp"

namespace oci {

Result<Json> parse_json(std::string_view bytes, std::string_view what) {
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
  if (!object.is_object()) return make_error(Errc::invalid_format, std::string(what) + ": expected an object");
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return make_error(Errc::invalid_format, std::string(what) + ": missing string field `" + std::string(key) + "`");
  }
  return it->get<std::string>();
}

}  // namespace oci
