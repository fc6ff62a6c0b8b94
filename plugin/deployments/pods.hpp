// Kubernetes pods as `kubectl get pods -A -o json` lists them: each container's image ID
// (`docker-pullable://…@sha256:` or `…@sha256:` is the registry digest; `docker://sha256:`
// is an image ID), namespace, owning workload (Deployment via its ReplicaSet, StatefulSet,
// DaemonSet, Job; a bare pod by name) and node.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plugin/deployments/model.hpp"

namespace chalk::deployments {

// Adds one sighting per (namespace, workload, container, image) of `text` (the contents of
// `name`, a pod List, an array of pods or one pod) seen in `cluster`. Records that are not
// pods are named in `tally.skipped`.
void read_pods(std::string_view text, const std::string& name, const std::string& cluster,
               std::vector<Sighting>& sightings, Tally& tally);

}  // namespace chalk::deployments
