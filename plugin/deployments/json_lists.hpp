// Large JSON lists (a Cloud Custodian resources array, a kubectl pod List) parsed one element
// at a time: each element is handed over as soon as the parser finishes it and then dropped,
// so the list is never a document in memory (nlohmann::json costs about 10x the text).
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace chalk::deployments {

struct StreamedList {
  nlohmann::json rest;       // the document without the list's elements; discarded: not JSON
  bool found_list = false;   // the top level was an array, or an object with `list_key` an array
  std::size_t elements = 0;  // elements handed over (before any syntax error)

  // Why `rest` is discarded: "not JSON", or "not JSON after record N" when N elements were
  // whole before the error (and were taken).
  [[nodiscard]] std::string not_json_cause() const;
};

// Parses `text`; each element of the top-level array, or of the array under `list_key` of a
// top-level object (`list_key` may be null), goes to `each` as soon as it is parsed.
StreamedList parse_list_streamed(std::string_view text, const char* list_key,
                                 const std::function<void(const nlohmann::json& element)>& each);

}  // namespace chalk::deployments
