// Cloud Custodian output as `custodian run -s OUT` writes it: `OUT/<policy>/resources.json`,
// `OUT/<region>/<policy>/...` for several regions, `.json.gz` as its S3 output writes, each
// policy directory with a `metadata.json` naming the resource type and the run's start.
// aws.ecs-task, aws.ecs-service and aws.ecs-task-definition records become sightings.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "oci/util/result.hpp"
#include "plugin/deployments/model.hpp"

namespace chalk::deployments {

class CustodianInventory {
 public:
  // Reads every resources file under `root`; a file or record that is not a resource is
  // named in `tally.skipped`. An unreadable `root` is an error.
  util::Status read_tree(const std::filesystem::path& root, Tally& tally);
  // Reads one policy's records (`resources_text`, named `name`); `resource_type` is from the
  // policy's metadata ("" to tell from each record), `region` from the tree ("" from ARNs),
  // `taken_ms` when the run started (0: unknown).
  void read_resources(std::string_view resources_text, const std::string& name,
                      const std::string& resource_type, const std::string& region, std::int64_t taken_ms,
                      Tally& tally);

  // One sighting per (cluster, service or task group, container, digest); task definitions
  // only where a service runs one no task was seen for (evidence by tag).
  std::vector<Sighting> sightings() const;

 private:
  struct Container {
    std::string name;
    std::string image;
    std::string digest;
  };
  struct Task {
    std::string cluster_arn;
    std::string region;
    std::string group;
    std::string status;
    std::string task_definition;
    std::int64_t started_ms = 0;
    std::int64_t taken_ms = 0;
    std::vector<Container> containers;
  };
  struct Service {
    std::string cluster_arn;
    std::string region;
    std::string name;
    std::string task_definition;
    int running = 0;
    int desired = 0;
    std::int64_t taken_ms = 0;
  };

  std::vector<Task> m_tasks;
  std::vector<Service> m_services;
  std::map<std::string, std::vector<Container>> m_task_definitions;  // by ARN
};

}  // namespace chalk::deployments
