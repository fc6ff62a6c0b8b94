// Assembly of the shim's exec and heartbeat reports (REPORTS.md §4, §5) from collected
// facts; no I/O here, so tests pin clock, host and tables.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chalk_version.hpp"

namespace chalk::shim {

// The project version (chalk_version.hpp), as the plugin's.
inline constexpr const char* k_shim_version = k_project_version;

struct HostFacts {
  std::string hostname;  // gethostname()
  std::string nodename;  // uname().nodename
  std::string version;   // uname().version
  std::string platform;  // platform_string()
};

// The running host's facts.
HostFacts current_host_facts();

// 16 lowercase hex of 8 random bytes.
std::string random_exec_id();

struct Instant {
  std::int64_t ms = 0;   // _TIMESTAMP
  std::string datetime;  // _DATETIME
};

// Now, with `_DATETIME` in the local zone.
Instant current_instant();

// What every report of one shim process shares.
struct ExecFacts {
  std::optional<nlohmann::json> mark;  // nullopt: unmarked
  std::string exec_id;
  HostFacts host;
  std::vector<std::string> shim_argv;  // argv[0] = absolute path of the shim
  std::string program_path;            // the resolved executable
  std::string program_hash;            // sha256 hex of it; "" if unreadable
};

// The exec report: IDs, host keys, tables and one artifact entry (`_CHALKS` when marked,
// else `_COLLECTED_ARTIFACTS` + `_UNMARKED`) with `process` (the _PROCESS_* keys) merged in.
nlohmann::json exec_report(const ExecFacts& facts, const Instant& at, const nlohmann::json& process,
                           const nlohmann::json& tables);

// Heartbeat number `count` (1, 2, 3…): IDs, host keys and the network tables.
nlohmann::json heartbeat_report(const ExecFacts& facts, const Instant& at, std::int64_t count,
                                const nlohmann::json& tables);

}  // namespace chalk::shim
