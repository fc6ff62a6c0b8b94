#include "plugin/deployments/render.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "plugin/ops/deployments_op.hpp"
#include "tests/unit/deployments/helpers.hpp"

namespace chalk::deployments {
namespace {

using testing::fixture;
using testing::golden;
using testing::slurp;

ops::DeploymentsOutcome guide_outcome() {
  ops::DeploymentsRequest request;
  request.reports = {fixture("reports"), fixture("stdout-pushes.txt"), fixture("receiver-heartbeats.json")};
  request.custodian = {fixture("custodian")};
  request.pods = {"prod-k8s=" + fixture("pods.json")};
  auto outcome = ops::find_deployments(request);
  EXPECT_TRUE(outcome.skipped.empty());
  return outcome;
}

// CHALK_UPDATE_GOLDEN=1 rewrites the golden file (review the diff before committing).
void expect_golden(const std::string& name, const std::string& actual) {
  if (std::getenv("CHALK_UPDATE_GOLDEN") != nullptr) std::ofstream(golden(name), std::ios::binary) << actual;
  EXPECT_EQ(actual, slurp(golden(name)));
}

TEST(DeploymentsRender, TableMatchesGolden) {
  const auto outcome = guide_outcome();
  expect_golden("table.txt", render_table(outcome.catalog, outcome.result));
}

TEST(DeploymentsRender, JsonMatchesGoldenOneRowPerLine) {
  const auto outcome = guide_outcome();
  const std::string json = render_json(outcome.catalog, outcome.result);
  expect_golden("rows.json", json);
  const auto parsed = nlohmann::json::parse(json);
  ASSERT_TRUE(parsed.is_array());
  EXPECT_EQ(parsed.size(), outcome.result.rows.size());
  EXPECT_EQ(static_cast<std::size_t>(std::count(json.begin(), json.end(), '\n')), parsed.size() + 2);
}

TEST(DeploymentsRender, JsonFieldsAreTheDocumentedOnes) {
  const auto outcome = guide_outcome();
  const auto object = row_json(outcome.catalog, outcome.result.rows.at(0));
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  EXPECT_EQ(keys,
            (std::vector<std::string>{
                "repository",      "commit",       "branch",   "chalk_id",       "metadata_id", "built",
                "dockerfile_path", "platform",     "cluster",  "region",         "namespace",   "workload",
                "image",           "image_digest", "image_id", "running",        "desired",     "first_seen",
                "last_seen",       "evidence",     "nodes",    "listening_ports"}));
}

TEST(DeploymentsRender, EmptyResultIsAnEmptyArray) {
  EXPECT_EQ(render_json(Catalog{}, Deployments{}), "[]\n");
}

}  // namespace
}  // namespace chalk::deployments
