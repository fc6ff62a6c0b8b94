// Build provenance for a `docker chalk build` mark (REPORTS.md §1, §4): the Dockerfile keys
// and the git keys. Never fails: what cannot be known is omitted.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "oci/json.hpp"
#include "plugin/build/build_args.hpp"

namespace chalk::build {

// DOCKERFILE_PATH (absolute; ":stdin:" when the Dockerfile or the context comes from stdin;
// omitted for a URL context), DOCKER_FILE (raw text; omitted if unreadable, empty or stdin),
// DOCKER_CONTEXT (as given, but a URL without credentials: chalk::redact_url) and DOCKER_LABELS (Dockerfile
// labels of the built stage overlaid by --label values; always present). Relative paths resolve against
// `cwd`, as docker does; a `--build-arg NAME` without a value reads $NAME from `environment` (the
// plugin's), as docker does.
oci::Json dockerfile_fields(const BuildInvocation& invocation, const std::filesystem::path& cwd,
                            const std::map<std::string, std::string>& environment);

// The labels the LABEL instructions of `text` give the image built for stage `target` ("" =
// the last stage), including those of the stages it is built FROM, later values winning. Read
// like BuildKit reads them: `# escape=` directive, line continuations, comments, heredocs,
// quotes, `key=value` pairs and the old `LABEL key value` form. `$X`, `${X}`, `${X:-d}`,
// `${X:+a}` expand from the stage's ENV and ARGs (`build_args` = --build-arg values winning
// over ARG defaults); names the Dockerfile does not set (base image ENV, platform ARGs) stay
// as written.
oci::Json dockerfile_labels(std::string_view text, std::string_view target = {},
                            const std::map<std::string, std::string>& build_args = {});

// How long one git command may run before it is killed and its answer ignored.
inline constexpr std::chrono::milliseconds k_git_timeout{5000};

// The git keys of the repository containing `context_dir` (a relative one is relative to our
// working directory): ORIGIN_URI (without credentials: chalk::redact_url), BRANCH (omitted when detached),
// TAG (the newest tag at HEAD), COMMIT_ID, AUTHOR, COMMITTER, DATE_*, TIMESTAMP_*; from the `git` found on
// `environment`'s PATH, run with only its PATH, HOME and XDG_CONFIG_HOME, each command killed after
// `timeout`. Empty values are omitted; no git, no repository or no commit: {}. Never prints, never fails.
oci::Json git_fields(const std::filesystem::path& context_dir,
                     const std::map<std::string, std::string>& environment,
                     std::chrono::milliseconds timeout = k_git_timeout);

}  // namespace chalk::build
