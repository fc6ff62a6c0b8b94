// The values `deployments` joins: marks and the digests that lead to them (from chalk
// reports), containers seen deployed (from Cloud Custodian and Kubernetes), what heartbeats
// prove ran, and the rows the join yields.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace chalk::deployments {

// A chalk mark as reports describe it: which repository and commit an image was built from.
struct Mark {
  std::string chalk_id;
  std::string metadata_id;
  std::string repository;  // ORIGIN_URI
  std::string commit;      // COMMIT_ID
  std::string branch;
  std::string dockerfile_path;
  std::int64_t built_ms = 0;        // TIMESTAMP_WHEN_CHALKED, else the build report's time; 0: unknown
  std::vector<std::string> images;  // names it was built or pushed as ("localhost:5000/app"), sorted
};

// What one report says about a mark: the mark, and the digests that lead to it (kept only in
// the catalog's indexes: a fleet has hundreds of thousands).
struct MarkEntry {
  Mark mark;
  std::vector<std::string> image_ids;  // "sha256:<hex>" (_IMAGE_ID, _CURRENT_HASH of images)
  std::vector<std::string> digests;    // "sha256:<hex>" served by registries (_REPO_DIGESTS, ...)
};

// Adds `value` to the sorted `values` unless it is there. The sets of a mark or a heartbeat
// hold one or two values: a sorted vector is a fraction of a std::set's memory.
template <typename T>
void insert_sorted(std::vector<T>& values, T value) {
  const auto at = std::lower_bound(values.begin(), values.end(), value);
  if (at == values.end() || *at != value) values.insert(at, std::move(value));
}

// One TCP socket row of a heartbeat (REPORTS.md §6): what a container listens on and talks to.
struct Endpoint {
  std::string ip;
  std::string port;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// Every heartbeat of one container host for one mark, folded as it is read.
struct HeartbeatSummary {
  std::string chalk_id;
  std::string metadata_id;
  std::string host;  // _OP_HOSTNAME
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
  // Sorted, each value once (insert_sorted):
  std::vector<std::string> exec_ids;         // one per shim process: how many containers ran
  std::vector<std::string> listening_ports;  // LISTEN rows' local ports
  std::vector<std::string> addresses;        // this host's own IPs seen in its socket rows
  std::vector<Endpoint> connections;         // ESTABLISHED rows' remote ends
};

// What every report read adds up to: marks by METADATA_ID (CHALK_ID when absent) and the
// indexes from digests to them.
class Catalog {
 public:
  // Merges `entry.mark` into the one with the same METADATA_ID (or CHALK_ID): empty fields are
  // filled in, names added, digests indexed. Returns its position in marks().
  std::size_t add(const MarkEntry& entry);
  // Folds one heartbeat into the summary for its (mark, host).
  void add_heartbeat(const HeartbeatSummary& beat);

  std::optional<std::size_t> by_digest(const std::string& digest) const;
  std::optional<std::size_t> by_image_id(const std::string& image_id) const;
  std::optional<std::size_t> by_id(const std::string& metadata_or_chalk_id) const;
  // A familiar tag reference ("localhost:5000/app:1") the mark was built or pushed as.
  std::optional<std::size_t> by_tag(const std::string& reference) const;
  void add_tag(const std::string& reference, std::size_t mark);

  const std::vector<Mark>& marks() const { return m_marks; }
  const std::vector<HeartbeatSummary>& heartbeats() const { return m_heartbeats; }

 private:
  std::vector<Mark> m_marks;
  std::unordered_map<std::string, std::size_t> m_by_id;
  std::unordered_map<std::string, std::size_t> m_by_digest;
  std::unordered_map<std::string, std::size_t> m_by_image_id;
  std::unordered_map<std::string, std::size_t> m_by_tag;
  std::vector<HeartbeatSummary> m_heartbeats;
  std::map<std::pair<std::string, std::string>, std::size_t> m_heartbeat_index;
};

// One deployed container image as a platform reports it: grouped per workload and digest.
struct Sighting {
  std::string platform;  // "ecs" or "kubernetes"
  std::string cluster;
  std::string region;           // ECS: from the ARN or the output tree
  std::string namespace_name;   // Kubernetes namespace
  std::string workload;         // ECS service, "Deployment/backend", ...; a bare task or pod by its own name
  std::string container;        // container name in the task or pod
  std::string image;            // reference as deployed
  std::string digest;           // "sha256:<hex>" the registry served (ECS imageDigest, k8s @sha256:)
  std::string image_id;         // "sha256:<hex>" image ID (k8s docker://sha256:)
  bool tag_only = false;        // an ECS task definition: only the image's tag is known
  std::set<std::string> nodes;  // Kubernetes nodes the pods run on
  int running = 0;
  std::optional<int> desired;
  std::int64_t first_ms = 0;  // earliest start seen; 0: unknown
  std::int64_t last_ms = 0;   // when the inventory was taken; 0: unknown
};

// Bad input that was left out of the join: where it is and why.
struct Skipped {
  std::string where;  // "path:LINE", "path: record 3"
  std::string cause;
};

// "sha256:<64 lowercase hex>" for a digest written with or without its algorithm (reports
// write bare hex, platforms "sha256:..."); "" for anything else.
std::string normalize_digest(std::string_view text);

// What a reader took in and what it left out.
struct Tally {
  std::size_t records = 0;  // reports, resources or pods taken in
  std::vector<Skipped> skipped;
};

// How a row's image was tied to a mark.
enum class Evidence { registry_digest, image_id, tag, heartbeat, untraced };
std::string_view evidence_name(Evidence evidence);

// One row of the answer (field names are the --json schema; see the README).
struct Row {
  std::optional<std::size_t> mark;       // position in Catalog::marks(); none: untraced
  std::optional<std::size_t> heartbeat;  // position in Catalog::heartbeats() for heartbeat rows
  std::string chalk_id;                  // from the heartbeat when the mark is unknown
  std::string platform;                  // "ecs", "kubernetes", "host"
  std::string cluster;
  std::string region;
  std::string namespace_name;
  std::string workload;
  std::string image;
  std::string digest;
  std::string image_id;
  int running = 0;
  std::optional<int> desired;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
  Evidence evidence = Evidence::untraced;
  std::vector<std::string> nodes;            // Kubernetes rows
  std::vector<std::string> listening_ports;  // heartbeat rows
};

// A connection between two chalked containers seen in heartbeats: `from` has an
// ESTABLISHED socket to an address and port `to` listens on.
struct Link {
  std::size_t from;  // positions in Catalog::heartbeats()
  std::size_t to;
  std::string port;
};

struct Deployments {
  std::vector<Row> rows;                    // sorted: repository, commit, platform, cluster, workload
  std::vector<std::size_t> never_deployed;  // marks no platform or heartbeat shows
  std::vector<Link> links;
};

// --repo, --commit, --cluster: empty means any.
struct Filter {
  std::string repository;  // substring of ORIGIN_URI
  std::string commit;      // prefix of COMMIT_ID
  std::string cluster;     // exact cluster name
};

}  // namespace chalk::deployments
