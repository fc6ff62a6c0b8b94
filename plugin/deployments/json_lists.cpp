#include "plugin/deployments/json_lists.hpp"

namespace chalk::deployments {

using nlohmann::json;

std::string StreamedList::not_json_cause() const {
  return elements == 0 ? "not JSON" : "not JSON after record " + std::to_string(elements);
}

StreamedList parse_list_streamed(std::string_view text, const char* list_key,
                                 const std::function<void(const json& element)>& each) {
  StreamedList result;
  // nlohmann's callback depth: the top-level value is at 0, its members (or elements) at 1.
  int element_depth = 0;  // where the list's elements are while inside it; 0: not inside
  bool key_names_list = false;
  const auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    using Event = json::parse_event_t;
    if (depth == 0 && event == Event::array_start) {
      result.found_list = true;
      element_depth = 1;
      return true;
    }
    if (depth == 1 && element_depth != 1) {
      // Members of a top-level object: the list is the array under `list_key`.
      if (event == Event::key) {
        key_names_list =
            list_key != nullptr && parsed.is_string() && parsed.get_ref<const std::string&>() == list_key;
      } else if (event == Event::array_start && key_names_list) {
        result.found_list = true;
        element_depth = 2;
      } else if (event == Event::array_end && element_depth == 2) {
        element_depth = 0;
        key_names_list = false;
      }
      return true;
    }
    const bool element_done =
        element_depth != 0 && depth == element_depth &&
        (event == Event::object_end || event == Event::array_end || event == Event::value);
    if (!element_done) return true;
    ++result.elements;
    each(parsed);
    return false;  // not kept in the list
  };
  result.rest = json::parse(text, callback, false);
  return result;
}

}  // namespace chalk::deployments
