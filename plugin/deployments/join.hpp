// The join: each sighting to the mark its digest leads to (registry digest, else image ID,
// else, for task definitions, its tag), each heartbeat to its mark by METADATA_ID, then
// the filters; also the builds nothing shows deployed and the links between heartbeats.
#pragma once

#include <vector>

#include "plugin/deployments/model.hpp"

namespace chalk::deployments {

// Takes the sightings (their text moves into the rows).
Deployments join(const Catalog& catalog, std::vector<Sighting> sightings, const Filter& filter);

}  // namespace chalk::deployments
