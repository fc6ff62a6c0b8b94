#include "plugin/chalk/wrap.hpp"

#include <algorithm>

namespace chalk {

namespace {

constexpr const char* k_onbuild_run = R"(RUN ["/chalk","onbuild"])";

bool is_blank(const oci::Json& value) {
  if (!value.is_string()) return true;
  const auto& text = value.get_ref<const std::string&>();
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

bool is_empty_list(const oci::Json& value) {
  if (value.is_null()) return true;
  if (!value.is_array() || value.empty()) return true;
  return value.size() == 1 && value[0].is_string() && value[0].get_ref<const std::string&>().empty();
}

oci::Json field(const oci::Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? oci::Json(nullptr) : *it;
}

}  // namespace

WrapPlan plan_wrap(const oci::Json& container_config) {
  const oci::Json entrypoint = field(container_config, "Entrypoint");
  const oci::Json cmd = field(container_config, "Cmd");
  WrapPlan plan;
  if (entrypoint.is_array() && entrypoint.size() >= 2 && entrypoint[0] == k_shim_path &&
      entrypoint[1] == "exec") {
    plan.wrapped = true;  // already ours: one shim, never two
    return plan;
  }
  if (is_empty_list(entrypoint)) {
    if (is_empty_list(cmd)) {
      plan.warning = "cannot wrap: no ENTRYPOINT or CMD";
      return plan;
    }
    plan.wrapped = true;
    plan.entrypoint = oci::Json::array({k_shim_path, "exec", "--"});
    return plan;
  }
  if (is_blank(entrypoint[0])) {
    plan.warning = "cannot wrap: the ENTRYPOINT's program is blank";
    return plan;
  }
  oci::Json wrapped = oci::Json::array({k_shim_path, "exec", "--exec-command-name", entrypoint[0], "--"});
  for (std::size_t i = 1; i < entrypoint.size(); ++i) wrapped.push_back(entrypoint[i]);
  plan.wrapped = true;
  plan.entrypoint = std::move(wrapped);
  return plan;
}

std::optional<oci::Json> plan_on_build(const oci::Json& container_config) {
  oci::Json on_build = field(container_config, "OnBuild");
  if (!on_build.is_array()) on_build = oci::Json::array();
  if (std::find(on_build.begin(), on_build.end(), oci::Json(k_onbuild_run)) != on_build.end())
    return std::nullopt;
  const oci::Json user = field(container_config, "User");
  const std::string user_text = user.is_string() ? user.get<std::string>() : "";
  const bool root = user_text.empty() || user_text == "root" || user_text == "0" || user_text == "0:0";
  if (!root) on_build.push_back("USER 0:0");
  on_build.push_back(k_onbuild_run);
  if (!root) on_build.push_back("USER " + user_text);
  return on_build;
}

}  // namespace chalk
