// `insert` and `extract` on image archives and layouts: read an ImageSet, chalk or read
// each platform image, write the result, and return the report. No printing here: the
// command layer hands reports to sinks and warnings to stderr.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "oci/formats.hpp"
#include "plugin/chalk/report.hpp"

namespace chalk::ops {

struct OperationOutcome {
  oci::Json report;                   // the report object (sinks wrap it in an array)
  std::vector<std::string> warnings;  // one line each, for stderr
  int exit_code = 0;
};

struct InsertRequest {
  std::string target;                                // image reference (oci:, docker-archive:, path)
  std::filesystem::path output;                      // empty: rewrite the target itself
  std::optional<oci::ImageSet::Format> output_format;  // empty: the target's format
  std::string config_source;                         // the config carried in the chalk layer
  std::string_view shim;                             // the shim's bytes; empty: mark only
  bool wrap = true;
  oci::ProgressFn progress;
  std::filesystem::path temp_directory;  // engine images: where save/load archives go
};

oci::Result<OperationOutcome> insert(const InsertRequest& request, const ReportContext& context);

struct ExtractRequest {
  std::string target;
};

oci::Result<OperationOutcome> extract(const ExtractRequest& request, const ReportContext& context);

// Chalks every platform image of a set (one CHALK_ID, one mark each); used by insert and
// by build's archive path. Appends one `_CHALKS` entry per platform to `chalks`.
struct SetChalking {
  std::string chalk_id;
  std::int64_t timestamp_ms = 0;
  std::vector<std::string> tags;  // DOCKER_TAGS; empty: each entry's own names
  oci::Json build_fields = oci::Json::object();
  std::string config_source;
  std::string_view shim;
  bool wrap = true;
  std::string label_prefix = "run.crashoverride.";
  std::filesystem::path temp_directory;
  std::string only_tag;  // oci:DIR:TAG selects entries; "" = all
};
oci::Result<oci::ImageSet> chalk_set(const oci::ImageSet& set, const SetChalking& chalking, oci::Json& chalks,
                                     std::vector<std::string>& warnings);

}  // namespace chalk::ops
