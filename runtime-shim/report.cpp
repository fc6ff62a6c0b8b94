#include "runtime-shim/report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstdio>

#include "oci/util/random.hpp"
#include "plugin/chalk/host_facts.hpp"

namespace chalk::shim {
namespace {

// Keys every shim report shares: the join keys first, then the host.
nlohmann::json base_report(const char* operation, const ExecFacts& facts, const Instant& at,
                           const nlohmann::json& tables) {
  nlohmann::json report = nlohmann::json::object();
  report["_OPERATION"] = operation;
  report["_TIMESTAMP"] = at.ms;
  report["_DATETIME"] = at.datetime;
  if (facts.mark) {
    for (const char* id : {"CHALK_ID", "METADATA_ID"}) {
      if (const auto value = facts.mark->find(id); value != facts.mark->end()) report[id] = *value;
    }
  }
  report["_EXEC_ID"] = facts.exec_id;
  report["_OP_HOSTNAME"] = facts.host.hostname;
  report["_OP_HOSTINFO"] = facts.host.version;
  report["_OP_HOST_VERSION"] = facts.host.version;
  report["_OP_NODENAME"] = facts.host.nodename;
  report["_OP_HOST_NODENAME"] = facts.host.nodename;
  report["_OP_PLATFORM"] = facts.host.platform;
  report["_OP_CHALKER_VERSION"] = k_shim_version;
  report.update(tables);
  return report;
}

}  // namespace

HostFacts current_host_facts() {
  HostFacts host;
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) == 0) host.hostname = name;
  utsname names{};
  if (::uname(&names) == 0) {
    host.nodename = names.nodename;
    host.version = names.version;
  }
  host.platform = platform_string();
  return host;
}

std::string random_exec_id() {
  std::array<unsigned char, 8> bytes{};
  chalk::util::fill_random(bytes.data(), bytes.size());
  char text[17];
  for (std::size_t i = 0; i < bytes.size(); ++i) std::snprintf(text + 2 * i, 3, "%02x", bytes[i]);
  return std::string(text, 16);
}

Instant current_instant() {
  const std::int64_t ms = now_ms();
  return {ms, local_datetime(ms)};
}

nlohmann::json exec_report(const ExecFacts& facts, const Instant& at, const nlohmann::json& process,
                           const nlohmann::json& tables) {
  nlohmann::json report = base_report("exec", facts, at, tables);
  report["_OP_ARGV"] = facts.shim_argv;

  nlohmann::json artifact = nlohmann::json::object();
  if (facts.mark) {
    for (const auto& [key, value] : facts.mark->items()) {
      if (key != "MAGIC") artifact[key] = value;
    }
  }
  artifact["_OP_ARTIFACT_TYPE"] = "Docker Container";
  if (!facts.program_hash.empty()) artifact["_CURRENT_HASH"] = facts.program_hash;
  artifact.update(process);

  if (facts.mark) {
    report["_CHALKS"] = nlohmann::json::array({std::move(artifact)});
    report["_OP_CHALK_COUNT"] = 1;
    report["_OP_UNMARKED_COUNT"] = 0;
  } else {
    report["_COLLECTED_ARTIFACTS"] = nlohmann::json::array({std::move(artifact)});
    report["_UNMARKED"] = nlohmann::json::array({facts.program_path});
    report["_OP_CHALK_COUNT"] = 0;
    report["_OP_UNMARKED_COUNT"] = 1;
  }
  return report;
}

nlohmann::json heartbeat_report(const ExecFacts& facts, const Instant& at, std::int64_t count,
                                const nlohmann::json& tables) {
  nlohmann::json report = base_report("heartbeat", facts, at, tables);
  report["_HEARTBEAT_COUNT"] = count;
  return report;
}

}  // namespace chalk::shim
