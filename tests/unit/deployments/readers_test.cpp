#include <gtest/gtest.h>

#include <algorithm>

#include "plugin/deployments/custodian.hpp"
#include "plugin/deployments/files.hpp"
#include "plugin/deployments/json_lists.hpp"
#include "plugin/deployments/pods.hpp"
#include "plugin/deployments/reports.hpp"
#include "plugin/deployments/time.hpp"
#include "tests/unit/deployments/helpers.hpp"

namespace chalk::deployments {
namespace {

using testing::fixture;
using testing::slurp;

const std::string k_prod_digest = "sha256:89835d866c6157c6a21de9f25ac0701ecb173fc2e1fb17ef23c203317f73770a";

TEST(DeploymentsTime, ParsesOffsetsAndFractionsToUtcMilliseconds) {
  EXPECT_EQ(parse_iso8601_ms("2023-09-18T19:43:25.617000+03:00"), 1695055405617);
  EXPECT_EQ(parse_iso8601_ms("2023-09-22T20:20:05.130+00:00"), 1695414005130);
  EXPECT_EQ(parse_iso8601_ms("2023-09-20T09:00:05Z"), 1695200405000);
  EXPECT_EQ(parse_iso8601_ms("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_FALSE(parse_iso8601_ms("2023-09-20 09:00"));
  EXPECT_FALSE(parse_iso8601_ms("2023-13-20T09:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2023-09-20T09:00:00"));  // no zone: ambiguous
  EXPECT_EQ(format_utc_ms(1695055405617), "2023-09-18T16:43:25.617Z");
  EXPECT_EQ(format_utc_ms(0), "");
}

TEST(DeploymentsDigests, NormalisedWithAlgorithmAndLowercase) {
  const std::string hex = "89835D866C6157C6A21DE9F25AC0701ECB173FC2E1FB17EF23C203317F73770A";
  EXPECT_EQ(normalize_digest(hex), k_prod_digest);
  EXPECT_EQ(normalize_digest("sha256:" + hex), k_prod_digest);
  EXPECT_EQ(normalize_digest("sha256:abc"), "");
  EXPECT_EQ(normalize_digest("sha512:" + hex), "");
}

TEST(DeploymentsFiles, WalksDirectoriesInOrderAndKeepsPartitionsInRange) {
  const auto all = list_files(fixture("reports"), DateRange{});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 4U);
  EXPECT_NE(all->front().string().find("dt=2023-09-18"), std::string::npos);
  const auto some = list_files(fixture("reports"), DateRange{"2023-09-19", "2023-09-20"});
  ASSERT_TRUE(some);
  ASSERT_EQ(some->size(), 2U);
  EXPECT_NE((*some)[0].string().find("dt=2023-09-19"), std::string::npos);
  EXPECT_NE((*some)[1].string().find("dt=2023-09-20"), std::string::npos);
  const auto missing = list_files(fixture("no-such-dir"), DateRange{});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no-such-dir"), std::string::npos);
}

TEST(DeploymentsFiles, GunzipsAndRejectsTruncatedStreams) {
  const auto text = read_text(fixture("custodian/eu-west-1/ecs-services/resources.json.gz"));
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(text->front(), '[');
  const std::string compressed = slurp(fixture("custodian/eu-west-1/ecs-services/resources.json.gz"));
  const auto truncated = gunzip(std::string_view(compressed).substr(0, compressed.size() / 2), "half.gz");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().message, "decompressing `half.gz`: not a complete gzip stream");
}

TEST(DeploymentsReports, BuildLinesAndPushArraysMergeIntoOneMarkPerMetadataId) {
  Catalog catalog;
  Tally tally;
  read_reports(slurp(fixture("reports/op=build/dt=2023-09-18/1695031200000-A.json")), "build.json", catalog,
               tally);
  read_reports(slurp(fixture("stdout-pushes.txt")), "stdout-pushes.txt", catalog, tally);
  EXPECT_TRUE(tally.skipped.empty());
  EXPECT_EQ(tally.records, 4U);
  const auto by_digest = catalog.by_digest(k_prod_digest);
  ASSERT_TRUE(by_digest);
  const Mark& mark = catalog.marks()[*by_digest];
  EXPECT_EQ(mark.repository, "https://github.com/acme/backend.git");  // from the build
  EXPECT_EQ(mark.metadata_id, "PRODMD-0000-0000-000001");
  EXPECT_EQ(mark.built_ms, 1695031200000);
  EXPECT_EQ(catalog.by_image_id("sha256:e5792c82b759728762820ff4ceb65bd841d41d092254aa5fe8d392ace0a827b1"),
            by_digest);  // the build's _IMAGE_ID
  EXPECT_EQ(catalog.by_tag("123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/backend:prod"), by_digest);
  EXPECT_EQ(catalog.by_tag("docker.io/library/backend:prod"), by_digest);  // DOCKER_TAGS as typed
  EXPECT_EQ(catalog.marks().size(), 3U);  // prod, staging, worker (push only)
}

TEST(DeploymentsReports, PushReportsOfTheRegistryShapeLeadToTheMark) {
  // REPORTS.md §5 verbatim shape: bare hex digests under {registry: {repo: [...]}}; an index
  // in _REPO_LIST_DIGESTS.
  const std::string hex = std::string(64, 'a');
  const std::string index = std::string(64, 'b');
  const std::string report =
      R"([{"_OPERATION":"push","_OP_EXIT_CODE":0,"_CHALKS":[{"CHALK_ID":"RMZ2HA-J5EC-2K8D-SXZFCN",)"
      R"("METADATA_ID":"N3D0SH-94M4-GC8Z-TZR92B","_OP_ARTIFACT_TYPE":"Docker Image",)"
      R"("_CURRENT_HASH":")" +
      std::string(64, 'c') + R"(","_REPO_DIGESTS":{"localhost:5000":{"app":[")" + hex +
      R"("]}},"_REPO_LIST_DIGESTS":{"localhost:5000":{"app":[")" + index +
      R"("]}},"_REPO_TAGS":{"localhost:5000":{"app":{"1":")" + hex + R"("}}}}],"_OP_CHALK_COUNT":1}])";
  Catalog catalog;
  Tally tally;
  read_reports(report, "push.json", catalog, tally);
  ASSERT_EQ(catalog.marks().size(), 1U);
  EXPECT_EQ(catalog.by_digest("sha256:" + hex), 0U);
  EXPECT_EQ(catalog.by_digest("sha256:" + index), 0U);
  EXPECT_EQ(catalog.by_image_id("sha256:" + std::string(64, 'c')), 0U);
  EXPECT_EQ(catalog.by_tag("localhost:5000/app:1"), 0U);
  EXPECT_EQ(catalog.marks()[0].images, std::vector<std::string>{"localhost:5000/app"});
}

