// JSON as images store it. ordered_json keeps member order, so a document we change
// and re-serialise differs from the original only where we changed it; documents we do
// not change are never re-serialised (their raw bytes travel instead).
//
// Every document comes from an input we do not trust: parse_json refuses nesting deeper
// than k_max_json_depth before the parser sees it (a value nested 100,000 deep would
// overflow the stack when copied or compared), and fields are read through the typed
// accessors below, whose errors read "WHAT: FIELD: expected TYPE".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "oci/result.hpp"

namespace oci {

using Json = nlohmann::ordered_json;

// Far deeper than any manifest, index, config or chalk mark (they nest fewer than 10
// levels), far shallower than what recursion over a value can survive.
inline constexpr std::size_t k_max_json_depth = 64;

// Parses `bytes`; `what` names the document in the error ("manifest.json in `a.tar`").
Result<Json> parse_json(std::string_view bytes, std::string_view what);
// Compact serialisation, as Docker and OCI tools write it.
std::string dump_json(const Json& value);

// Typed field access with errors naming the document and the field.
Result<std::string> string_field(const Json& object, std::string_view key, std::string_view what);

enum class JsonType { object, array, string, unsigned_integer, boolean };

// "WHAT: FIELD: expected TYPE" (an invalid_format error).
Error json_type_error(std::string_view what, std::string_view field, JsonType expected);
// Checks `value` is of `type`.
Status expect_type(const Json& value, JsonType type, std::string_view what, std::string_view field);
// The member `key` of `object` checked to be of `type`; nullptr when it is absent or null
// (Go's encoder writes null for empty slices and maps, so null means "none").
Result<const Json*> optional_member(const Json& object, std::string_view key, JsonType type,
                                    std::string_view what, std::string_view field);
// Checks every element of the array `value` is of `element` ("FIELD[i]: expected TYPE").
Status expect_elements(const Json& value, JsonType element, std::string_view what, std::string_view field);
// Checks every member of the object `value` is of `member` ("FIELD.KEY: expected TYPE").
Status expect_members(const Json& value, JsonType member, std::string_view what, std::string_view field);

}  // namespace oci
