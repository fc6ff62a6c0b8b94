#include "plugin/ops/deployments_op.hpp"

#include "plugin/deployments/custodian.hpp"
#include "plugin/deployments/join.hpp"
#include "plugin/deployments/pods.hpp"
#include "plugin/deployments/reports.hpp"
#include "plugin/deployments/s3_reports.hpp"

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

// The sink config to read `uri` with: same bucket, else the first; its uri replaced by `uri`.
util::Result<sinks::S3Requests> s3_requests_for(const std::string& uri,
                                                const std::vector<config::SinkConfig>& sinks) {
  auto wanted = sinks::parse_s3_uri(uri);
  if (!wanted) return wanted.error().with_context("reading `" + uri + "`");
  const config::SinkConfig* chosen = nullptr;
  for (const auto& sink : sinks) {
    auto location = sinks::parse_s3_uri(sink.uri);
    if (chosen == nullptr || (location && location->bucket == wanted->bucket)) chosen = &sink;
  }
  if (chosen == nullptr) {
    return util::make_error(util::Errc::config,
                            "reading `" + uri + "`: no s3 sink in the config to take credentials from");
  }
  config::SinkConfig config = *chosen;
  config.uri = uri;
  auto requests = sinks::S3Requests::make(config);
  if (!requests)
    return requests.error().with_context("reading `" + uri + "` with sink `" + chosen->name + "`");
  return requests;
}

void read_report_path(const std::string& path, const DeploymentsRequest& request, Catalog& catalog,
                      Tally& tally, Progress& progress) {
  const DateRange& dates = request.dates;
  if (path.rfind("s3://", 0) == 0) {
    auto requests = s3_requests_for(path, request.s3_sinks);
    if (!requests || request.transport == nullptr || request.clock == nullptr) {
      tally.skipped.push_back(
          {path, requests ? "no HTTP transport to read it with" : requests.error().message});
      return;
    }
    auto read = read_s3_objects(
        *requests, *request.transport, *request.clock, dates,
        [&](const std::string& name, std::string_view text) {
          progress.add(text.size());
          read_reports(text, name, catalog, tally);
        },
        tally);
    if (!read) tally.skipped.push_back({path, read.error().message});
    return;
  }
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

// The inventory's records are only held until they are grouped into sightings.
std::vector<Sighting> read_custodian(const std::vector<std::string>& directories, Tally& tally) {
  CustodianInventory inventory;
  for (const auto& directory : directories) {
    if (auto read = inventory.read_tree(directory, tally); !read)
      tally.skipped.push_back({directory, read.error().message});
  }
  return inventory.sightings();
}

}  // namespace

DeploymentsOutcome find_deployments(const DeploymentsRequest& request) {
  DeploymentsOutcome outcome;
  Tally tally;
  Progress progress{request.progress};
  for (const auto& path : request.reports) read_report_path(path, request, outcome.catalog, tally, progress);

  std::vector<Sighting> sightings = read_custodian(request.custodian, tally);
  for (const auto& pods : request.pods) read_pod_list(pods, sightings, tally, progress);

  outcome.records = tally.records;
  outcome.skipped = std::move(tally.skipped);
  outcome.result = join(outcome.catalog, std::move(sightings), request.filter);
  return outcome;
}

}  // namespace chalk::ops