TEST(DeploymentsReports, PrettyPrintedReceiverDumpIsOneDocument) {
  Catalog catalog;
  Tally tally;
  read_reports(slurp(fixture("receiver-heartbeats.json")), "receiver-heartbeats.json", catalog, tally);
  EXPECT_TRUE(tally.skipped.empty());
  EXPECT_EQ(tally.records, 4U);
  ASSERT_EQ(catalog.heartbeats().size(), 3U);  // two beats of one container fold into one
  const HeartbeatSummary& backend = catalog.heartbeats()[0];
  EXPECT_EQ(backend.host, "ip-10-1-134-95");
  EXPECT_EQ(backend.first_ms, 1695058000000);
  EXPECT_EQ(backend.last_ms, 1695058060000);
  EXPECT_EQ(backend.exec_ids.size(), 1U);
  EXPECT_EQ(backend.listening_ports, std::vector<std::string>{"4001"});
  EXPECT_EQ(backend.addresses, std::vector<std::string>{"10.1.134.95"});
  const HeartbeatSummary& worker = catalog.heartbeats()[1];
  EXPECT_EQ(worker.connections, (std::vector<Endpoint>{{"10.1.134.95", "4001"}}));
  EXPECT_EQ(worker.listening_ports, std::vector<std::string>{"8125"});  // on loopback: not an address
  EXPECT_EQ(worker.addresses, std::vector<std::string>{"10.1.20.7"});
}

