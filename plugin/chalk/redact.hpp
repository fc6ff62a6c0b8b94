// What counts as a credential in text we show or keep, and taking it out: URLs (user
// information, credential query parameters), `docker build` arguments (build-arg values).
// The one place these rules live: sinks, build provenance, reports and commands call it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chalk {

// What replaces a hidden value, as in `_ENV` (REPORTS.md §4).
inline constexpr std::string_view k_redacted = "<<redact>>";

// True for names of query parameters, headers and settings that carry credentials,
// case-insensitively: `Authorization`, `Cookie`, `sig`, and any name containing token,
// secret, passw, pwd, key, auth, signature, credential or session.
bool is_credential_name(std::string_view name);

// The credentials `url` spells out: the password of its user information (or, without one,
// the user name, which HTTP services take as a token; an ssh user name only names an account)
// and the values of its credential query (and fragment) parameters. Empty for text without
// `scheme://`.
std::vector<std::string> url_credentials(std::string_view url);

// `url` safe to show or keep: user information goes (`https://u:pw@h/x` -> `https://h/x`),
// except an ssh user name (`ssh://git:pw@h/x` -> `ssh://git@h/x`); credential query
// parameters go, the others stay (in the fragment too, where OAuth puts tokens). Text
// without `scheme://` (scp-like `git@h:x`, paths) is returned unchanged.
std::string redact_url(std::string_view url);

// A command line safe to report as `_OP_ARGV`: the value of each `--build-arg NAME=VALUE`
// and `--build-arg=NAME=VALUE` becomes <<redact>> (a bare `--build-arg NAME`, read from the
// environment, stays); the URL in any other word (`--config=https://…`) goes through
// redact_url. `--secret`
// specs stay as typed: they say where a secret is (id, src, env), never what it is.
std::vector<std::string> redact_argv(const std::vector<std::string>& argv);

}  // namespace chalk
