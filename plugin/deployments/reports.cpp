#include "plugin/deployments/reports.hpp"

#include "oci/reference.hpp"
#include "plugin/deployments/json_fields.hpp"
#include "plugin/deployments/time.hpp"

namespace chalk::deployments {

namespace {

using nlohmann::json;

// _TIMESTAMP (ms), else _DATETIME.
std::int64_t report_time(const json& report) {
  if (const std::int64_t ms = integer_of(report, "_TIMESTAMP"); ms != 0) return ms;
  return parse_iso8601_ms(text_of(report, "_DATETIME")).value_or(0);
}

// "registry/repo:tag" normalised as docker does ("app" is "docker.io/library/app:latest").
std::string full_reference(const std::string& text) {
  auto reference = oci::parse_reference(text);
  return reference ? reference->full() : "";
}

// `{registry: {repo: [digest, ...]}}` (_REPO_DIGESTS, _REPO_LIST_DIGESTS).
void add_repo_digests(const json& entry, const char* key, MarkEntry& into) {
  const auto found = entry.find(key);
  if (found == entry.end() || !found->is_object()) return;
  for (const auto& [registry, repos] : found->items()) {
    if (!repos.is_object()) continue;
    for (const auto& [repo, digests] : repos.items()) {
      const auto add = [&](const json& value) {
        if (!value.is_string()) return;
        std::string digest = normalize_digest(value.get_ref<const std::string&>());
        if (digest.empty()) return;
        insert_sorted(into.digests, std::move(digest));
        insert_sorted(into.mark.images, registry + "/" + repo);
      };
      if (digests.is_array()) {
        for (const auto& value : digests) add(value);
      } else {
        add(digests);
      }
    }
  }
}

// `{registry: {repo: {tag: digest}}}`: the references a pushed image answers to.
std::vector<std::string> repo_tags(const json& entry) {
  std::vector<std::string> references;
  const auto found = entry.find("_REPO_TAGS");
  if (found == entry.end() || !found->is_object()) return references;
  for (const auto& [registry, repos] : found->items()) {
    if (!repos.is_object()) continue;
    for (const auto& [repo, tags] : repos.items()) {
      if (!tags.is_object()) continue;
      for (const auto& [tag, digest] : tags.items()) references.push_back(registry + "/" + repo + ":" + tag);
    }
  }
  return references;
}

bool is_image_entry(const json& entry, const std::string& operation) {
  const std::string& type = text_of(entry, "_OP_ARTIFACT_TYPE");
  if (!type.empty()) return type == "Docker Image";
  return operation == "build" || operation == "insert" || operation == "push" || operation == "extract";
}

void add_entry(const json& entry, const std::string& operation, std::int64_t when, Catalog& catalog) {
  MarkEntry read;
  Mark& mark = read.mark;
  mark.chalk_id = text_of(entry, "CHALK_ID");
  mark.metadata_id = text_of(entry, "METADATA_ID");
  if (mark.chalk_id.empty() && mark.metadata_id.empty()) return;  // an unmarked artifact
  mark.repository = text_of(entry, "ORIGIN_URI");
  mark.commit = text_of(entry, "COMMIT_ID");
  mark.branch = text_of(entry, "BRANCH");
  mark.dockerfile_path = text_of(entry, "DOCKERFILE_PATH");
  mark.built_ms = integer_of(entry, "TIMESTAMP_WHEN_CHALKED");
  if (mark.built_ms == 0 && (operation == "build" || operation == "insert")) mark.built_ms = when;
  if (is_image_entry(entry, operation)) {
    for (const char* key : {"_IMAGE_ID", "_CURRENT_HASH"}) {
      if (std::string id = normalize_digest(text_of(entry, key)); !id.empty())
        insert_sorted(read.image_ids, std::move(id));
    }
  }
  add_repo_digests(entry, "_REPO_DIGESTS", read);
  add_repo_digests(entry, "_REPO_LIST_DIGESTS", read);
  std::vector<std::string> tags = repo_tags(entry);
  if (const auto found = entry.find("DOCKER_TAGS"); found != entry.end() && found->is_array()) {
    for (const auto& tag : *found) {
      if (tag.is_string()) tags.push_back(tag.get<std::string>());
    }
  }
  std::vector<std::string> references;
  for (const auto& tag : tags) {
    std::string reference = full_reference(tag);
    if (reference.empty()) continue;
    if (auto parsed = oci::parse_reference(reference)) insert_sorted(mark.images, parsed->familiar_name());
    references.push_back(std::move(reference));
  }
  const std::size_t position = catalog.add(read);
  for (const auto& reference : references) catalog.add_tag(reference, position);
}

bool is_unspecified(const std::string& ip) {
  return ip.empty() || ip == "0.0.0.0" || ip.find_first_not_of("0:") == std::string::npos;
}

bool is_loopback(const std::string& ip) {
  return ip.rfind("127.", 0) == 0 || ip == "0000:0000:0000:0000:0000:0000:0000:0001";
}

// Exec and heartbeat reports: the container ran on `_OP_HOSTNAME`; socket rows (REPORTS.md
// §6: [local ip, local port, remote ip, remote port, state, uid, inode]) say what it serves
// and whom it talks to.
void add_beat(const json& report, std::int64_t when, Catalog& catalog) {
  HeartbeatSummary beat;
  beat.chalk_id = text_of(report, "CHALK_ID");
  beat.metadata_id = text_of(report, "METADATA_ID");
  if (const auto chalks = report.find("_CHALKS");
      chalks != report.end() && chalks->is_array() && !chalks->empty()) {
    if (beat.chalk_id.empty()) beat.chalk_id = text_of(chalks->front(), "CHALK_ID");
    if (beat.metadata_id.empty()) beat.metadata_id = text_of(chalks->front(), "METADATA_ID");
  }
  beat.host = text_of(report, "_OP_HOSTNAME");
  if (beat.host.empty()) beat.host = text_of(report, "_OP_NODENAME");
  beat.first_ms = beat.last_ms = when;
  if (const std::string& exec_id = text_of(report, "_EXEC_ID"); !exec_id.empty())
    beat.exec_ids.push_back(exec_id);
  const auto sockets = report.find("_OP_TCP_SOCKET_INFO");
  if (sockets != report.end() && sockets->is_array()) {
    for (const auto& row : *sockets) {
      if (!row.is_array() || row.size() < 5 || !row[0].is_string() || !row[1].is_string() ||
          !row[2].is_string() || !row[3].is_string() || !row[4].is_string()) {
        continue;
      }
      const auto& local_ip = row[0].get_ref<const std::string&>();
      const auto& state = row[4].get_ref<const std::string&>();
      if (!is_unspecified(local_ip) && !is_loopback(local_ip)) insert_sorted(beat.addresses, local_ip);
      if (state == "LISTEN") {
        insert_sorted(beat.listening_ports, row[1].get<std::string>());
      } else if (state == "ESTABLISHED" && !is_loopback(row[2].get_ref<const std::string&>())) {
        insert_sorted(beat.connections, Endpoint{row[2].get<std::string>(), row[3].get<std::string>()});
      }
    }
  }
  catalog.add_heartbeat(beat);
}

// A value on its own: a report object or an array of them. Returns the cause when it is neither.
std::string add_value(const json& value, const std::string& where, Catalog& catalog, Tally& tally) {
  if (value.is_object()) {
    if (!add_report(value, catalog)) return "a JSON object without `_OPERATION`";
    ++tally.records;
    return "";
  }
  if (!value.is_array()) return "expected a report object or an array of them";
  std::size_t record = 0;
  for (const auto& element : value) {
    ++record;
    if (element.is_object() && add_report(element, catalog)) {
      ++tally.records;
    } else {
      tally.skipped.push_back({where + ": record " + std::to_string(record), "not a report object"});
    }
  }
  return "";
}

}  // namespace

bool add_report(const json& report, Catalog& catalog) {
  const std::string& operation = text_of(report, "_OPERATION");
  if (operation.empty()) return false;
  const std::int64_t when = report_time(report);
  if (const auto chalks = report.find("_CHALKS"); chalks != report.end() && chalks->is_array()) {
    for (const auto& entry : *chalks) {
      if (entry.is_object()) add_entry(entry, operation, when, catalog);
    }
  }
  if (operation == "heartbeat" || operation == "exec") add_beat(report, when, catalog);
  return true;
}

void read_reports(std::string_view text, const std::string& name, Catalog& catalog, Tally& tally) {
  std::size_t line_number = 0;
  std::size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    ++line_number;
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = name + ":" + std::to_string(line_number);
    json value = json::parse(line, nullptr, false);
    if (value.is_discarded() && first) {
      // Not one value per line: a pretty-printed array or object (stdout on a terminal,
      // an HTTP receiver's dump) is one document.
      json whole = json::parse(text, nullptr, false);
      if (!whole.is_discarded()) {
        if (std::string cause = add_value(whole, name, catalog, tally); !cause.empty()) {
          tally.skipped.push_back({name, cause});
        }
        return;
      }
    }
    first = false;
    if (value.is_discarded()) {
      tally.skipped.push_back({where, "not JSON"});
      continue;
    }
    if (std::string cause = add_value(value, where, catalog, tally); !cause.empty()) {
      tally.skipped.push_back({where, cause});
    }
  }
}

}  // namespace chalk::deployments
