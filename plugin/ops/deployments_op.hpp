// `deployments`: which repository and commit runs where. Reads chalk reports, Cloud
// Custodian output and kubectl pod lists, joins them (plugin/deployments/) and returns the
// rows; bad records are returned as skipped, never printed.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "oci/formats.hpp"
#include "oci/util/result.hpp"
#include "plugin/config/settings.hpp"
#include "plugin/deployments/files.hpp"
#include "plugin/deployments/model.hpp"
#include "plugin/sinks/effects.hpp"

namespace chalk::ops {

struct DeploymentsRequest {
  std::vector<std::string> reports;    // files or directories of reports, or s3://BUCKET/PREFIX
  std::vector<std::string> custodian;  // `custodian run -s` output directories
  std::vector<std::string> pods;  // `[CLUSTER=]FILE`: kubectl pod lists; cluster defaults to the file's stem
  deployments::DateRange dates;   // `dt=` partitions to read
  deployments::Filter filter;
  oci::ProgressFn progress;  // bytes read so far; may be empty
  // For s3:// reports: the config's s3 sinks give credentials, region and endpoint (the one
  // whose bucket matches, else the first), and requests are signed as the sink signs them.
  std::vector<config::SinkConfig> s3_sinks;
  sinks::HttpTransport* transport = nullptr;
  sinks::Clock* clock = nullptr;
};

struct DeploymentsOutcome {
  deployments::Catalog catalog;
  deployments::Deployments result;
  std::size_t records = 0;                    // reports, resources and pods taken in
  std::vector<deployments::Skipped> skipped;  // bad input left out
};

// Reads every input and joins. An input that cannot be read is skipped like a bad record;
// `records` 0 means nothing at all could be read (the command's error, after its warnings).
DeploymentsOutcome find_deployments(const DeploymentsRequest& request);

}  // namespace chalk::ops
