#include "plugin/deployments/custodian.hpp"

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <tuple>

#include "plugin/deployments/files.hpp"
#include "plugin/deployments/json_fields.hpp"
#include "plugin/deployments/json_lists.hpp"
#include "plugin/deployments/time.hpp"

namespace chalk::deployments {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

int count_of(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_number_integer() ? found->get<int>() : 0;
}

// Custodian writes datetimes as ISO 8601; boto3's raw form is epoch seconds.
std::int64_t time_of(const json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) return 0;
  if (found->is_string()) return parse_iso8601_ms(found->get_ref<const std::string&>()).value_or(0);
  if (found->is_number()) return static_cast<std::int64_t>(found->get<double>() * 1000);
  return 0;
}

// "arn:aws:ecs:us-east-1:123:cluster/test" -> field 3 "us-east-1"; the resource after '/'.
std::string arn_field(const std::string& arn, int field) {
  std::size_t start = 0;
  for (int i = 0; i < field; ++i) {
    start = arn.find(':', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  return arn.substr(start, arn.find(':', start) - start);
}

std::string arn_name(const std::string& arn) {
  const std::size_t slash = arn.rfind('/');
  return slash == std::string::npos ? arn : arn.substr(slash + 1);
}

// "aws.ecs-task" or "ecs-task" as policies name it; told from the record when no policy says.
std::string resource_type_of(const std::string& declared, const json& record) {
  if (!declared.empty()) return declared.rfind("aws.", 0) == 0 ? declared.substr(4) : declared;
  if (record.contains("taskArn") && record.contains("containers")) return "ecs-task";
  if (record.contains("serviceName") && record.contains("clusterArn")) return "ecs-service";
  if (record.contains("containerDefinitions")) return "ecs-task-definition";
  return "";
}

bool is_region(const std::string& name) {
  static const std::regex region("[a-z]{2}(-[a-z]+)+-[0-9]+");
  return std::regex_match(name, region);
}

}  // namespace

void CustodianInventory::read_resources(std::string_view resources_text, const std::string& name,
                                        const std::string& resource_type, const std::string& region,
                                        std::int64_t taken_ms, Tally& tally) {
  const auto read_record = [&](const json& record, const std::string& where) {
    if (!record.is_object()) {
      tally.skipped.push_back({where, "not a JSON object"});
      return;
    }
    const std::string type = resource_type_of(resource_type, record);
    const std::string cluster_arn = text_of(record, "clusterArn");
    const std::string record_region = region.empty() ? arn_field(cluster_arn, 3) : region;
    if (type == "ecs-task") {
      Task task{cluster_arn,
                record_region,
                text_of(record, "group"),
                text_of(record, "lastStatus"),
                text_of(record, "taskDefinitionArn"),
                time_of(record, "startedAt"),
                taken_ms,
                {}};
      const auto containers = record.find("containers");
      if (cluster_arn.empty() || containers == record.end() || !containers->is_array()) {
        tally.skipped.push_back({where, "an ecs-task without clusterArn or containers"});
        return;
      }
      for (const auto& container : *containers) {
        if (!container.is_object()) continue;
        task.containers.push_back({text_of(container, "name"), text_of(container, "image"),
                                   normalize_digest(text_of(container, "imageDigest"))});
      }
      m_tasks.push_back(std::move(task));
    } else if (type == "ecs-service") {
      Service service{cluster_arn,
                      record_region,
                      text_of(record, "serviceName"),
                      text_of(record, "taskDefinition"),
                      count_of(record, "runningCount"),
                      count_of(record, "desiredCount"),
                      taken_ms};
      if (service.name.empty() || cluster_arn.empty()) {
        tally.skipped.push_back({where, "an ecs-service without serviceName or clusterArn"});
        return;
      }
      m_services.push_back(std::move(service));
    } else if (type == "ecs-task-definition") {
      const std::string arn = text_of(record, "taskDefinitionArn");
      const auto definitions = record.find("containerDefinitions");
      if (arn.empty() || definitions == record.end() || !definitions->is_array()) {
        tally.skipped.push_back(
            {where, "an ecs-task-definition without taskDefinitionArn or containerDefinitions"});
        return;
      }
      auto& containers = m_task_definitions[arn];
      for (const auto& definition : *definitions) {
        if (definition.is_object())
          containers.push_back({text_of(definition, "name"), text_of(definition, "image"), ""});
      }
    } else {
      // Other resource types are not deployments of images: not an error, not counted.
      return;
    }
    ++tally.records;
  };
  // Each record is taken as the parser finishes it and then dropped: a fleet's output is tens
  // of MB of JSON.
  std::size_t number = 0;
  const StreamedList list = parse_list_streamed(resources_text, nullptr, [&](const json& record) {
    read_record(record, name + ": record " + std::to_string(++number));
  });
  if (list.rest.is_discarded()) {
    tally.skipped.push_back({name, list.not_json_cause()});
  } else if (!list.found_list) {
    tally.skipped.push_back({name, "expected an array of resources"});
  }
}

util::Status CustodianInventory::read_tree(const fs::path& root, Tally& tally) {
  auto files = list_files(root, DateRange{});
  if (!files) return files.error().with_context("reading custodian output");
  for (const auto& file : *files) {
    const std::string filename = file.filename().string();
    if (filename != "resources.json" && filename != "resources.json.gz") continue;
    const fs::path policy_dir = file.parent_path();
    std::string resource_type;
    std::int64_t taken_ms = 0;
    for (const char* metadata_name : {"metadata.json", "metadata.json.gz"}) {
      const fs::path metadata_path = policy_dir / metadata_name;
      std::error_code error;
      if (!fs::is_regular_file(metadata_path, error)) continue;
      auto metadata_text = read_text(metadata_path);
      const json metadata = metadata_text ? json::parse(*metadata_text, nullptr, false) : json();
      if (!metadata.is_object()) {
        tally.skipped.push_back(
            {metadata_path.string(), "not a JSON object; resource types told from records"});
        break;
      }
      if (const auto policy = metadata.find("policy"); policy != metadata.end() && policy->is_object()) {
        resource_type = text_of(*policy, "resource");
      }
      if (const auto execution = metadata.find("execution");
          execution != metadata.end() && execution->is_object()) {
        taken_ms = time_of(*execution, "start");
      }
      break;
    }
    // OUT/<region>/<policy>/: the region is the policy directory's parent.
    const std::string above = policy_dir.parent_path().filename().string();
    const std::string region = is_region(above) ? above : "";
    auto text = read_text(file);
    if (!text) {
      tally.skipped.push_back({file.string(), text.error().message});
      continue;
    }
    read_resources(*text, file.string(), resource_type, region, taken_ms, tally);
  }
  return {};
}

std::vector<Sighting> CustodianInventory::sightings() const {
  std::map<std::pair<std::string, std::string>, const Service*> services;  // (cluster ARN, name)
  for (const auto& service : m_services) services[{service.cluster_arn, service.name}] = &service;

  // (cluster ARN, group, container, image, digest): views of the tasks' own text.
  using Key =
      std::tuple<std::string_view, std::string_view, std::string_view, std::string_view, std::string_view>;
  std::map<Key, Sighting> grouped;
  std::set<std::string> definitions_seen_running;
  for (const auto& task : m_tasks) {
    definitions_seen_running.insert(task.task_definition);
    const bool by_service = task.group.rfind("service:", 0) == 0;
    const std::string workload = by_service ? task.group.substr(8) : task.group;
    for (const auto& container : task.containers) {
      auto [found, inserted] = grouped.try_emplace(
          Key{task.cluster_arn, task.group, container.name, container.image, container.digest});
      Sighting& sighting = found->second;
      if (inserted) {
        sighting.platform = "ecs";
        sighting.cluster = arn_name(task.cluster_arn);
        sighting.region = task.region;
        sighting.workload = workload;
        sighting.container = container.name;
        sighting.image = container.image;
        sighting.digest = container.digest;
        if (by_service) {
          if (const auto service = services.find({task.cluster_arn, workload}); service != services.end()) {
            sighting.desired = service->second->desired;
          }
        }
      }
      if (task.status == "RUNNING") ++sighting.running;
      if (task.started_ms != 0 && (sighting.first_ms == 0 || task.started_ms < sighting.first_ms)) {
        sighting.first_ms = task.started_ms;
      }
      if (task.taken_ms > sighting.last_ms) sighting.last_ms = task.taken_ms;
    }
  }
  std::vector<Sighting> result;
  result.reserve(grouped.size());
  for (auto& [key, sighting] : grouped) result.push_back(std::move(sighting));

  for (const auto& service : m_services) {
    if (definitions_seen_running.count(service.task_definition) != 0) continue;
    const auto definition = m_task_definitions.find(service.task_definition);
    if (definition == m_task_definitions.end()) continue;
    for (const auto& container : definition->second) {
      Sighting sighting;
      sighting.platform = "ecs";
      sighting.cluster = arn_name(service.cluster_arn);
      sighting.region = service.region;
      sighting.workload = service.name;
      sighting.container = container.name;
      sighting.image = container.image;
      sighting.tag_only = true;
      sighting.running = service.running;
      sighting.desired = service.desired;
      sighting.last_ms = service.taken_ms;
      result.push_back(std::move(sighting));
    }
  }
  return result;
}

}  // namespace chalk::deployments
