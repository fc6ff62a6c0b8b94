#include "plugin/deployments/render.hpp"

#include <algorithm>
#include <array>
#include <sstream>

#include "plugin/deployments/time.hpp"

namespace chalk::deployments {

using nlohmann::ordered_json;

namespace {

ordered_json text_or_null(const std::string& text) {
  return text.empty() ? ordered_json() : ordered_json(text);
}

ordered_json time_or_null(std::int64_t ms) {
  return ms == 0 ? ordered_json() : ordered_json(format_utc_ms(ms));
}

// "2023-09-18 16:43Z": minutes are what a reader of the table compares.
std::string table_time(std::int64_t ms) {
  if (ms == 0) return "-";
  std::string text = format_utc_ms(ms);
  return text.substr(0, 10) + " " + text.substr(11, 5) + "Z";
}

std::string dash_if_empty(const std::string& text) { return text.empty() ? "-" : text; }

}  // namespace

std::string short_digest(const std::string& digest) {
  if (digest.size() < 7 + 12) return digest;
  return digest.substr(0, 7 + 12);
}

std::string where_of(const Row& row) {
  std::string where = row.platform;
  if (!row.cluster.empty()) where += ":" + row.cluster;
  if (!row.region.empty()) where += " (" + row.region + ")";
  return where;
}

std::string workload_of(const Row& row) {
  return row.namespace_name.empty() ? row.workload : row.namespace_name + "/" + row.workload;
}

ordered_json row_json(const Catalog& catalog, const Row& row) {
  static const Mark none;
  const Mark& mark = row.mark ? catalog.marks()[*row.mark] : none;
  ordered_json object;
  object["repository"] = text_or_null(mark.repository);
  object["commit"] = text_or_null(mark.commit);
  object["branch"] = text_or_null(mark.branch);
  object["chalk_id"] = text_or_null(row.mark ? mark.chalk_id : row.chalk_id);
  object["metadata_id"] = text_or_null(mark.metadata_id);
  object["built"] = time_or_null(mark.built_ms);
  object["dockerfile_path"] = text_or_null(mark.dockerfile_path);
  object["platform"] = row.platform;
  object["cluster"] = text_or_null(row.cluster);
  object["region"] = text_or_null(row.region);
  object["namespace"] = text_or_null(row.namespace_name);
  object["workload"] = text_or_null(row.workload);
  object["image"] = text_or_null(row.image);
  object["image_digest"] = text_or_null(row.digest);
  object["image_id"] = text_or_null(row.image_id);
  object["running"] = row.running;
  object["desired"] = row.desired ? ordered_json(*row.desired) : ordered_json();
  object["first_seen"] = time_or_null(row.first_ms);
  object["last_seen"] = time_or_null(row.last_ms);
  object["evidence"] = std::string(evidence_name(row.evidence));
  object["nodes"] = row.nodes;
  object["listening_ports"] = row.listening_ports;
  return object;
}

void write_json(std::ostream& out, const Catalog& catalog, const Deployments& deployments) {
  if (deployments.rows.empty()) {
    out << "[]\n";
    return;
  }
  out << "[\n";
  for (std::size_t i = 0; i < deployments.rows.size(); ++i) {
    out << row_json(catalog, deployments.rows[i]).dump() << (i + 1 < deployments.rows.size() ? ",\n" : "\n");
  }
  out << "]\n";
}

std::string render_json(const Catalog& catalog, const Deployments& deployments) {
  std::ostringstream out;
  write_json(out, catalog, deployments);
  return std::move(out).str();
}

std::string render_table(const Catalog& catalog, const Deployments& deployments) {
  constexpr std::size_t k_columns = 10;
  using Line = std::array<std::string, k_columns>;
  std::vector<Line> lines;
  lines.push_back({"REPOSITORY", "COMMIT", "IMAGE", "DIGEST", "WHERE", "WORKLOAD", "RUNNING", "FIRST SEEN",
                   "LAST SEEN", "EVIDENCE"});
  for (const auto& row : deployments.rows) {
    static const Mark none;
    const Mark& mark = row.mark ? catalog.marks()[*row.mark] : none;
    std::string running = std::to_string(row.running);
    if (row.desired) running += "/" + std::to_string(*row.desired);
    const std::string& digest = row.digest.empty() ? row.image_id : row.digest;
    lines.push_back({dash_if_empty(mark.repository), dash_if_empty(mark.commit.substr(0, 12)),
                     dash_if_empty(row.image), dash_if_empty(short_digest(digest)), where_of(row),
                     dash_if_empty(workload_of(row)), running, table_time(row.first_ms),
                     table_time(row.last_ms), std::string(evidence_name(row.evidence))});
  }
  std::array<std::size_t, k_columns> widths{};
  for (const auto& line : lines) {
    for (std::size_t i = 0; i < k_columns; ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  std::string out;
  for (const auto& line : lines) {
    std::string text;
    for (std::size_t i = 0; i < k_columns; ++i) {
      text += line[i];
      if (i + 1 < k_columns) text += std::string(widths[i] - line[i].size() + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  if (!deployments.never_deployed.empty()) {
    out += "\n" + std::to_string(deployments.never_deployed.size()) + " build(s) never seen deployed:";
    for (const std::size_t i : deployments.never_deployed) {
      const Mark& mark = catalog.marks()[i];
      out += "\n  " + dash_if_empty(mark.repository) + " " + dash_if_empty(mark.commit.substr(0, 12)) + " " +
             mark.metadata_id;
    }
    out += "\n";
  }
  return out;
}

}  // namespace chalk::deployments
