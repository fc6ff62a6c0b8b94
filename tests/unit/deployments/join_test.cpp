#include <gtest/gtest.h>

#include <algorithm>

#include "plugin/deployments/render.hpp"
#include "plugin/ops/deployments_op.hpp"
#include "tests/unit/deployments/helpers.hpp"

namespace chalk::deployments {
namespace {

using testing::fixture;

ops::DeploymentsRequest guide_request() {
  ops::DeploymentsRequest request;
  request.reports = {fixture("reports"), fixture("stdout-pushes.txt"), fixture("receiver-heartbeats.json")};
  request.custodian = {fixture("custodian")};
  request.pods = {"prod-k8s=" + fixture("pods.json")};
  return request;
}

const Row* find_row(const ops::DeploymentsOutcome& outcome, const std::string& where,
                    const std::string& workload) {
  for (const auto& row : outcome.result.rows) {
    if (where_of(row) == where && workload_of(row) == workload) return &row;
  }
  ADD_FAILURE() << "no row " << where << " " << workload;
  return nullptr;
}

const Mark& mark_of(const ops::DeploymentsOutcome& outcome, const Row& row) {
  static const Mark none;
  return row.mark ? outcome.catalog.marks()[*row.mark] : none;
}

TEST(DeploymentsJoin, EachEvidenceLeadsToTheRightCommit) {
  const auto outcome = ops::find_deployments(guide_request());
  EXPECT_TRUE(outcome.skipped.empty());

  const Row* production = find_row(outcome, "ecs:production (us-east-1)", "backend");
  ASSERT_NE(production, nullptr);
  EXPECT_EQ(production->evidence, Evidence::registry_digest);
  EXPECT_EQ(mark_of(outcome, *production).metadata_id, "PRODMD-0000-0000-000001");

  const Row* staging = find_row(outcome, "ecs:staging (us-east-1)", "backend");
  ASSERT_NE(staging, nullptr);
  EXPECT_EQ(mark_of(outcome, *staging).metadata_id, "STAGMD-0000-0000-000002");

  const Row* eu = find_row(outcome, "ecs:production-eu (eu-west-1)", "backend");
  ASSERT_NE(eu, nullptr);
  EXPECT_EQ(eu->evidence, Evidence::tag);  // task definition only: weaker
  EXPECT_EQ(mark_of(outcome, *eu).metadata_id, "PRODMD-0000-0000-000001");

  const Row* agent = find_row(outcome, "kubernetes:prod-k8s", "kube-system/DaemonSet/agent");
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(agent->evidence, Evidence::image_id);  // docker://sha256: matched _IMAGE_ID
  EXPECT_EQ(mark_of(outcome, *agent).repository, "https://github.com/acme/agent.git");

  const Row* job = find_row(outcome, "kubernetes:prod-k8s", "prod/Job/migrate-28312345");
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(mark_of(outcome, *job).commit, mark_of(outcome, *staging).commit);

  const Row* beat = find_row(outcome, "host", "ip-10-1-134-95");
  ASSERT_NE(beat, nullptr);
  EXPECT_EQ(beat->evidence, Evidence::heartbeat);
  EXPECT_EQ(beat->listening_ports, std::vector<std::string>{"4001"});

  // Deployed but not traceable to any mark: last, whatever their names.
  const Row* db = find_row(outcome, "kubernetes:prod-k8s", "prod/StatefulSet/db");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->evidence, Evidence::untraced);
  const Row* ghost = find_row(outcome, "host", "ip-10-9-9-9");
  ASSERT_NE(ghost, nullptr);
  EXPECT_EQ(ghost->evidence, Evidence::untraced);
  EXPECT_EQ(ghost->chalk_id, "GHOSTS-0000-0000-000009");
  const auto first_untraced = std::find_if(outcome.result.rows.begin(), outcome.result.rows.end(),
                                           [](const Row& row) { return !row.mark; });
  EXPECT_TRUE(
      std::all_of(first_untraced, outcome.result.rows.end(), [](const Row& row) { return !row.mark; }));

  // The build of backend:next never ran anywhere.
  ASSERT_EQ(outcome.result.never_deployed.size(), 1U);
  EXPECT_EQ(outcome.catalog.marks()[outcome.result.never_deployed[0]].metadata_id, "UNUSMD-0000-0000-000005");

  // The worker connects to the backend's listening port: one link in the service map.
  ASSERT_EQ(outcome.result.links.size(), 1U);
  const auto& link = outcome.result.links[0];
  EXPECT_EQ(outcome.catalog.heartbeats()[link.from].host, "ip-10-1-20-7");
  EXPECT_EQ(outcome.catalog.heartbeats()[link.to].host, "ip-10-1-134-95");
  EXPECT_EQ(link.port, "4001");
}

TEST(DeploymentsJoin, FiltersByRepositoryCommitAndCluster) {
  auto request = guide_request();
  request.filter.cluster = "staging";
  auto outcome = ops::find_deployments(request);
  ASSERT_EQ(outcome.result.rows.size(), 2U);  // backend (traced) and reports (untraced)
  for (const auto& row : outcome.result.rows) EXPECT_EQ(row.cluster, "staging");

  request = guide_request();
  request.filter.repository = "acme/agent";
  outcome = ops::find_deployments(request);
  ASSERT_EQ(outcome.result.rows.size(), 1U);
  EXPECT_EQ(outcome.result.rows[0].workload, "DaemonSet/agent");
  EXPECT_TRUE(outcome.result.never_deployed.empty());

  request = guide_request();
  request.filter.commit = "162e442e";  // the staging build (fixtures/make_fixtures.py)
  outcome = ops::find_deployments(request);
  ASSERT_EQ(outcome.result.rows.size(), 2U);  // staging ECS service and the migrate job
}

TEST(DeploymentsJoin, PartitionsOutsideTheDatesAreNotRead) {
  auto request = guide_request();
  request.dates = {"2023-09-19", ""};  // the production build's partition is 2023-09-18
  request.reports = {fixture("reports")};
  const auto outcome = ops::find_deployments(request);
  const Row* production = find_row(outcome, "ecs:production (us-east-1)", "backend");
  ASSERT_NE(production, nullptr);
  EXPECT_EQ(production->evidence, Evidence::untraced);
}

TEST(DeploymentsJoin, BadInputIsSkippedAndNamedWhileTheRestJoins) {
  ops::DeploymentsRequest request;
  request.reports = {fixture("bad/reports.jsonl"), fixture("no-such-file.jsonl")};
  request.custodian = {fixture("bad/custodian")};
  const auto outcome = ops::find_deployments(request);
  EXPECT_EQ(outcome.skipped.size(), 7U);  // 3 report lines, 1 missing file, 3 resources
  ASSERT_FALSE(outcome.result.rows.empty());
  EXPECT_EQ(outcome.result.rows[0].evidence, Evidence::heartbeat);
}

TEST(DeploymentsJoin, NothingReadableReadsNoRecords) {
  ops::DeploymentsRequest request;
  request.reports = {fixture("bad/custodian/ecs-tasks/resources.json")};
  request.pods = {fixture("no-such-pods.json")};
  const auto outcome = ops::find_deployments(request);
  EXPECT_EQ(outcome.records, 0U);
  ASSERT_EQ(outcome.skipped.size(), 2U);
  EXPECT_EQ(outcome.skipped[0].where, fixture("bad/custodian/ecs-tasks/resources.json") + ":1");
  EXPECT_EQ(outcome.skipped[1].where, fixture("no-such-pods.json"));
  EXPECT_TRUE(outcome.result.rows.empty());
}

}  // namespace
}  // namespace chalk::deployments
