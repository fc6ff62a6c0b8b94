// JSON as images store it. ordered_json keeps member order, so a document we change
// and re-serialise differs from the original only where we changed it; documents we do
// not change are never re-serialised (their raw bytes travel instead).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "oci/result.hpp"

namespace oci {

using Json = nlohmann::ordered_json;

// Parses `bytes`; `what` names the document in the error ("manifest.json in `a.tar`").
Result<Json> parse_json(std::string_view bytes, std::string_view what);
// Compact serialisation, as Docker and OCI tools write it.
std::string dump_json(const Json& value);

// Typed field access with errors naming the document and the field.
Result<std::string> string_field(const Json& object, std::string_view key, std::string_view what);

}  // namespace oci
