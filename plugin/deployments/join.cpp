#include "plugin/deployments/join.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "oci/reference.hpp"

namespace chalk::deployments {

namespace {

// Moves the sighting's text into the row: the sightings are not needed after the join.
Row row_from(const Catalog& catalog, Sighting&& sighting) {
  Row row;
  row.platform = std::move(sighting.platform);
  row.cluster = std::move(sighting.cluster);
  row.region = std::move(sighting.region);
  row.namespace_name = std::move(sighting.namespace_name);
  row.workload = std::move(sighting.workload);
  row.image = std::move(sighting.image);
  row.digest = std::move(sighting.digest);
  row.image_id = std::move(sighting.image_id);
  row.running = sighting.running;
  row.desired = sighting.desired;
  row.first_ms = sighting.first_ms;
  row.last_ms = sighting.last_ms;
  row.nodes.assign(sighting.nodes.begin(), sighting.nodes.end());
  if (!row.digest.empty()) {
    row.mark = catalog.by_digest(row.digest);
    if (row.mark) row.evidence = Evidence::registry_digest;
  } else if (!row.image_id.empty()) {
    row.mark = catalog.by_image_id(row.image_id);
    if (row.mark) row.evidence = Evidence::image_id;
  } else if (sighting.tag_only) {
    if (auto reference = oci::parse_reference(row.image)) {
      row.mark = catalog.by_tag(reference->full());
      if (row.mark) row.evidence = Evidence::tag;
    }
  }
  return row;
}

Row row_from(const Catalog& catalog, const HeartbeatSummary& beat, std::size_t position) {
  Row row;
  row.heartbeat = position;
  row.platform = "host";
  row.workload = beat.host;
  row.chalk_id = beat.chalk_id;
  row.running = static_cast<int>(std::max<std::size_t>(beat.exec_ids.size(), 1));
  row.first_ms = beat.first_ms;
  row.last_ms = beat.last_ms;
  row.listening_ports.assign(beat.listening_ports.begin(), beat.listening_ports.end());
  row.mark = catalog.by_id(beat.metadata_id.empty() ? beat.chalk_id : beat.metadata_id);
  if (row.mark) row.evidence = Evidence::heartbeat;
  return row;
}

// Moves rows[order[i]] to position i for every i, in place: each cycle of the permutation
// is followed once with one row held aside. `order` is left as the identity.
void put_in_order(std::vector<Row>& rows, std::vector<std::size_t>& order) {
  for (std::size_t start = 0; start < rows.size(); ++start) {
    if (order[start] == start) continue;
    Row held = std::move(rows[start]);
    std::size_t at = start;
    while (order[at] != start) {
      const std::size_t from = order[at];
      rows[at] = std::move(rows[from]);
      order[at] = at;
      at = from;
    }
    rows[at] = std::move(held);
    order[at] = at;
  }
}

bool mark_matches(const Mark& mark, const Filter& filter) {
  if (!filter.repository.empty() && mark.repository.find(filter.repository) == std::string::npos)
    return false;
  if (!filter.commit.empty() && mark.commit.rfind(filter.commit, 0) != 0) return false;
  return true;
}

bool row_matches(const Catalog& catalog, const Row& row, const Filter& filter) {
  if (!filter.cluster.empty() && row.cluster != filter.cluster) return false;
  if (filter.repository.empty() && filter.commit.empty()) return true;
  return row.mark && mark_matches(catalog.marks()[*row.mark], filter);
}

}  // namespace

Deployments join(const Catalog& catalog, std::vector<Sighting> sightings, const Filter& filter) {
  // Rows are made and filtered one at a time, straight into the result: a fleet's rows are
  // the largest thing held at once, so never twice.
  Deployments result;
  std::vector<bool> deployed(catalog.marks().size(), false);
  const auto keep = [&](Row&& row) {
    if (row.mark) deployed[*row.mark] = true;
    if (row_matches(catalog, row, filter)) result.rows.push_back(std::move(row));
  };
  if (filter.repository.empty() && filter.commit.empty() && filter.cluster.empty())
    result.rows.reserve(sightings.size() + catalog.heartbeats().size());
  for (auto& sighting : sightings) keep(row_from(catalog, std::move(sighting)));
  sightings = std::vector<Sighting>();
  for (std::size_t i = 0; i < catalog.heartbeats().size(); ++i)
    keep(row_from(catalog, catalog.heartbeats()[i], i));

  for (std::size_t i = 0; i < deployed.size(); ++i) {
    if (!deployed[i] && mark_matches(catalog.marks()[i], filter)) result.never_deployed.push_back(i);
  }
  const auto sort_key = [&catalog](const Row& row) {
    static const Mark none;
    const Mark& mark = row.mark ? catalog.marks()[*row.mark] : none;
    return std::tie(mark.repository, mark.commit, row.platform, row.cluster, row.namespace_name, row.workload,
                    row.image, row.digest, row.image_id, row.chalk_id);
  };
  // Sorted as positions, then the rows moved into place: std::stable_sort of the rows
  // themselves would take a buffer of half of them.
  std::vector<std::size_t> order(result.rows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Row& first = result.rows[a];
    const Row& second = result.rows[b];
    if (first.mark.has_value() != second.mark.has_value()) return first.mark.has_value();  // untraced last
    return sort_key(first) < sort_key(second);
  });
  put_in_order(result.rows, order);

  // Service map: an ESTABLISHED socket to an address and port another heartbeat host has and
  // listens on is a link between the two containers.
  std::set<std::size_t> shown;
  for (const auto& row : result.rows) {
    if (row.heartbeat) shown.insert(*row.heartbeat);
  }
  std::map<Endpoint, std::size_t> listeners;
  for (const std::size_t i : shown) {
    const auto& beat = catalog.heartbeats()[i];
    for (const auto& address : beat.addresses) {
      for (const auto& port : beat.listening_ports) listeners.emplace(Endpoint{address, port}, i);
    }
  }
  std::set<std::tuple<std::size_t, std::size_t, std::string>> links;
  for (const std::size_t i : shown) {
    for (const auto& connection : catalog.heartbeats()[i].connections) {
      const auto listener = listeners.find(connection);
      if (listener != listeners.end() && listener->second != i)
        links.emplace(i, listener->second, connection.port);
    }
  }
  for (const auto& [from, to, port] : links) result.links.push_back(Link{from, to, port});
  return result;
}

}  // namespace chalk::deployments
