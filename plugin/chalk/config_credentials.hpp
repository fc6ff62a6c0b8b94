// Credentials a config spells out literally. The chalk layer carries the config's source
// text (CONFIG.md §8.1), so whatever the text holds ends up in every chalked image; values
// read with env() or read_file() at container start do not.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plugin/config/settings.hpp"

namespace chalk {

// Where `source` holds a credential, one description each, never the credential itself:
// string literals that are URLs with user information or credential query parameters, or
// `Bearer`/`Basic` values; and the credentials `settings` (that source evaluated) use (sink
// `uri`/`endpoint` credentials, credential-named `headers`, s3 `secret` and `token`) whose
// text appears in a string literal of the source (values under 4 bytes: a literal exactly
// them). Empty when the config is safe to embed.
std::vector<std::string> literal_credentials(std::string_view source, const config::Settings& settings);

}  // namespace chalk
