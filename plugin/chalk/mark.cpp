#include "plugin/chalk/mark.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "plugin/chalk/ids.hpp"

namespace chalk {

namespace {

oci::Json sort_nested(const oci::Json& value) {
  if (value.is_object()) {
    std::vector<std::string> keys;
    for (const auto& item : value.items()) keys.push_back(item.key());
    std::sort(keys.begin(), keys.end());
    oci::Json sorted = oci::Json::object();
    for (const auto& key : keys) sorted[key] = sort_nested(value.at(key));
    return sorted;
  }
  if (value.is_array()) {
    oci::Json items = oci::Json::array();
    for (const auto& item : value) items.push_back(sort_nested(item));
    return items;
  }
  return value;
}

}  // namespace

oci::Json order_mark(const oci::Json& mark) {
  static constexpr std::array<const char*, 5> k_first = {"MAGIC", "CHALK_ID", "CHALK_VERSION",
                                                         "TIMESTAMP_WHEN_CHALKED", "DATETIME_WHEN_CHALKED"};
  static constexpr std::array<const char*, 2> k_last = {"METADATA_HASH", "METADATA_ID"};
  oci::Json ordered = oci::Json::object();
  for (const char* key : k_first) {
    if (mark.contains(key)) ordered[key] = sort_nested(mark.at(key));
  }
  std::vector<std::string> middle;
  for (const auto& item : mark.items()) {
    const bool placed =
        std::any_of(k_first.begin(), k_first.end(), [&](const char* key) { return item.key() == key; }) ||
        std::any_of(k_last.begin(), k_last.end(), [&](const char* key) { return item.key() == key; });
    if (!placed) middle.push_back(item.key());
  }
  std::sort(middle.begin(), middle.end());
  for (const auto& key : middle) ordered[key] = sort_nested(mark.at(key));
  for (const char* key : k_last) {
    if (mark.contains(key)) ordered[key] = mark.at(key);
  }
  return ordered;
}

oci::Json seal_mark(oci::Json fields) {
  fields["MAGIC"] = k_magic;
  fields["METADATA_ID"] = mark_hashes(fields).metadata_id;
  return order_mark(fields);
}

std::string serialize_mark(const oci::Json& mark) { return oci::dump_json(mark) + "\n"; }

MarkCheck check_mark(const oci::Json& mark) {
  const auto hashes = mark_hashes(mark);
  auto id = mark.find("METADATA_ID");
  if (id == mark.end() || !id->is_string()) return {false, "mark has no METADATA_ID"};
  if (*id != hashes.metadata_id) {
    return {false, "METADATA_ID " + id->get<std::string>() + " does not match the mark's content (" +
                       hashes.metadata_id + ")"};
  }
  if (auto hash = mark.find("METADATA_HASH"); hash != mark.end() && *hash != hashes.metadata_hash) {
    return {false, "METADATA_HASH does not match the mark's content"};
  }
  return {true, {}};
}

std::optional<oci::Json> parse_mark(std::string_view text) {
  auto json = oci::parse_json(text, "chalk mark");
  if (!json || !json->is_object()) return std::nullopt;
  auto magic = json->find("MAGIC");
  if (magic == json->end() || *magic != k_magic) return std::nullopt;
  return std::move(*json);
}

}  // namespace chalk
