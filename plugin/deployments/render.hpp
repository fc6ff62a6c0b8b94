// The answer on a terminal (a table) and for programs (`--json`: a JSON array, one row object
// per line, field names documented in the README and stable).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "plugin/deployments/model.hpp"

namespace chalk::deployments {

// One object with the documented fields; unknown values are null.
nlohmann::ordered_json row_json(const Catalog& catalog, const Row& row);

// "[\n{row},\n{row}\n]\n"; "[]\n" when there are no rows. Written a row at a time: a fleet's
// answer is tens of MB, never held whole.
void write_json(std::ostream& out, const Catalog& catalog, const Deployments& deployments);
// The same as a string.
std::string render_json(const Catalog& catalog, const Deployments& deployments);

// Columns REPOSITORY COMMIT IMAGE DIGEST WHERE WORKLOAD RUNNING FIRST SEEN LAST SEEN EVIDENCE,
// then a line counting the builds never deployed.
std::string render_table(const Catalog& catalog, const Deployments& deployments);

// "sha256:89835d866c61" (12 hex), as docker shortens IDs.
std::string short_digest(const std::string& digest);
// Where a row runs: "ecs:production (us-east-1)", "kubernetes:prod", "host".
std::string where_of(const Row& row);
// What runs: an ECS service, "NAMESPACE/Kind/name", a host name.
std::string workload_of(const Row& row);

}  // namespace chalk::deployments