TEST(DeploymentsReports, HeartbeatsOfOneHostFoldIntoSortedSetsEachValueOnce) {
  Catalog catalog;
  HeartbeatSummary first;
  first.metadata_id = "M1";
  first.host = "ip-10-0-0-1";
  first.first_ms = first.last_ms = 2000;
  first.exec_ids = {"exec-b"};
  first.listening_ports = {"8080", "9090"};
  first.connections = {{"10.0.0.9", "5432"}};
  HeartbeatSummary second = first;
  second.first_ms = second.last_ms = 1000;
  second.exec_ids = {"exec-a"};
  second.listening_ports = {"443", "8080"};
  second.connections = {{"10.0.0.2", "6379"}, {"10.0.0.9", "5432"}};
  catalog.add_heartbeat(first);
  catalog.add_heartbeat(second);
  ASSERT_EQ(catalog.heartbeats().size(), 1U);
  const HeartbeatSummary& folded = catalog.heartbeats()[0];
  EXPECT_EQ(folded.first_ms, 1000);
  EXPECT_EQ(folded.last_ms, 2000);
  EXPECT_EQ(folded.exec_ids, (std::vector<std::string>{"exec-a", "exec-b"}));
  EXPECT_EQ(folded.listening_ports, (std::vector<std::string>{"443", "8080", "9090"}));
  EXPECT_EQ(folded.connections, (std::vector<Endpoint>{{"10.0.0.2", "6379"}, {"10.0.0.9", "5432"}}));
}

TEST(DeploymentsReports, BadLinesAndRecordsAreNamedAndTheRestIsRead) {
  Catalog catalog;
  Tally tally;
  read_reports(slurp(fixture("bad/reports.jsonl")), "bad/reports.jsonl", catalog, tally);
  EXPECT_EQ(tally.records, 3U);  // build, push, heartbeat
  ASSERT_EQ(tally.skipped.size(), 3U);
  EXPECT_EQ(tally.skipped[0].where, "bad/reports.jsonl:2");
  EXPECT_EQ(tally.skipped[0].cause, "not JSON");
  EXPECT_EQ(tally.skipped[1].where, "bad/reports.jsonl:3");
  EXPECT_EQ(tally.skipped[1].cause, "a JSON object without `_OPERATION`");
  EXPECT_EQ(tally.skipped[2].where, "bad/reports.jsonl:5: record 1");
  EXPECT_TRUE(catalog.by_digest(k_prod_digest));
  EXPECT_EQ(catalog.heartbeats().size(), 1U);
}

TEST(DeploymentsJsonLists, ElementsOfTheTopArrayOrTheNamedMemberArrayOneAtATime) {
  std::vector<std::string> seen;
  const auto each = [&](const nlohmann::json& element) { seen.push_back(element.dump()); };
  // `items` nested deeper, before or after the list, is not the list.
  const StreamedList list = parse_list_streamed(
      R"({"kind": "List", "metadata": {"items": [9]}, "items": [{"a": [1]}, 2, [3]], "after": {"items": [4]}})",
      "items", each);
  EXPECT_TRUE(list.found_list);
  EXPECT_EQ(list.elements, 3U);
  EXPECT_EQ(seen, (std::vector<std::string>{R"({"a":[1]})", "2", "[3]"}));
  EXPECT_EQ(list.rest.dump(), R"({"after":{"items":[4]},"items":[],"kind":"List","metadata":{"items":[9]}})");

  seen.clear();
  const StreamedList cut = parse_list_streamed(R"([{"b": 1}, 5, [)", nullptr, each);
  EXPECT_TRUE(cut.rest.is_discarded());
  EXPECT_EQ(seen, (std::vector<std::string>{R"({"b":1})", "5"}));
  EXPECT_EQ(cut.not_json_cause(), "not JSON after record 2");
  EXPECT_EQ(parse_list_streamed("{", nullptr, each).not_json_cause(), "not JSON");

  seen.clear();
  const StreamedList no_list = parse_list_streamed(R"({"items": 5, "other": [1]})", "items", each);
  EXPECT_FALSE(no_list.found_list);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(no_list.rest.dump(), R"({"items":5,"other":[1]})");
}

