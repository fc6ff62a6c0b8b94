// Chalk reports in every shape we write (REPORTS.md §5, §9): JSON Lines (file, rotating_log
// and s3 sinks: one object per line), captured stdout (one `[...]` per line, or pretty
// printed), HTTP receiver dumps (an array) and single objects. Every operation counts: marks
// and their digests from `_CHALKS`, exec and heartbeat reports as proof a container ran.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/deployments/model.hpp"

namespace chalk::deployments {

// Reads every report in `text` (the contents of `name`) into `catalog`. A line or record
// that is no report is named in `tally.skipped`; the rest is still read.
void read_reports(std::string_view text, const std::string& name, Catalog& catalog, Tally& tally);

// Takes one report object into `catalog`; false (nothing taken) when it has no `_OPERATION`.
bool add_report(const nlohmann::json& report, Catalog& catalog);

}  // namespace chalk::deployments
