// Report assembly with a pinned clock, host, process and tables.
#include "runtime-shim/report.hpp"

#include <gtest/gtest.h>

#include "runtime-shim/process_info.hpp"
#include "tests/unit/shim/fixtures.hpp"

namespace chalk::shim {
namespace {

ExecFacts marked_facts() {
  ExecFacts facts;
  facts.mark = nlohmann::json::parse(
      R"({"MAGIC":"dadfedabbadabbed","CHALK_ID":"RMZ2HA-J5EC-2K8D-SXZFCN","CHALK_VERSION":"0.1.0",)"
      R"("DOCKER_TAGS":["app:1"],"METADATA_ID":"N3D0SH-94M4-GC8Z-TZR92B"})");
  facts.exec_id = "9f1c2a7b3d4e5f60";
  facts.host = {"8ceb650f2714", "8ceb650f2714", "#93-Ubuntu SMP Tue Sep 5 17:16:10 UTC 2023",
                "GNU/Linux x86_64"};
  facts.shim_argv = {"/chalk", "exec", "--exec-command-name", "python", "--", "-m", "http.server"};
  facts.program_path = "/usr/local/bin/python";
  facts.program_hash = "ab12";
  return facts;
}

const Instant k_at{1695414149440, "2023-09-22T20:22:29.440+00:00"};

TEST(Report, HeartbeatHasTheGuideShapePlusJoinKeys) {
  const nlohmann::json tables = nlohmann::json::parse(
      R"({"_OP_TCP_SOCKET_INFO":[["0.0.0.0","9999","0.0.0.0","0","LISTEN","0","27973"]]})");
  const nlohmann::json expected = nlohmann::json::parse(R"({
    "_OPERATION":"heartbeat","_TIMESTAMP":1695414149440,"_DATETIME":"2023-09-22T20:22:29.440+00:00",
    "CHALK_ID":"RMZ2HA-J5EC-2K8D-SXZFCN","METADATA_ID":"N3D0SH-94M4-GC8Z-TZR92B",
    "_EXEC_ID":"9f1c2a7b3d4e5f60","_HEARTBEAT_COUNT":3,
    "_OP_HOSTINFO":"#93-Ubuntu SMP Tue Sep 5 17:16:10 UTC 2023",
    "_OP_HOST_VERSION":"#93-Ubuntu SMP Tue Sep 5 17:16:10 UTC 2023",
    "_OP_HOSTNAME":"8ceb650f2714","_OP_NODENAME":"8ceb650f2714","_OP_HOST_NODENAME":"8ceb650f2714",
    "_OP_PLATFORM":"GNU/Linux x86_64","_OP_CHALKER_VERSION":")" +
                                                        std::string(chalk::k_project_version) + R"(",
    "_OP_TCP_SOCKET_INFO":[["0.0.0.0","9999","0.0.0.0","0","LISTEN","0","27973"]]})");
  EXPECT_EQ(heartbeat_report(marked_facts(), k_at, 3, tables), expected);
}

TEST(Report, ExecOfAMarkedImage) {
  const nlohmann::json process = read_process_info(k_fixture_proc, 4242);
  const nlohmann::json report = exec_report(marked_facts(), k_at, process, nlohmann::json::object());
  EXPECT_EQ(report["_OPERATION"], "exec");
  EXPECT_EQ(report["CHALK_ID"], "RMZ2HA-J5EC-2K8D-SXZFCN");
  EXPECT_EQ(report["METADATA_ID"], "N3D0SH-94M4-GC8Z-TZR92B");
  EXPECT_EQ(report["_EXEC_ID"], "9f1c2a7b3d4e5f60");
  EXPECT_FALSE(report.contains("_HEARTBEAT_COUNT"));
  EXPECT_EQ(report["_OP_ARGV"][3], "python");
  EXPECT_EQ(report["_OP_CHALK_COUNT"], 1);
  EXPECT_EQ(report["_OP_UNMARKED_COUNT"], 0);
  EXPECT_FALSE(report.contains("_COLLECTED_ARTIFACTS"));
  EXPECT_FALSE(report.contains("_OP_TCP_SOCKET_INFO"));  // no rows: key omitted
  ASSERT_EQ(report["_CHALKS"].size(), 1U);
  const nlohmann::json expected_artifact = nlohmann::json::parse(R"({
    "CHALK_ID":"RMZ2HA-J5EC-2K8D-SXZFCN","CHALK_VERSION":"0.1.0","DOCKER_TAGS":["app:1"],
    "METADATA_ID":"N3D0SH-94M4-GC8Z-TZR92B","_OP_ARTIFACT_TYPE":"Docker Container","_CURRENT_HASH":"ab12",
    "_PROCESS_PID":4242,"_PROCESS_PARENT_PID":1,"_PROCESS_UID":[1000,1000,1000,1000],
    "_PROCESS_GID":[100,101,102,103],"_PROCESS_STATE":"Sleeping",
    "_PROCESS_ARGV":["python3","-m","http.server","9999"],"_PROCESS_COMMAND_NAME":"python3",
    "_PROCESS_CWD":"/srv/app","_PROCESS_EXE_PATH":"/usr/local/bin/python3.12"})");
  EXPECT_EQ(report["_CHALKS"][0], expected_artifact);
}

TEST(Report, ExecOfAnUnmarkedImageAfterTheProgramEnded) {
  ExecFacts facts = marked_facts();
  facts.mark.reset();
  const nlohmann::json report =
      exec_report(facts, k_at, read_process_info(k_fixture_proc, 999999), nlohmann::json::object());
  EXPECT_FALSE(report.contains("CHALK_ID"));
  EXPECT_FALSE(report.contains("METADATA_ID"));
  EXPECT_FALSE(report.contains("_CHALKS"));
  EXPECT_EQ(report["_UNMARKED"], nlohmann::json::array({"/usr/local/bin/python"}));
  EXPECT_EQ(report["_OP_CHALK_COUNT"], 0);
  EXPECT_EQ(report["_OP_UNMARKED_COUNT"], 1);
  const nlohmann::json expected_artifact =
      nlohmann::json::parse(R"({"_OP_ARTIFACT_TYPE":"Docker Container","_CURRENT_HASH":"ab12"})");
  EXPECT_EQ(report["_COLLECTED_ARTIFACTS"], nlohmann::json::array({expected_artifact}));
}

TEST(Report, ProcessStateWord) {
  EXPECT_EQ(process_state_word("S (sleeping)"), "Sleeping");
  EXPECT_EQ(process_state_word("R (running)"), "Running");
  EXPECT_EQ(process_state_word("Z"), "");
}

TEST(Report, ExecIdsAreSixteenRandomHex) {
  const std::string first = random_exec_id();
  EXPECT_EQ(first.size(), 16U);
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(first, random_exec_id());
}

TEST(Report, HostFactsOfThisMachine) {
  const HostFacts host = current_host_facts();
  EXPECT_FALSE(host.nodename.empty());
  EXPECT_FALSE(host.version.empty());
  EXPECT_EQ(host.platform.rfind("GNU/Linux ", 0), 0U);
}

}  // namespace
}  // namespace chalk::shim
