#include "plugin/ops/deployments_op.hpp"

#include "plugin/deployments/custodian.hpp"
#include "plugin/deployments/join.hpp"
#include "plugin/deployments/pods.hpp"
#include "plugin/deployments/reports.hpp"

namespace chalk::ops {

namespace fs = std::filesystem;
using namespace chalk::deployments;

namespace {

// Counts bytes read for the progress callback.
struct Progress {
  const oci::ProgressFn& report;
  std::uint64_t bytes = 0;
  void add(std::size_t size) {
    bytes += size;
    if (report) report(bytes);
  }
};

void read_report_path(const std::string& path, const DateRange& dates, Catalog& catalog, Tally& tally,
                      Progress& progress) {
  auto files = list_files(path, dates);
  if (!files) {
    tally.skipped.push_back({path, files.error().message});
    return;
  }
  for (const auto& file : *files) {
    auto text = read_text(file);
    if (!text) {
      tally.skipped.push_back({file.string(), text.error().message});
      continue;
    }
    progress.add(text->size());
    read_reports(*text, file.string(), catalog, tally);
  }
}

void read_pod_list(const std::string& argument, std::vector<Sighting>& sightings, Tally& tally,
                   Progress& progress) {
  std::string cluster;
  std::string path = argument;
  // CLUSTER=FILE names the cluster; a path that exists as written wins over the split.
  std::error_code error;
  if (const std::size_t equals = argument.find('=');
      equals != std::string::npos && !fs::exists(argument, error)) {
    cluster = argument.substr(0, equals);
    path = argument.substr(equals + 1);
  }
  if (cluster.empty()) cluster = fs::path(path).stem().string();
  auto text = read_text(path);
  if (!text) {
    tally.skipped.push_back({path, text.error().message});
    return;
  }
  progress.add(text->size());
  read_pods(*text, path, cluster, sightings, tally);
}

}  // namespace

oci::Result<DeploymentsOutcome> find_deployments(const DeploymentsRequest& request) {
  DeploymentsOutcome outcome;
  Tally tally;
  Progress progress{request.progress};
  for (const auto& path : request.reports)
    read_report_path(path, request.dates, outcome.catalog, tally, progress);

  CustodianInventory inventory;
  for (const auto& directory : request.custodian) {
    if (auto read = inventory.read_tree(directory, tally); !read)
      tally.skipped.push_back({directory, read.error().message});
  }
  std::vector<Sighting> sightings = inventory.sightings();
  for (const auto& pods : request.pods) read_pod_list(pods, sightings, tally, progress);

  outcome.records = tally.records;
  outcome.skipped = std::move(tally.skipped);
  if (outcome.records == 0) {
    return oci::make_error(oci::Errc::invalid_format, "finding deployments: nothing could be read (" +
                                                          std::to_string(outcome.skipped.size()) +
                                                          " input(s) skipped)");
  }
  outcome.result = join(outcome.catalog, sightings, request.filter);
  return outcome;
}

}  // namespace chalk::ops
