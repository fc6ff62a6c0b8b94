// Docker CLI hooks (CLI 26+): after a command the user enabled for us in config.json
// (`"features":{"hooks":"true"}`, `"plugins":{"chalk":{"hooks":"push,image push,build,buildx build"}}`),
// the CLI runs `docker-chalk chalk docker-cli-plugin-hooks JSON` and prints the template we
// answer, on a terminal only. The CLI passes the command and its flag names, never its
// arguments, and gives a hook no way to act: so the answer is the next step to take, with
// the image name filled in by the CLI's own template functions.
#pragma once

#include <string>
#include <string_view>

namespace chalk::cli {

inline constexpr const char* k_hook_subcommand = "docker-cli-plugin-hooks";

// The hook answer ({"Type":0,"Template":...}) for the CLI's hook data
// ({"RootCmd":"push","Flags":{...},"CommandError":""}); "" when there is nothing to say.
std::string hook_answer(std::string_view hook_data);

}  // namespace chalk::cli
