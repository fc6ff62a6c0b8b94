// `--html FILE`: one self-contained page (inline CSS and SVG, no scripts, no network):
// repositories -> images -> where they run as a picture, the service map from heartbeats,
// deployed images that trace to no mark, builds never deployed, and every row as a table.
#pragma once

#include <string>

#include "plugin/deployments/model.hpp"

namespace chalk::deployments {

std::string render_html(const Catalog& catalog, const Deployments& deployments);

// Text made safe for HTML element content and attribute values.
std::string escape_html(const std::string& text);

}  // namespace chalk::deployments
