// `deployments`: options into a request, the join run, the answer printed (a table, JSON,
// or an HTML page written to a file); skipped input is warned about, one line each.
#include <iostream>
#include <regex>

#include "oci/file_io.hpp"
#include "plugin/cli/runtime.hpp"
#include "plugin/deployments/html.hpp"
#include "plugin/deployments/render.hpp"
#include "plugin/ops/deployments_op.hpp"
#include "plugin/sinks/curl_transport.hpp"

namespace chalk::cli {

namespace {

// Skipped input beyond this many lines is only counted: a bad bucket must not flood stderr.
constexpr std::size_t k_max_skip_lines = 20;

std::string checked_date(const std::string& option, const std::string& value) {
  static const std::regex date("[0-9]{4}-[0-9]{2}-[0-9]{2}");
  if (!value.empty() && !std::regex_match(value, date)) {
    throw Fatal(k_exit_bad_input, option + " `" + value + "`: expected a date, YYYY-MM-DD");
  }
  return value;
}

}  // namespace

void add_deployments_command(CLI::App& app, Runtime& runtime) {
  struct Options {
    ops::DeploymentsRequest request;
    std::string since;
    std::string until;
    bool json = false;
    std::string html;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("deployments",
                                     "Which repository and commit runs where: reports joined with what runs");
  command->footer(command_footer(
      "Chalk reports (any shape the sinks write: JSON Lines files and directories, stdout arrays,\n"
      "HTTP receiver dumps) lead from image digests to marks: repository, commit, build time.\n"
      "Cloud Custodian output (aws.ecs-task, aws.ecs-service, aws.ecs-task-definition;\n"
      "OUT/[REGION/]POLICY/resources.json[.gz]) and kubectl pod lists say what runs where;\n"
      "heartbeats prove a chalked container ran and what it listens on and talks to.\n"
      "Each row: repository, commit, image digest, where, workload, running, first and last seen,\n"
      "evidence (registry_digest, image_id, tag, heartbeat, untraced). Bad records are skipped with\n"
      "a warning naming them.",
      "0 something was read and joined (skipped records are warnings); 1 a rejected config;\n"
      "2 nothing could be read, or bad usage",
      "docker chalk deployments --reports ~/chalk-reports --custodian out --pods prod=prod.json \\\n"
      "      --repo acme/backend --html deployments.html\n"
      "  (out/ from `custodian run -s out ecs-tasks.yaml ecs-services.yaml`,\n"
      "   prod.json from `kubectl get pods -A -o json > prod.json`)"));
  add_config_option(*command, runtime);
  command->add_option("--reports", options->request.reports,
                      "Chalk reports: a file or a directory (repeatable)");
  command->add_option("--custodian", options->request.custodian,
                      "Cloud Custodian output directory (repeatable)");
  command->add_option(
      "--pods", options->request.pods,
      "`kubectl get pods -A -o json` output, as [CLUSTER=]FILE; the cluster defaults to the file's "
      "name (repeatable)");
  command->add_option("--since", options->since,
                      "Read only dt= partitions on or after this date (YYYY-MM-DD)");
  command->add_option("--until", options->until,
                      "Read only dt= partitions on or before this date (YYYY-MM-DD)");
  command->add_option("--repo", options->request.filter.repository,
                      "Only rows whose repository URL contains this");
  command->add_option("--commit", options->request.filter.commit, "Only rows whose commit starts with this");
  command->add_option("--cluster", options->request.filter.cluster, "Only rows in this cluster");
  command->add_flag("--json", options->json,
                    "Print a JSON array, one row object per line (fields: see README)");
  command->add_option("--html", options->html,
                      "Also write a self-contained HTML page with pictures to this file");
  command->callback([&runtime, options] {
    runtime.begin("deployments");
    auto& request = options->request;
    if (request.reports.empty() && request.custodian.empty() && request.pods.empty()) {
      throw Fatal(k_exit_bad_input, "deployments: give at least one of --reports, --custodian or --pods");
    }
    request.dates = {checked_date("--since", options->since), checked_date("--until", options->until)};
    request.progress = runtime.progress("reading");
    // s3:// reports are read with the credentials and signing of the config's s3 sinks.
    for (const auto& [name, sink] : runtime.settings().sink_configs) {
      if (sink.sink == "s3") request.s3_sinks.push_back(sink);
    }
    sinks::CurlTransport transport(sinks::find_ca_bundle());
    request.transport = &transport;
    request.clock = &sinks::system_clock();
    const auto outcome = ops::find_deployments(request);
    runtime.end_progress();
    const auto& skipped = outcome.skipped;
    for (std::size_t i = 0; i < skipped.size() && i < k_max_skip_lines; ++i) {
      runtime.warn("skipped `" + skipped[i].where + "`: " + skipped[i].cause);
    }
    if (skipped.size() > k_max_skip_lines) {
      runtime.warn("skipped " + std::to_string(skipped.size() - k_max_skip_lines) + " more input(s)");
    }
    if (outcome.records == 0) {
      throw Fatal(k_exit_bad_input, "finding deployments: nothing could be read (" +
                                        std::to_string(skipped.size()) + " input(s) skipped)");
    }
    if (!options->html.empty()) {
      const std::string page = deployments::render_html(outcome.catalog, outcome.result);
      if (auto written = oci::write_file_atomically(options->html, page); !written) {
        fail(written.error().with_context("writing `" + options->html + "`"));
      }
    }
    if (options->json) {
      deployments::write_json(std::cout, outcome.catalog, outcome.result);
    } else {
      std::cout << deployments::render_table(outcome.catalog, outcome.result);
    }
    std::cout.flush();
  });
}

}  // namespace chalk::cli
