#include "plugin/deployments/html.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "plugin/deployments/render.hpp"
#include "plugin/deployments/time.hpp"

namespace chalk::deployments {

namespace {

constexpr int k_box_width = 300;
constexpr int k_box_height = 40;
constexpr int k_row_pitch = 52;
constexpr int k_column_pitch = 400;
constexpr int k_margin = 20;

const Mark& mark_of(const Catalog& catalog, const Row& row) {
  static const Mark none;
  return row.mark ? catalog.marks()[*row.mark] : none;
}

std::string short_commit(const std::string& commit) {
  return commit.empty() ? "no commit" : commit.substr(0, 12);
}

// A labelled box: `kind` is its CSS class, `title` its tooltip.
std::string box(const std::string& kind, int x, int y, const std::string& line1, const std::string& line2,
                const std::string& title) {
  std::string out = "<g class=\"node " + kind + "\"><title>" + escape_html(title) + "</title>";
  out += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
         std::to_string(k_box_width) + "\" height=\"" + std::to_string(k_box_height) + "\" rx=\"6\"/>";
  out += "<text x=\"" + std::to_string(x + 8) + "\" y=\"" + std::to_string(y + 16) + "\">" +
         escape_html(line1) + "</text>";
  out += "<text class=\"sub\" x=\"" + std::to_string(x + 8) + "\" y=\"" + std::to_string(y + 32) + "\">" +
         escape_html(line2) + "</text></g>\n";
  return out;
}

std::string edge(const std::string& kind, int x1, int y1, int x2, int y2) {
  const int middle = (x1 + x2) / 2;
  return "<path class=\"edge " + kind + "\" d=\"M" + std::to_string(x1) + " " + std::to_string(y1) + " C" +
         std::to_string(middle) + " " + std::to_string(y1) + " " + std::to_string(middle) + " " +
         std::to_string(y2) + " " + std::to_string(x2) + " " + std::to_string(y2) + "\"/>\n";
}

// Column positions in first-seen order.
struct Column {
  std::map<std::string, int> index;
  std::vector<std::pair<std::string, std::string>> labels;  // two lines
  std::vector<std::string> titles;
  int add(const std::string& key, const std::string& line1, const std::string& line2,
          const std::string& title) {
    const auto [found, inserted] = index.try_emplace(key, static_cast<int>(labels.size()));
    if (inserted) {
      labels.emplace_back(line1, line2);
      titles.push_back(title);
    }
    return found->second;
  }
};

int box_y(int position) { return k_margin + 24 + position * k_row_pitch; }

std::string lineage_svg(const Catalog& catalog, const Deployments& deployments) {
  Column repositories;
  Column images;
  Column places;
  std::set<std::tuple<int, int, std::string>> repo_edges;
  std::set<std::tuple<int, int, std::string>> place_edges;
  for (const auto& row : deployments.rows) {
    const Mark& mark = mark_of(catalog, row);
    const std::string repo =
        row.mark ? (mark.repository.empty() ? "(no repository)" : mark.repository) : "untraced";
    const int r = repositories.add(repo, repo, row.mark ? "" : "no chalk mark", repo);
    const std::string digest = row.digest.empty() ? row.image_id : row.digest;
    const std::string image_key =
        row.mark ? "mark:" + std::to_string(*row.mark) : "image:" + row.image + digest;
    const std::string image_name =
        row.mark ? (mark.images.empty() ? mark.metadata_id : *mark.images.begin()) : row.image;
    const int i =
        images.add(image_key, image_name.empty() ? "(unnamed image)" : image_name,
                   row.mark ? short_commit(mark.commit) + " " + mark.metadata_id : short_digest(digest),
                   image_name + " " + digest);
    const std::string place = where_of(row) + " " + workload_of(row);
    const int p = places.add(place, where_of(row),
                             workload_of(row) + " - " + std::to_string(row.running) + " running", place);
    repo_edges.emplace(r, i, row.mark ? "traced" : "untraced");
    place_edges.emplace(i, p, "evidence-" + std::string(evidence_name(row.evidence)));
  }
  const int count = static_cast<int>(
      std::max({repositories.labels.size(), images.labels.size(), places.labels.size(), std::size_t{1}}));
  const int width = 2 * k_margin + 2 * k_column_pitch + k_box_width;
  const int height = box_y(count) + k_margin;
  std::string out = "<svg id=\"lineage\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
                    std::to_string(width) + " " + std::to_string(height) +
                    "\" role=\"img\" aria-label=\"repositories, images and where they run\">\n";
  const char* headings[] = {"Repositories", "Images (commit, mark)", "Clusters and services"};
  for (int c = 0; c < 3; ++c) {
    out += "<text class=\"heading\" x=\"" + std::to_string(k_margin + c * k_column_pitch) + "\" y=\"" +
           std::to_string(k_margin + 8) + "\">" + headings[c] + "</text>\n";
  }
  const int half = k_box_height / 2;
  for (const auto& [from, to, kind] : repo_edges) {
    out +=
        edge(kind, k_margin + k_box_width, box_y(from) + half, k_margin + k_column_pitch, box_y(to) + half);
  }
  for (const auto& [from, to, kind] : place_edges) {
    out += edge(kind, k_margin + k_column_pitch + k_box_width, box_y(from) + half,
                k_margin + 2 * k_column_pitch, box_y(to) + half);
  }
  const auto draw = [&](const Column& column, int x, const std::string& kind) {
    for (std::size_t n = 0; n < column.labels.size(); ++n) {
      out += box(kind, x, box_y(static_cast<int>(n)), column.labels[n].first, column.labels[n].second,
                 column.titles[n]);
    }
  };
  draw(repositories, k_margin, "repository");
  draw(images, k_margin + k_column_pitch, "image");
  draw(places, k_margin + 2 * k_column_pitch, "deployment");
  out += "</svg>\n";
  return out;
}

// Heartbeat hosts on a circle, an arrow from each client to the server it connects to.
std::string service_map_svg(const Catalog& catalog, const Deployments& deployments) {
  std::vector<std::size_t> hosts;
  for (const auto& row : deployments.rows) {
    if (row.heartbeat) hosts.push_back(*row.heartbeat);
  }
  if (hosts.empty()) return "<p class=\"empty\">No heartbeats were read.</p>\n";
  const int count = static_cast<int>(hosts.size());
  const double radius = count == 1 ? 0.0 : std::max(160.0, count * 70.0 / 3.14159);
  const int width = static_cast<int>(2 * radius) + k_box_width + 2 * k_margin;
  const int height = static_cast<int>(2 * radius) + k_box_height + 2 * k_margin;
  std::map<std::size_t, std::pair<int, int>> centre;
  for (int n = 0; n < count; ++n) {
    const double angle = 2 * 3.14159265358979 * n / count - 3.14159265358979 / 2;
    centre[hosts[n]] = {k_margin + k_box_width / 2 + static_cast<int>(radius + radius * std::cos(angle)),
                        k_margin + k_box_height / 2 + static_cast<int>(radius + radius * std::sin(angle))};
  }
  std::string out = "<svg id=\"service-map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
                    std::to_string(width) + " " + std::to_string(height) +
                    "\" role=\"img\" aria-label=\"service map from heartbeats\">\n";
  out +=
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
      "markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\"/></marker></defs>\n";
  for (const auto& link : deployments.links) {
    const auto [x1, y1] = centre[link.from];
    const auto [x2, y2] = centre[link.to];
    out += "<g class=\"link\"><line x1=\"" + std::to_string(x1) + "\" y1=\"" + std::to_string(y1) +
           "\" x2=\"" + std::to_string(x2) + "\" y2=\"" + std::to_string(y2 - k_box_height / 2) +
           "\" marker-end=\"url(#arrow)\"/><text x=\"" + std::to_string((x1 + x2) / 2 + 6) + "\" y=\"" +
           std::to_string((y1 + y2) / 2) + "\">:" + escape_html(link.port) + "</text></g>\n";
  }
  for (const std::size_t host : hosts) {
    const HeartbeatSummary& beat = catalog.heartbeats()[host];
    const auto mark = catalog.by_id(beat.metadata_id.empty() ? beat.chalk_id : beat.metadata_id);
    std::string ports;
    for (const auto& port : beat.listening_ports) ports += (ports.empty() ? "listens " : ", ") + port;
    const std::string repo = mark ? catalog.marks()[*mark].repository : "untraced " + beat.chalk_id;
    const auto [x, y] = centre[host];
    out += box("service", x - k_box_width / 2, y - k_box_height / 2,
               beat.host + (ports.empty() ? "" : " - " + ports), repo, beat.host + " " + repo);
  }
  out += "</svg>\n";
  return out;
}

std::string cell(const std::string& text) { return "<td>" + escape_html(text) + "</td>"; }

std::string rows_table(const Catalog& catalog, const std::vector<const Row*>& rows, const std::string& id) {
  std::string out = "<table id=\"" + id +
                    "\"><thead><tr><th>Repository</th><th>Commit</th><th>Image</th>"
                    "<th>Digest</th><th>Where</th><th>Workload</th><th>Running</th><th>First seen</th>"
                    "<th>Last seen</th><th>Evidence</th></tr></thead><tbody>\n";
  for (const Row* row : rows) {
    const Mark& mark = mark_of(catalog, *row);
    std::string running = std::to_string(row->running);
    if (row->desired) running += "/" + std::to_string(*row->desired);
    out += "<tr class=\"evidence-" + std::string(evidence_name(row->evidence)) + "\">" +
           cell(mark.repository) + cell(short_commit(mark.commit)) + cell(row->image) +
           cell(row->digest.empty() ? row->image_id : row->digest) + cell(where_of(*row)) +
           cell(workload_of(*row)) + cell(running) + cell(format_utc_ms(row->first_ms)) +
           cell(format_utc_ms(row->last_ms)) + cell(std::string(evidence_name(row->evidence))) + "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

constexpr const char* k_style = R"(
body { font: 14px system-ui, sans-serif; margin: 24px; color: #1d2330; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 32px; }
svg { border: 1px solid #d8dce6; border-radius: 8px; background: #fafbfd; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #1d2330; } svg text.sub { fill: #5b6478; font-size: 11px; }
svg text.heading { font-weight: 600; font-size: 13px; }
.node rect { fill: #fff; stroke: #6d7fcc; stroke-width: 1.5; }
.node.repository rect { stroke: #2f9e6f; } .node.deployment rect { stroke: #c47f17; }
.node.service rect { stroke: #7a4fc4; }
.edge { fill: none; stroke: #8d97ad; stroke-width: 1.5; }
.edge.evidence-tag { stroke-dasharray: 6 4; } .edge.untraced, .edge.evidence-untraced { stroke: #d0454c; }
.link line { stroke: #7a4fc4; stroke-width: 1.5; } marker path { fill: #7a4fc4; }
table { border-collapse: collapse; margin-top: 8px; } th, td { padding: 4px 10px; border-bottom: 1px solid #e3e6ee; text-align: left; }
th { background: #eef1f7; } tr.evidence-untraced td { color: #b3262d; } tr.evidence-tag td { font-style: italic; }
.empty { color: #5b6478; }
)";

}  // namespace

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_html(const Catalog& catalog, const Deployments& deployments) {
  std::vector<const Row*> all;
  std::vector<const Row*> untraced;
  for (const auto& row : deployments.rows) {
    all.push_back(&row);
    if (!row.mark) untraced.push_back(&row);
  }
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'\">"
      "<title>chalk deployments</title><style>";
  out += k_style;
  out += "</style></head><body>\n<h1>Where our builds run</h1>\n";
  out += "<p id=\"summary\">" + std::to_string(deployments.rows.size()) + " deployment(s), " +
         std::to_string(untraced.size()) + " untraced, " + std::to_string(deployments.never_deployed.size()) +
         " build(s) never deployed.</p>\n";
  out += "<h2>Repositories, images and where they run</h2>\n" + lineage_svg(catalog, deployments);
  out += "<h2>Service map from heartbeats</h2>\n" + service_map_svg(catalog, deployments);
  out += "<h2>Deployed images we cannot trace</h2>\n";
  out += untraced.empty() ? "<p class=\"empty\">None.</p>\n" : rows_table(catalog, untraced, "untraced");
  out += "<h2>Builds never deployed</h2>\n";
  if (deployments.never_deployed.empty()) {
    out += "<p class=\"empty\">None.</p>\n";
  } else {
    out +=
        "<table "
        "id=\"never-deployed\"><thead><tr><th>Repository</th><th>Commit</th><th>Image</th><th>Mark</th>"
        "<th>Built</th></tr></thead><tbody>\n";
    for (const std::size_t i : deployments.never_deployed) {
      const Mark& mark = catalog.marks()[i];
      out += "<tr>" + cell(mark.repository) + cell(short_commit(mark.commit)) +
             cell(mark.images.empty() ? "" : *mark.images.begin()) + cell(mark.metadata_id) +
             cell(format_utc_ms(mark.built_ms)) + "</tr>\n";
    }
    out += "</tbody></table>\n";
  }
  out += "<h2>All rows</h2>\n" + rows_table(catalog, all, "rows");
  out += "</body></html>\n";
  return out;
}

}  // namespace chalk::deployments