TEST(DeploymentsCustodian, MultiRegionTreeWithServicesTasksAndGzippedDefinitions) {
  CustodianInventory inventory;
  Tally tally;
  ASSERT_TRUE(inventory.read_tree(fixture("custodian"), tally));
  EXPECT_TRUE(tally.skipped.empty());
  EXPECT_EQ(tally.records, 8U);  // 4 tasks, 3 services, 1 task definition
  const auto sightings = inventory.sightings();
  ASSERT_EQ(sightings.size(), 4U);
  const auto find = [&](const std::string& cluster, const std::string& workload) {
    const auto found = std::find_if(sightings.begin(), sightings.end(), [&](const Sighting& s) {
      return s.cluster == cluster && s.workload == workload;
    });
    EXPECT_NE(found, sightings.end()) << cluster << " " << workload;
    return found == sightings.end() ? Sighting{} : *found;
  };
  const Sighting production = find("production", "backend");
  EXPECT_EQ(production.platform, "ecs");
  EXPECT_EQ(production.region, "us-east-1");
  EXPECT_EQ(production.digest, k_prod_digest);
  EXPECT_EQ(production.running, 2);
  EXPECT_EQ(production.desired, 2);
  EXPECT_EQ(production.first_ms, *parse_iso8601_ms("2023-09-18T19:43:25.617+03:00"));
  EXPECT_EQ(production.last_ms, 1695398400000);  // metadata.json execution start
  EXPECT_FALSE(production.tag_only);
  EXPECT_EQ(find("staging", "backend").running, 1);
  EXPECT_EQ(find("staging", "reports").desired, std::nullopt);  // no such service listed
  const Sighting eu = find("production-eu", "backend");
  EXPECT_TRUE(eu.tag_only);
  EXPECT_EQ(eu.region, "eu-west-1");
  EXPECT_EQ(eu.image, "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/backend:prod");
  EXPECT_EQ(eu.running, 3);
}

TEST(DeploymentsCustodian, RecordsBeforeATruncationAreTakenAndTheCutNamed) {
  // Records are taken one at a time as they are parsed, so a file cut short keeps its
  // complete records.
  const std::string task =
      R"({"clusterArn": "arn:aws:ecs:us-east-1:1:cluster/prod", "group": "service:api", "lastStatus": "RUNNING",)"
      R"( "containers": [{"name": "api", "image": "api:1", "imageDigest": ")" +
      k_prod_digest + R"("}]})";
  CustodianInventory inventory;
  Tally tally;
  inventory.read_resources("[" + task + ", " + task + R"(, {"clusterArn": )", "cut.json", "aws.ecs-task", "",
                           0, tally);
  EXPECT_EQ(tally.records, 2U);
  ASSERT_EQ(tally.skipped.size(), 1U);
  EXPECT_EQ(tally.skipped[0].where, "cut.json");
  EXPECT_EQ(tally.skipped[0].cause, "not JSON after record 2");
  const auto sightings = inventory.sightings();
  ASSERT_EQ(sightings.size(), 1U);
  EXPECT_EQ(sightings[0].running, 2);
  EXPECT_EQ(sightings[0].digest, k_prod_digest);

  Tally object_tally;
  inventory.read_resources(R"({"resources": [)" + task + "]}", "object.json", "", "", 0, object_tally);
  EXPECT_EQ(object_tally.records, 0U);
  ASSERT_EQ(object_tally.skipped.size(), 1U);
  EXPECT_EQ(object_tally.skipped[0].cause, "expected an array of resources");
}

