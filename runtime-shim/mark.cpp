#include "runtime-shim/mark.hpp"

#include "runtime-shim/file_text.hpp"

namespace chalk::shim {
namespace {

// nlohmann's parser throws; translating here keeps every caller exception-free.
template <typename Json>
util::Result<Json> parse_object(const std::string& text, const std::string& path) {
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return util::make_error(util::Errc::invalid_format, "reading mark `" + path + "`: not valid JSON");
  }
  if (!value.is_object()) {
    return util::make_error(util::Errc::invalid_format, "reading mark `" + path + "`: not a JSON object");
  }
  return value;
}

template <typename Json>
bool has_magic(const Json& mark) {
  const auto magic = mark.find("MAGIC");
  return magic != mark.end() && magic->is_string() && magic->template get<std::string>() == k_magic;
}

}  // namespace

util::Result<std::optional<nlohmann::json>> read_mark(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) {
    if (text.error().code == util::Errc::not_found) return std::optional<nlohmann::json>();
    return text.error();
  }
  auto mark = parse_object<nlohmann::json>(*text, path);
  if (!mark) return mark.error();
  if (!has_magic(*mark)) return std::optional<nlohmann::json>();
  return std::optional<nlohmann::json>(std::move(mark.value()));
}

util::Result<std::optional<std::string>> child_build_mark(const std::string& text, const std::string& path) {
  auto mark = parse_object<nlohmann::ordered_json>(text, path);
  if (!mark) return mark.error();
  if (!has_magic(*mark)) return std::optional<std::string>();

  nlohmann::ordered_json child = nlohmann::ordered_json::object();
  child["EMBEDDED_CHALK"] = nlohmann::ordered_json::array({*mark});
  if (const auto id = mark->find("METADATA_ID"); id != mark->end()) child["OLD_CHALK_METADATA_ID"] = *id;
  if (const auto hash = mark->find("METADATA_HASH"); hash != mark->end()) {
    child["OLD_CHALK_METADATA_HASH"] = *hash;
  }
  // Replacement keeps invalid UTF-8 from a foreign mark from turning into an exception.
  return std::optional<std::string>(
      child.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
}

util::Result<OnbuildOutcome> rewrite_for_child_build(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) {
    if (text.error().code == util::Errc::not_found) return OnbuildOutcome::unchanged;
    return text.error();
  }
  auto child = child_build_mark(*text, path);
  if (!child) return child.error().with_context("rewriting the mark for a child build");
  if (!child->has_value()) return OnbuildOutcome::unchanged;
  CHALK_TRY(replace_file(path, **child));
  return OnbuildOutcome::rewritten;
}

}  // namespace chalk::shim
