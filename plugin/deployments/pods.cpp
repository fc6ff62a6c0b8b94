#include "plugin/deployments/pods.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "plugin/deployments/json_fields.hpp"
#include "plugin/deployments/json_lists.hpp"
#include "plugin/deployments/time.hpp"

namespace chalk::deployments {

namespace {

using nlohmann::json;

// "Deployment/backend": a ReplicaSet named DEPLOYMENT-HASH (its pod-template-hash) belongs to
// the Deployment; other controllers name themselves; a pod without one is its own workload.
std::string workload_of(const json& metadata) {
  const json& owners = member(metadata, "ownerReferences");
  const json* owner = nullptr;
  if (owners.is_array()) {
    for (const auto& candidate : owners) {
      if (!candidate.is_object()) continue;
      if (owner == nullptr || member(candidate, "controller") == true) owner = &candidate;
    }
  }
  if (owner == nullptr) return "Pod/" + text_of(metadata, "name");
  const std::string kind = text_of(*owner, "kind");
  const std::string owner_name = text_of(*owner, "name");
  const std::string hash = text_of(member(metadata, "labels"), "pod-template-hash");
  if (kind == "ReplicaSet" && !hash.empty() && owner_name.size() > hash.size() + 1 &&
      owner_name.compare(owner_name.size() - hash.size() - 1, std::string::npos, "-" + hash) == 0) {
    return "Deployment/" + owner_name.substr(0, owner_name.size() - hash.size() - 1);
  }
  return kind + "/" + owner_name;
}

struct ImageIdentity {
  std::string digest;
  std::string image_id;
};

ImageIdentity identity_of(std::string image_id) {
  if (image_id.rfind("docker-pullable://", 0) == 0) image_id.erase(0, 18);
  if (image_id.rfind("docker://", 0) == 0) return {"", normalize_digest(image_id.substr(9))};
  if (const std::size_t at = image_id.find("@sha256:"); at != std::string::npos) {
    return {normalize_digest(image_id.substr(at + 1)), ""};
  }
  return {"", normalize_digest(image_id)};
}

}  // namespace

void read_pods(std::string_view text, const std::string& name, const std::string& cluster,
               std::vector<Sighting>& sightings, Tally& tally) {
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>;
  std::map<Key, Sighting> grouped;
  std::size_t number = 0;
  const auto read_pod = [&](const json& pod) {
    ++number;
    const json& metadata = member(pod, "metadata");
    const json& statuses = member(member(pod, "status"), "containerStatuses");
    if (!metadata.is_object() || (!statuses.is_null() && !statuses.is_array())) {
      tally.skipped.push_back({name + ": record " + std::to_string(number), "not a pod"});
      return;
    }
    ++tally.records;
    if (statuses.is_null()) return;  // not scheduled yet: nothing runs
    const std::string namespace_name = text_of(metadata, "namespace");
    const std::string workload = workload_of(metadata);
    const std::string node = text_of(member(pod, "spec"), "nodeName");
    const std::int64_t pod_started =
        parse_iso8601_ms(text_of(member(pod, "status"), "startTime")).value_or(0);
    for (const auto& status : statuses) {
      if (!status.is_object()) continue;
      const ImageIdentity identity = identity_of(text_of(status, "imageID"));
      const std::string container = text_of(status, "name");
      const std::string image = text_of(status, "image");
      auto [found, inserted] = grouped.try_emplace(
          Key{namespace_name, workload, container, image, identity.digest, identity.image_id});
      Sighting& sighting = found->second;
      if (inserted) {
        sighting.platform = "kubernetes";
        sighting.cluster = cluster;
        sighting.namespace_name = namespace_name;
        sighting.workload = workload;
        sighting.container = container;
        sighting.image = image;
        sighting.digest = identity.digest;
        sighting.image_id = identity.image_id;
      }
      const json& running = member(member(status, "state"), "running");
      if (running.is_object()) {
        ++sighting.running;
        if (!node.empty()) sighting.nodes.insert(node);
      }
      std::int64_t started = parse_iso8601_ms(text_of(running, "startedAt")).value_or(0);
      if (started == 0) started = pod_started;
      if (started != 0 && (sighting.first_ms == 0 || started < sighting.first_ms))
        sighting.first_ms = started;
    }
  };
  // A List's pods are taken one at a time as the parser finishes each: a large cluster's list
  // is hundreds of MB of JSON.
  const StreamedList list = parse_list_streamed(text, "items", read_pod);
  if (list.rest.is_discarded()) {
    tally.skipped.push_back({name, list.not_json_cause()});
  } else if (!list.found_list) {
    if (list.rest.is_object() && !list.rest.contains("items")) {
      read_pod(list.rest);  // one pod (`kubectl get pod NAME -o json`)
    } else {
      tally.skipped.push_back({name, "expected a pod List"});
    }
  }
  for (auto& [key, sighting] : grouped) sightings.push_back(std::move(sighting));
}

}  // namespace chalk::deployments