TEST(DeploymentsCustodian, MalformedResourcesAreNamedAndCounted) {
  CustodianInventory inventory;
  Tally tally;
  ASSERT_TRUE(inventory.read_tree(fixture("bad/custodian"), tally));
  EXPECT_EQ(tally.records, 1U);
  ASSERT_EQ(tally.skipped.size(), 3U);
  EXPECT_EQ(tally.skipped[0].where, fixture("bad/custodian/ecs-services/resources.json") + ": record 2");
  EXPECT_EQ(tally.skipped[0].cause, "not a JSON object");
  EXPECT_EQ(tally.skipped[1].where, fixture("bad/custodian/ecs-services/resources.json") + ": record 3");
  EXPECT_EQ(tally.skipped[2].where, fixture("bad/custodian/ecs-tasks/resources.json"));
  EXPECT_EQ(tally.skipped[2].cause, "not JSON");
  EXPECT_FALSE(inventory.read_tree(fixture("bad/none"), tally));
}

TEST(DeploymentsPods, EachOwnerKindAndImageIdShape) {
  std::vector<Sighting> sightings;
  Tally tally;
  read_pods(slurp(fixture("pods.json")), "pods.json", "prod-k8s", sightings, tally);
  EXPECT_TRUE(tally.skipped.empty());
  EXPECT_EQ(tally.records, 6U);
  std::map<std::string, Sighting> by_workload;
  for (const auto& sighting : sightings) by_workload[sighting.workload] = sighting;
  ASSERT_EQ(by_workload.size(), 5U);
  const Sighting& backend = by_workload["Deployment/backend"];  // via ReplicaSet backend-7d9f8c6b5
  EXPECT_EQ(backend.cluster, "prod-k8s");
  EXPECT_EQ(backend.namespace_name, "prod");
  EXPECT_EQ(backend.digest, k_prod_digest);  // docker-pullable:// and bare repo@sha256: alike
  EXPECT_EQ(backend.running, 2);
  EXPECT_EQ(backend.nodes, (std::set<std::string>{"node-a", "node-b"}));
  EXPECT_EQ(backend.first_ms, *parse_iso8601_ms("2023-09-20T09:00:05Z"));
  EXPECT_EQ(by_workload["StatefulSet/db"].running, 1);
  const Sighting& agent = by_workload["DaemonSet/agent"];
  EXPECT_TRUE(agent.digest.empty());
  EXPECT_EQ(agent.image_id.size(), 7U + 64U);  // docker://sha256: is an image ID
  const Sighting& job = by_workload["Job/migrate-28312345"];
  EXPECT_EQ(job.running, 0);                                           // terminated
  EXPECT_EQ(job.first_ms, *parse_iso8601_ms("2023-09-20T09:00:00Z"));  // the pod's start
  EXPECT_EQ(by_workload["Pod/debug"].namespace_name, "prod");
}

TEST(DeploymentsPods, NotJsonOrNotPodsIsSkipped) {
  std::vector<Sighting> sightings;
  Tally tally;
  read_pods("{\"items\": [", "broken.json", "c", sightings, tally);
  read_pods(R"({"items": [42, {"metadata": {"name": "p"}, "status": {}}]})", "odd.json", "c", sightings,
            tally);
  ASSERT_EQ(tally.skipped.size(), 2U);
  EXPECT_EQ(tally.skipped[0].where, "broken.json");
  EXPECT_EQ(tally.skipped[1].where, "odd.json: record 1");
  EXPECT_EQ(tally.records, 1U);  // a pod without container statuses: read, nothing runs
  EXPECT_TRUE(sightings.empty());
}

}  // namespace
}  // namespace chalk::deployments
