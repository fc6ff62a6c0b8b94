// `insert` and `extract` on image archives and layouts: read an ImageSet, chalk or read
// each platform image, write the result, and return the report. No printing here: the
// command layer hands reports to sinks and warnings to stderr.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "oci/formats.hpp"
#include "plugin/chalk/chalker.hpp"
#include "plugin/ops/context.hpp"

namespace chalk::ops {

struct OperationOutcome {
  oci::Json report;                   // the report object (sinks wrap it in an array)
  std::vector<std::string> warnings;  // one line each, for stderr
  int exit_code = 0;
};

struct InsertRequest {
  std::string target;                                  // image reference (oci:, docker-archive:, path)
  std::filesystem::path output;                        // empty: rewrite the target itself
  std::optional<oci::ImageSet::Format> output_format;  // empty: the target's format
  std::string config_source;                           // the config carried in the chalk layer
  std::string_view shim;                               // the shim's bytes; empty: mark only
  bool wrap = true;
  oci::ProgressFn progress;
  std::filesystem::path temp_directory;  // engine images: where save/load archives go
};

util::Result<OperationOutcome> insert(const InsertRequest& request, const ReportContext& context);

struct ExtractRequest {
  std::string target;
};

util::Result<OperationOutcome> extract(const ExtractRequest& request, const ReportContext& context);
// The extract report of a set already read (`target` names unnamed entries); only the last
// layer of an image whose history says it is marked is opened.
util::Result<OperationOutcome> extract_set(const oci::ImageSet& set, const std::string& target,
                                           const ReportContext& context);

// A chalk request for one invocation: a fresh CHALK_ID and time, the config and shim the
// layer carries, wrapping as asked and as the settings allow.
ChalkRequest new_chalk_request(const ReportContext& context, std::string config_source, std::string_view shim,
                               bool wrap, std::filesystem::path temp_directory);

// Chalks every platform image of a set with one request (one CHALK_ID, one mark each);
// entries get their own names as DOCKER_TAGS unless the request names tags, and with
// `only_tag` (oci:DIR:TAG) only that entry is chalked. Appends one `_CHALKS` entry per
// platform to `chalks`.
util::Result<oci::ImageSet> chalk_set(const oci::ImageSet& set, const ChalkRequest& chalk,
                                      const std::string& only_tag, oci::Json& chalks,
                                      std::vector<std::string>& warnings);

}  // namespace chalk::ops
